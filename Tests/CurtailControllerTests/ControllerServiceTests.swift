import CurtailController
import CurtailCore
import CurtailSite
import CurtailTestSupport
import CurtailWire
import Logging
import Metrics
import MetricsTestKit
import Testing

/// The controller *service* (its loop, timer, journal and metrics wiring) in process: an
/// in-memory transport instead of the broker, a manual clock for both site and wall time, and
/// swift-metrics' test kit for the metrics. Nothing depends on how fast the machine is.
@Suite("Controller service on a manual clock")
struct ControllerServiceTests {
    static let start = Timestamp(iso8601: "2023-09-06T15:00:00Z")!

    /// Advances `clock` in `steps` of `by`, letting the service's timer fire after each.
    static func advance(_ clock: ManualClock, by step: Duration, steps: Int) async {
        for _ in 0..<steps {
            await waitUntil { clock.sleepers > 0 }
            clock.advance(by: step)
        }
        await waitUntil { clock.sleepers > 0 }
    }

    /// Waits until `condition` holds: the service runs on other threads, so however busy the
    /// machine, this waits for it rather than for a number of scheduler turns. The 30 s bound
    /// only stops a broken test; the assertions after it say what went wrong.
    static func waitUntil(_ condition: () -> Bool) async {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition(), ContinuousClock.now < deadline {
            await Task.yield()
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    @Test("start-up window, a price and a refusal: commands out in one burst, metrics through the injected factory")
    func serviceRun() async throws {
        let h = try CoreHarness()
        let clock = ManualClock(start: Self.start)
        let transport = InMemoryTransport()
        let metrics = TestMetrics()
        var controller = try Controller(
            configuration: ControllerConfiguration(settings: h.settings, policy: h.core.configuration.policy),
            transport: transport,
            identity: "curtail-test-1",
            clock: clock,
            wallClock: clock,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
        controller.restoreWindow = .seconds(1)
        controller.metricsFactory = metrics
        let topics = h.topics

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [controller] in try await controller.run() }
            await Self.waitUntil { transport.subscriptions.contains(topics.price) }
            transport.connect()
            await Self.advance(clock, by: .milliseconds(200), steps: 6)  // past the 1 s start-up window: the lease is claimed
            await Self.advance(clock, by: .milliseconds(200), steps: 4)  // and settles: active
            #expect(!transport.subscriptions.contains(topics.commandFilter), "own topics dropped after start-up")
            #expect(transport.published.contains { $0.message.topic == topics.state }, "the first decision's state is out")

            transport.deliver(try HashPricePayload(ts: clock.now, usdPerTHDay: 0.06).encode(), on: topics.hashPrice)
            let interval = Timestamp(millisecondsSinceEpoch: (clock.now.millisecondsSinceEpoch / 900_000 - 1) * 900_000)
            transport.deliver(try PricePayload(intervalStart: interval, intervalMinutes: 15, priceUSDPerMWh: 95).encode(), on: topics.price)
            transport.deliver(Array("{\"price\": 5000".utf8), on: topics.price)
            // The refusal is published before it is counted (the publish comes first in the step):
            // wait for both.
            await Self.waitUntil {
                transport.published.contains { $0.message.topic == topics.rejected }
                    && (try? metrics.expectCounter("curtail_rejected_inputs_total", [("reason", "malformed")]).totalValue) == 1
            }

            // Only the malformed price was refused: the controller's own state, published as start-up
            // ended, did not come back to it as an input (it unsubscribes before publishing).
            let refused = transport.published.filter { $0.message.topic == topics.rejected }.compactMap {
                try? RejectedPayload(decoding: $0.message.payload)
            }
            #expect(refused.map(\.kind) == [.malformed], "\(refused.map(\.reason))")
            let commands = transport.published.filter { $0.message.topic.hasSuffix("/command") }
            #expect(commands.count == 3, "one command per group")
            let s19 = try #require(commands.first { $0.message.topic == topics.command(group: "s19jpro") })
            let s19Command = try CommandPayload(decoding: s19.message.payload)
            #expect(s19Command.minersRunning == 0, "95 $/MWh is above the S19j Pro's break-even")
            #expect(s19.message.retain && s19.expiry == .seconds(180), "retained, expiring in wall time")
            let leader = try #require(transport.published.first { $0.message.topic == topics.leader })
            #expect(try LeaderPayload(decoding: leader.message.payload).term == 1, "the lease is claimed with term 1")
            let online = try #require(transport.published.firstIndex { $0.message.payload == ControllerStatus.online.encode() })
            #expect(online < (transport.published.firstIndex { $0.message.topic.hasSuffix("/command") } ?? 0), "online before the first command")
            #expect(s19Command.term == 1, "commands carry the term")

            #expect(try metrics.expectCounter("curtail_decisions_total").totalValue >= 1)
            #expect(try metrics.expectCounter("curtail_commands_total").totalValue == 3)
            #expect(try metrics.expectCounter("curtail_rejected_inputs_total", [("reason", "malformed")]).totalValue == 1)
            #expect(try metrics.expectGauge("curtail_group_target_kw", [("group", "s19jpro")]).lastValue == s19Command.targetKW)
            #expect(try metrics.expectTimer("curtail_decision_seconds").values.count >= 1)
            group.cancelAll()
        }
    }
}
