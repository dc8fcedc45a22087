import CurtailController
import Logging
public import ServiceLifecycle

/// `curtail openadr`: the VEN as a long-running service. Runs the broker connection, follows
/// the site's state and event reports, and talks to the VTN in the configured version until
/// graceful shutdown.
public struct OpenADRVEN: Service {
    /// The protocol side.
    public enum Link: Sendable {
        case v2(OADR2VEN)
        case v3(OADR3VEN)
    }

    let contract: VENContract
    let link: Link

    public init(contract: VENContract, link: Link) {
        self.contract = contract
        self.link = link
    }

    public func run() async throws {
        let contract = self.contract
        let link = self.link
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await contract.transport.runUntilCancelled() }
            group.addTask { try await contract.follow() }
            do {
                try await cancelWhenGracefulShutdown {
                    switch link {
                    case .v2(let ven): try await ven.run()
                    case .v3(let ven): try await ven.run()
                    }
                }
            } catch is CancellationError {
            }
            contract.logger.info("OpenADR VEN stopped")
            group.cancelAll()
        }
    }
}
