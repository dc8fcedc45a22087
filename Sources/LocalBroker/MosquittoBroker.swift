public import Foundation
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real mosquitto broker on a free loopback port, started and stopped by this process.
///
/// Used by the tests, the MQTT benchmark and `curtail demo`. The broker runs with a generated
/// configuration (`set_tcp_nodelay true`, anonymous access unless users are given, logs to a
/// file) in its own temporary directory, which is removed afterwards.
///
/// ```swift
/// try await MosquittoBroker.withBroker { broker in
///     let configuration = MQTTConfiguration(port: broker.port, clientID: "test")
///     …
///     try await broker.stop(.kill)   // the broker dies under the clients
///     try await broker.start()       // and comes back on the same port
/// }
/// ```
///
/// The broker process is spawned with swift-subprocess, which resets the child's signal mask:
/// a `Foundation.Process` started from a Swift-concurrency thread on Linux inherits a mask
/// with SIGTERM blocked, and such a broker never stops.
public final class MosquittoBroker: Sendable {
    /// What to put in the generated broker configuration.
    public struct Options: Sendable {
        /// User names and passwords. Empty: anonymous access. Otherwise only these users may connect.
        public var users: [String: String]
        /// Keep sessions and queued messages on disk across a graceful restart (`persistence true`).
        public var persistence: Bool
        /// Largest payload the broker accepts (`message_size_limit`); larger publishes are dropped
        /// (MQTT 5 clients get a "packet too large" reason code).
        public var messageSizeLimit: Int?
        /// `set_tcp_nodelay` on the listener. Keep it `true`: see the latency note in the README.
        public var tcpNoDelay: Bool
        /// Serve TLS instead of plain TCP on the listener.
        public var tls: TLS?
        /// More configuration lines, appended verbatim.
        public var extraConfiguration: [String]

        /// TLS on the broker's listener (PEM files).
        public struct TLS: Sendable {
            /// The broker's certificate.
            public var certificateFile: String
            /// The private key of the broker's certificate.
            public var keyFile: String
            /// The CA that signs client certificates (also required by mosquitto for TLS listeners).
            public var caFile: String
            /// Refuse clients without a certificate signed by `caFile`.
            public var requireClientCertificate: Bool

            public init(certificateFile: String, keyFile: String, caFile: String, requireClientCertificate: Bool = false) {
                self.certificateFile = certificateFile
                self.keyFile = keyFile
                self.caFile = caFile
                self.requireClientCertificate = requireClientCertificate
            }
        }

        public init(
            users: [String: String] = [:],
            persistence: Bool = false,
            messageSizeLimit: Int? = nil,
            tcpNoDelay: Bool = true,
            tls: TLS? = nil,
            extraConfiguration: [String] = []
        ) {
            self.users = users
            self.persistence = persistence
            self.messageSizeLimit = messageSizeLimit
            self.tcpNoDelay = tcpNoDelay
            self.tls = tls
            self.extraConfiguration = extraConfiguration
        }
    }

    /// How ``stop(_:)`` ends the broker.
    public enum StopMode: Sendable {
        /// SIGTERM: the broker closes connections and saves its persistence file.
        case graceful
        /// SIGKILL: the broker vanishes at once, as in a crash or power loss.
        case kill
    }

    /// The loopback address the broker listens on.
    public let host = "127.0.0.1"
    /// The TCP port the broker listens on.
    public let port: Int
    /// The broker's working directory (configuration, log, persistence).
    public let directory: URL
    /// The broker's log file.
    public var logFile: URL { directory.appending(path: "mosquitto.log") }
    /// `mqtt://127.0.0.1:PORT`.
    public var url: String { "mqtt://\(host):\(port)" }

    private let executable: String
    private let configurationFile: URL
    /// One element per ``start()``: the supervisor launches a process and reports back.
    private let startRequests: AsyncStream<CheckedContinuation<Result<Void, BrokerError>, Never>>
    private let requestStart: AsyncStream<CheckedContinuation<Result<Void, BrokerError>, Never>>.Continuation
    private let current = Mutex<AsyncStream<StopRequest>.Continuation?>(nil)

    private struct StopRequest: Sendable {
        var mode: StopMode
        var done: CheckedContinuation<Void, Never>
    }

    // MARK: - Finding mosquitto

