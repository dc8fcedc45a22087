import CurtailWire
import Logging
import Synchronization
import Testing

@testable import CurtailController

/// Refusals are logged once per kind per minute, with the count of those not logged.
@Suite("OncePerMinuteLog")
struct OncePerMinuteLogTests {
    final class Lines: Sendable {
        let lines = Mutex<[(String, Logger.Metadata)]>([])
    }

    struct Handler: LogHandler {
        let sink: Lines
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            sink.lines.withLock { $0.append(("\(event.message)", event.metadata ?? [:])) }
        }
    }

    @Test("a flood of one kind logs once a minute; another kind is logged at once")
    func onceAMinute() {
        let sink = Lines()
        let logger = Logger(label: "test") { _ in Handler(sink: sink) }
        var log = OncePerMinuteLog()
        let t0 = ContinuousClock.now
        let bad = Rejection(.wrongType, "price: 'price_usd_per_mwh' must be a number")
        for k in 0..<100 { log.log(bad, topic: "grid/ercot/HB_WEST/price", at: t0.advanced(by: .milliseconds(k * 100)), logger: logger) }
        log.log(Rejection(.unknownGroup, "no such group"), topic: "site/x/groups/y/telemetry", at: t0.advanced(by: .seconds(11)), logger: logger)
        log.log(bad, topic: "grid/ercot/HB_WEST/price", at: t0.advanced(by: .seconds(61)), logger: logger)
        let lines = sink.lines.withLock { $0 }
        #expect(lines.count == 3)
        #expect(lines[0].0.contains("must be a number") && lines[1].0.contains("no such group"))
        #expect(lines[2].1["suppressed_since_last"] == "99")
    }
}
