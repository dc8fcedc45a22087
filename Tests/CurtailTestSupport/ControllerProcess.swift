public import Foundation
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// One `curtail run` process as an operator starts it, signalled like an operator (or a power
/// cut) would: SIGTERM, SIGKILL, SIGSTOP, SIGCONT. Its stderr goes to a log file next to its
/// audit database, for the failure messages.
public final class ControllerProcess: Sendable {
    public let instance: String
    public let arguments: [String]
    public let logPath: String
    private let pid = Mutex<pid_t?>(nil)
    private let lives = Mutex(0)

    /// `curtail run --config SITE --broker URL --sim-clock --instance INSTANCE --audit-db DIR/INSTANCE.sqlite`.
    public init(instance: String, sitePath: String, brokerURL: String, directory: URL) {
        self.instance = instance
        logPath = directory.appending(path: "\(instance).log").path
        arguments = [
            "run", "--config", sitePath, "--broker", brokerURL, "--sim-clock", "--instance", instance,
            "--audit-db", directory.appending(path: "\(instance).sqlite").path, "--metrics", "off", "--log-level", "info",
        ]
    }

    public var auditPath: String { arguments[arguments.firstIndex(of: "--audit-db")! + 1] }

    /// Starts a life of the process in `group`; returns once it has a pid. The group's task ends
    /// when the process exits.
    public func start(in group: inout ThrowingTaskGroup<Void, any Error>) async throws {
        let executable = try CurtailProcess.executable()
        let arguments = self.arguments
        let log = try FileDescriptor.open(FilePath(logPath), .writeOnly, options: [.create, .append], permissions: [.ownerReadWrite])
        let before = lives.withLock { $0 }
        group.addTask { [self] in
            _ = try await Subprocess.run(
                .path(FilePath(executable)),
                arguments: .init(arguments),
                input: .none,
                output: .discarded,
                error: .fileDescriptor(log, closeAfterSpawningProcess: true)
            ) { execution in
                self.pid.withLock { $0 = execution.processIdentifier.value }
                self.lives.withLock { $0 += 1 }
            }
            self.pid.withLock { $0 = nil }
        }
        while lives.withLock({ $0 }) == before { try await Task.sleep(for: .milliseconds(5)) }
    }

    /// Sends `signal` to the running process, if any.
    public func send(_ signal: Int32) {
        if let pid = pid.withLock({ $0 }) { kill(pid, signal) }
    }

    /// Waits until the current life has exited (at most `timeout`).
    public func waitUntilExited(timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while pid.withLock({ $0 }) != nil {
            guard ContinuousClock.now < deadline else { throw CurtailProcess.Missing(description: "\(instance) did not exit within \(timeout)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The last 15 lines of the log at `path`, for failure messages.
    public static func tail(of path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(15).joined(separator: "\n")
    }
}
