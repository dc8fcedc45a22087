import CurtailController
import CurtailCore
import CurtailFeeds
import CurtailMQTT
import CurtailTestSupport
import CurtailWire
import FakeGridAPIs
import Foundation
import LocalBroker
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real inputs driving the real controller: the ERCOT feed and the hash-price feed against
/// the fake APIs (real 2023-09-06 HB_WEST prices, that day's Bitcoin network), and a
/// `curtail run` process on the same simulated clock, through one mosquitto.
@Suite("Feeds drive curtail run", .timeLimit(.minutes(3)), .enabled(if: brokerAvailable, "needs the mosquitto broker"), .wallClockLoop)
struct FeedControllerChainTests {
    @Test("the 17:45 spike of 2023-09-06 (305 $/MWh) sheds the site on its first SCED price; the late final of 17:30 does not bring it back")
    func spikeSheds() async throws {
        // A slow clock (30×): a second of wall-clock lag on a loaded CI machine is 30 s of site time.
        let start = Timestamp(iso8601: "2023-09-06T17:41:00Z")!
        // Settlement prices four minutes after their interval (as ERCOT posts them): the final price
        // of 17:30 comes well after the 17:45 interval's first SCED price.
        try await FeedRig.with(start: start, rate: 30, settlementLagSeconds: 240, bitcoinDay: "2023-09-06") { rig in
            let directory = FileManager.default.temporaryDirectory.appending(path: "curtail-feed-chain-\(getpid())")
            try? FileManager.default.removeItem(at: directory)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let ercot = try rig.ercotFeed(statistics: FeedStatistics())
            let hashPrice = try rig.hashPriceFeed(statistics: FeedStatistics())
            let controller = ControllerProcess(instance: "1", sitePath: TestRepository.exampleSite, brokerURL: rig.broker.url, directory: directory)
            try await withThrowingTaskGroup(of: Void.self) { group in
                try await rig.announceClock()
                group.addTask { try await ercot.run() }
                group.addTask { try await hashPrice.run() }
                try await controller.start(in: &group)

                func commands(_ name: String) -> [(at: Timestamp, command: CommandPayload)] {
                    rig.messages(on: "site/west-texas-1/groups/\(name)/command").compactMap { r in
                        (try? CommandPayload(decoding: r.payload)).map { (r.at, $0) }
                    }
                }
                do {
                    try await rig.wait("the controller's first commands", timeout: .seconds(60)) {
                        commands("s21").contains { $0.command.minersRunning == 1000 }
                    }
                    #expect(commands("s19jpro").last?.command.minersRunning == 0, "89.67 $/MWh is above the S19j Pro's break-even (about 85)")
                    try await rig.wait("the spike's shed", timeout: .seconds(60)) { commands("s21").contains { $0.command.minersRunning == 0 } }
                    let shed = try #require(commands("s21").first { $0.command.minersRunning == 0 })
                    // SCED ran at 17:45:10, visible at 17:45:30, read within a 100 s poll: the shed comes on the
                    // interval's first SCED price, before its second run (17:50:10), not a settlement later.
                    #expect(
                        shed.at >= Timestamp(iso8601: "2023-09-06T17:45:30Z")! && shed.at < Timestamp(iso8601: "2023-09-06T17:50:10Z")!,
                        "shed at \(shed.at)"
                    )
                    func latestState() -> StatePayload? {
                        rig.messages(on: "site/west-texas-1/state").last.flatMap { try? StatePayload(decoding: $0.payload) }
                    }
                    let spike = Timestamp(iso8601: "2023-09-06T17:45:00Z")!
                    try await rig.wait("the state of the spike's interval") { latestState()?.priceIntervalStart == spike }
                    var state = try #require(latestState())
                    #expect(state.priceStatus == "provisional")
                    #expect([rig.ercot.scedPrice(spike, run: 0), rig.ercot.scedPrice(spike, run: 1)].contains(state.priceUSDPerMWh))
                    #expect(abs((state.hashpriceUSDPerTHDay ?? 0) - 0.0618) < 0.001, "the hash-price feed's value reached the controller")
                    // The final price of 17:30 (91.5, cheap enough for the S21s) arrives after the spike's SCED price.
                    let earlier = Timestamp(iso8601: "2023-09-06T17:30:00Z")!
                    try await rig.wait("the final price of 17:30") {
                        rig.prices.contains { $0.price.status == .final && $0.price.intervalStart == earlier }
                    }
                    let spikeFirst = try #require(rig.prices.firstIndex { $0.price.intervalStart == spike })
                    #expect(
                        rig.prices.lastIndex { $0.price.intervalStart == earlier }! > spikeFirst,
                        "the 17:30 final came after the 17:45 SCED price"
                    )
                    try await rig.wait(untilSimTime: rig.clock.now.adding(seconds: 60))
                    let after = commands("s21").filter { $0.at >= shed.at }
                    #expect(after.allSatisfy { $0.command.minersRunning == 0 }, "no flap back: \(after.map(\.command.minersRunning))")
                    #expect(commands("s19xp").last?.command.minersRunning == 0)
                    state = try #require(latestState())
                    #expect(state.priceIntervalStart == spike, "the state still acts on 17:45, not the late final of 17:30")
                } catch {
                    Issue.record("controller log:\n\(ControllerProcess.tail(of: controller.logPath))")
                    throw error
                }
                controller.send(SIGTERM)
                try await controller.waitUntilExited()
                group.cancelAll()
            }
        }
    }
}