    /// The mosquitto binary: `$MOSQUITTO_BIN`, else the first `mosquitto` on `PATH`, `/usr/sbin`
    /// or `/usr/local/sbin` (Debian installs the broker in `sbin`).
    public static var executablePath: String? {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["MOSQUITTO_BIN"], !explicit.isEmpty {
            return FileManager.default.isExecutableFile(atPath: explicit) ? explicit : nil
        }
        let path = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for directory in path + ["/usr/sbin", "/usr/local/sbin", "/opt/homebrew/sbin"] {
            let candidate = directory + "/mosquitto"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// `true` when a mosquitto binary is available.
    public static var isInstalled: Bool { executablePath != nil }

    // MARK: - Lifecycle

    /// Starts a broker, runs `body` with it, and stops it (even when `body` throws).
    public static func withBroker<Value>(
        _ options: Options = Options(),
        _ body: (MosquittoBroker) async throws -> Value
    ) async throws -> Value {
        // The port is free when picked, but another process (a parallel test's broker) can take it
        // before this mosquitto binds it; then this broker exits and whoever connects would reach
        // the other one. ``start()`` sees that in the log; a new broker on a new port is tried.
        var attempt = 1
        while true {
            do {
                return try await withNewBroker(options, body)
            } catch is PortTakenAtFirstStart where attempt < 5 {
                attempt += 1
            } catch let retry as PortTakenAtFirstStart {
                throw retry.error
            }
        }
    }

    private static func withNewBroker<Value>(
        _ options: Options,
        _ body: (MosquittoBroker) async throws -> Value
    ) async throws -> Value {
        let broker = try MosquittoBroker()
        defer { try? FileManager.default.removeItem(at: broker.directory) }
        try await broker.writeConfiguration(options)
        return try await withThrowingTaskGroup(of: Void.self, returning: Value.self) { group in
            group.addTask { try await broker.supervise() }
            do {
                do {
                    try await broker.start()
                } catch let error as BrokerError {
                    if case .portTaken = error { throw PortTakenAtFirstStart(error: error) }
                    throw error
                }
                let result = try await body(broker)
                await broker.finish()
                try await group.waitForAll()
                return result
            } catch {
                await broker.finish()
                group.cancelAll()
                throw error
            }
        }
    }

    private init() throws {
        guard let executable = Self.executablePath else { throw BrokerError.notInstalled }
        self.executable = executable
        self.port = try Self.freeLoopbackPort()
        let directory = FileManager.default.temporaryDirectory.appending(path: "curtail-mosquitto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.configurationFile = directory.appending(path: "mosquitto.conf")
        (startRequests, requestStart) = AsyncStream.makeStream(of: CheckedContinuation<Result<Void, BrokerError>, Never>.self)
    }

    /// Starts the broker process (again) and waits until it accepts connections.
    ///
    /// - Throws: ``BrokerError`` when it is already running or does not come up within 5 s
    ///   (the error carries the end of the broker's log).
    public func start() async throws {
        guard current.withLock({ $0 == nil }) else { throw BrokerError.alreadyRunning }
        // Only what this launch logs counts: the log is appended to across restarts.
        let logOffset = (try? FileManager.default.attributesOfItem(atPath: logFile.path)[.size] as? Int) ?? 0
        // A cancelled task's supervisor has stopped reading requests: fail at once instead of
        // leaving the request (and this call) waiting for ever.
        try Task.checkCancellation()
        let launched = await withCheckedContinuation { continuation in
            if case .terminated = requestStart.yield(continuation) {
                continuation.resume(returning: .failure(.couldNotLaunch("the broker's supervisor has stopped (the task was cancelled)")))
            }
        }
        try launched.get()
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            // Something accepting on the port is not enough: it must be this process that bound it.
            let log = logSince(logOffset)
            if log.contains("Address already in use") {
                await stop(.kill)
                throw BrokerError.portTaken(port: port)
            }
            if log.contains(" running"), Self.accepts(host: host, port: port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        await stop(.kill)
        throw BrokerError.didNotStart(port: port, log: logTail())
    }

    /// The first start lost its port to another process: ``withBroker(_:_:)`` tries a new broker.
    private struct PortTakenAtFirstStart: Error {
        var error: BrokerError
    }

    /// The broker's log from byte `offset` on.
    private func logSince(_ offset: Int) -> String {
        guard let data = try? Data(contentsOf: logFile), data.count > offset else { return "" }
        return String(decoding: data[offset...], as: UTF8.self)
    }

    /// Stops the broker and waits until the process has exited. Does nothing when it is not running.
    public func stop(_ mode: StopMode = .graceful) async {
        guard let stopper = current.withLock({ $0 }) else { return }
        await withCheckedContinuation { continuation in
            stopper.yield(StopRequest(mode: mode, done: continuation))
        }
    }

    private func finish() async {
        await stop(.graceful)
        requestStart.finish()
    }

    /// Runs one broker process per ``start()``, until ``finish()``.
    private func supervise() async throws {
        for await launched in startRequests {
            let (requests, stopper) = AsyncStream.makeStream(of: StopRequest.self)
            do {
                let outcome = try await Subprocess.run(
                    .path(FilePath(executable)),
                    arguments: ["-c", configurationFile.path],
                    input: .none,
                    output: .discarded,
                    error: .discarded
                ) { execution in
                    self.current.withLock { $0 = stopper }
                    launched.resume(returning: .success(()))
                    var iterator = requests.makeAsyncIterator()
                    let request = await iterator.next()
                    self.current.withLock { $0 = nil }
                    try? execution.send(signal: request?.mode == .kill ? .kill : .terminate)
                    return request
                }
                outcome.closureResult?.done.resume()
            } catch {
                self.current.withLock { $0 = nil }
                launched.resume(returning: .failure(.couldNotLaunch("\(error)")))
            }
        }
    }

    // MARK: - Configuration

    private func writeConfiguration(_ options: Options) async throws {
        var lines = [
            "# Generated by Curtail's LocalBroker for one test or demo run.",
            "listener \(port) \(host)",
            "set_tcp_nodelay \(options.tcpNoDelay)",
            "log_dest file \(logFile.path)",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
        ]
        if geteuid() == 0 {
            // Started as root, mosquitto switches to the 'mosquitto' user, which cannot read or
            // write this process's private directory (log, passwords, persistence). This broker
            // only listens on loopback for one run, so it stays the user that started it.
            lines.append("user root")
        }
        if options.users.isEmpty {
            lines.append("allow_anonymous true")
        } else {
            let passwordFile = directory.appending(path: "passwords")
            try await writePasswordFile(options.users, to: passwordFile)
            lines += ["allow_anonymous false", "password_file \(passwordFile.path)"]
        }
        if options.persistence {
            lines += ["persistence true", "persistence_location \(directory.path)/", "autosave_interval 1"]
        } else {
            lines.append("persistence false")
        }
        if let tls = options.tls {
            lines += [
                "certfile \(tls.certificateFile)",
                "keyfile \(tls.keyFile)",
                "cafile \(tls.caFile)",
                "require_certificate \(tls.requireClientCertificate)",
            ]
        }
        if let limit = options.messageSizeLimit {
            lines.append("message_size_limit \(limit)")
        }
        lines += options.extraConfiguration
        try (lines.joined(separator: "\n") + "\n").write(to: configurationFile, atomically: true, encoding: .utf8)
    }

    /// mosquitto 2.x reads only hashed password files; hash with the broker's own algorithm
    /// (`$7$`, PBKDF2-SHA512) via `mosquitto_passwd` when it is installed next to the broker.
    private func writePasswordFile(_ users: [String: String], to file: URL) async throws {
        let candidates = [
            URL(fileURLWithPath: executable).deletingLastPathComponent().appending(path: "mosquitto_passwd").path,
            "/usr/bin/mosquitto_passwd",
        ]
        guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw BrokerError.couldNotLaunch("mosquitto_passwd not found (Debian: it comes with the mosquitto package)")
        }
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw BrokerError.couldNotLaunch("could not create \(file.path)")
        }
        for (user, password) in users.sorted(by: { $0.key < $1.key }) {
            let result = try await Subprocess.run(
                .path(FilePath(tool)),
                arguments: ["-b", file.path, user, password],
                output: .discarded,
                error: .string(limit: 4096)
            )
            guard result.terminationStatus.isSuccess else {
                throw BrokerError.couldNotLaunch("mosquitto_passwd failed for user '\(user)': \(result.standardError)")
            }
        }
    }

    /// The last lines of the broker's log, for error messages.
    public func logTail(lines: Int = 20) -> String {
        guard let text = try? String(contentsOf: logFile, encoding: .utf8) else { return "(no broker log)" }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    // MARK: - Sockets

    /// Asks the kernel for a free port on 127.0.0.1 (bind to port 0, read it back, close).
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BrokerError.couldNotLaunch("socket(): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else { throw BrokerError.couldNotLaunch("bind(127.0.0.1:0): \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// `true` when something accepts TCP connections on `host:port`.
    static func accepts(host: String, port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// Why a local broker could not be started.
public enum BrokerError: Error, Sendable, CustomStringConvertible {
    /// No mosquitto binary was found.
    case notInstalled
    /// ``MosquittoBroker/start()`` was called while the broker runs.
    case alreadyRunning
    /// The broker process could not be started.
    case couldNotLaunch(String)
    /// The broker started but did not accept connections in time.
    case didNotStart(port: Int, log: String)
    /// Another process took the port between choosing it and the broker binding it.
    case portTaken(port: Int)

    public var description: String {
        switch self {
        case .notInstalled:
            "the mosquitto broker is not installed; run 'apt-get install -y mosquitto' (or set MOSQUITTO_BIN)"
        case .alreadyRunning:
            "the local mosquitto broker is already running"
        case .couldNotLaunch(let reason):
            "could not start mosquitto: \(reason)"
        case .portTaken(let port):
            "another process took 127.0.0.1:\(port) before mosquitto could listen on it; start it again (a new port is chosen)"
        case .didNotStart(let port, let log):
            "mosquitto did not accept connections on 127.0.0.1:\(port) within 5 s; its log ends with:\n\(log)"
        }
    }
}
