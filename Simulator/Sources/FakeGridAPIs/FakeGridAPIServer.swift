public import Logging
import NIOCore
import NIOPosix
public import ServiceLifecycle
import SimulatedHTTP

/// Serves a ``FakeERCOTAPI`` and a ``FakeMempoolAPI`` on loopback ports until graceful shutdown
/// (`gridsim apis`).
public struct FakeGridAPIServer: Service {
    /// The loopback address served on.
    public let host: String
    /// The ERCOT API's port.
    public let ercotPort: Int
    /// The mempool API's port.
    public let mempoolPort: Int
    let ercot: FakeERCOTAPI
    let mempool: FakeMempoolAPI
    let logger: Logger

    public init(host: String, ercotPort: Int, mempoolPort: Int, ercot: FakeERCOTAPI, mempool: FakeMempoolAPI, logger: Logger) {
        self.host = host
        self.ercotPort = ercotPort
        self.mempoolPort = mempoolPort
        self.ercot = ercot
        self.mempool = mempool
        self.logger = logger
    }

    public func run() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let ercot = self.ercot
        let mempool = self.mempool
        let ercotChannel = try await SimulatedHTTPServer.bind(group: group, host: host, port: ercotPort) { ercot.answer($0) }
        let mempoolChannel = try await SimulatedHTTPServer.bind(group: group, host: host, port: mempoolPort) { mempool.answer($0) }
        logger.notice("fake ERCOT API on http://\(host):\(ercotPort) (token: /token), fake mempool API on http://\(host):\(mempoolPort)")
        try? await gracefulShutdown()
        try? await ercotChannel.close()
        try? await mempoolChannel.close()
    }
}
