public import Foundation

/// Runs the built `curtail` executable the way a user does, for the command-line tests of every
/// test target.
public enum CurtailProcess: Sendable {
    /// What a finished run printed and returned.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// A test precondition that did not hold (no executable).
    public struct Missing: Error, Sendable, CustomStringConvertible {
        public var description: String

        public init(description: String) { self.description = description }
    }

    /// The `curtail` executable built next to the test bundle, or `$CURTAIL_BIN`.
    public static func executable() throws -> String {
        try executable(named: "curtail", override: "CURTAIL_BIN")
    }

    /// The `curtail-bench` executable (benchmarks, the MQTT relay) built next to the test bundle,
    /// or `$CURTAIL_BENCH_BIN`.
    public static func benchExecutable() throws -> String {
        try executable(named: "curtail-bench", override: "CURTAIL_BENCH_BIN")
    }

    private static func executable(named name: String, override: String) throws -> String {
        let bundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for candidate in [bundle, bundle.deletingLastPathComponent()] {
            let path = candidate.appending(path: name).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        if let explicit = ProcessInfo.processInfo.environment[override] { return explicit }
        throw Missing(description: "no \(name) executable next to \(bundle.path); set \(override)")
    }

    /// Runs `curtail arguments...` in the repository root until it exits.
    ///
    /// For commands that end by themselves. (A process that must be *signalled* needs
    /// swift-subprocess: `Foundation.Process` children inherit a signal mask with SIGTERM blocked.)
    public static func run(_ arguments: [String], in directory: URL = TestRepository.root) throws -> Output {
        try run(executable: try executable(), arguments, in: directory)
    }

    /// Runs `curtail-bench arguments...` in the repository root until it exits.
    public static func runBench(_ arguments: [String], in directory: URL = TestRepository.root) throws -> Output {
        try run(executable: try benchExecutable(), arguments, in: directory)
    }

    /// Runs any `executable` with `arguments` until it exits (a tool the tests need: mosquitto_passwd,
    /// systemd-analyze, a script).
    public static func run(executable: String, _ arguments: [String], in directory: URL = TestRepository.root) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }
}
