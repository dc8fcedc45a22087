public import Foundation
public import Logging
public import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// Tells systemd (a `Type=notify` unit) when the process is ready and, with `WatchdogSec=`, that it
/// is still alive: the `sd_notify` datagram protocol on `$NOTIFY_SOCKET`, without libsystemd.
///
/// `READY=1` is sent once `ready()` first holds; `WATCHDOG=1` every half of `$WATCHDOG_USEC` while
/// `alive()` holds (a hung process stops sending and systemd restarts it); `STOPPING=1` on graceful
/// shutdown. Outside systemd (no `$NOTIFY_SOCKET`) it does nothing. A swift-service-lifecycle
/// ``Service``.
public struct SystemdNotifier: Service {
    /// Start-up is over (e.g. connected, the lease settled).
    public let ready: @Sendable () -> Bool
    /// The main loop is turning (checked before each watchdog ping).
    public let alive: @Sendable () -> Bool
    /// Where a notification that could not be sent is reported.
    public let logger: Logger
    private let socketPath: String?
    private let watchdog: Duration?

    /// - Parameter environment: where `NOTIFY_SOCKET` and `WATCHDOG_USEC` are read (the process's).
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger,
        ready: @escaping @Sendable () -> Bool,
        alive: @escaping @Sendable () -> Bool
    ) {
        socketPath = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        watchdog = environment["WATCHDOG_USEC"].flatMap(Int64.init).flatMap { $0 > 0 ? .microseconds($0) : nil }
        self.logger = logger
        self.ready = ready
        self.alive = alive
    }

    /// Whether systemd asked for notifications.
    public var isEnabled: Bool { socketPath != nil }

    /// Notifies until graceful shutdown (then `STOPPING=1`); without `$NOTIFY_SOCKET`, only waits.
    public func run() async throws {
        guard let socketPath else {
            try? await gracefulShutdown()
            return
        }
        var sentReady = false
        // Checked often enough to say "ready" promptly and to ping at half the watchdog period.
        let period = min(watchdog.map { $0 / 2 } ?? .milliseconds(500), .milliseconds(500))
        var lastPing = ContinuousClock.now - .seconds(3600)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if !sentReady, ready() {
                sentReady = Self.send("READY=1\nSTATUS=running", to: socketPath, logger: logger)
            }
            if let watchdog, sentReady, ContinuousClock.now - lastPing >= watchdog / 2, alive() {
                if Self.send("WATCHDOG=1", to: socketPath, logger: logger) { lastPing = .now }
            }
            try? await Task.sleep(for: period)
        }
        _ = Self.send("STOPPING=1", to: socketPath, logger: logger)
    }

    /// One datagram to the notification socket (a path, or `@name` in the abstract namespace).
    @discardableResult
    static func send(_ message: String, to path: String, logger: Logger) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let sent = message.withCString { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, text, strlen(text), Int32(MSG_NOSIGNAL), $0, length) }
            }
        }
        if sent < 0 {
            logger.warning("could not notify systemd on \(path): \(String(cString: strerror(errno)))")
            return false
        }
        return true
    }
}
