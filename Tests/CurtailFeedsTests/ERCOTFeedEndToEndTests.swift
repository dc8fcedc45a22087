import CurtailController
import CurtailCore
import CurtailFeeds
import CurtailMQTT
import CurtailReplay
import CurtailTestSupport
import CurtailWire
import FakeGridAPIs
import Foundation
import LocalBroker
import Testing

/// `curtail feed ercot`'s service against the fake ERCOT API serving real HB_WEST prices, through
/// a real mosquitto.
@Suite("ERCOT feed end to end", .timeLimit(.minutes(3)), .enabled(if: brokerAvailable, "needs the mosquitto broker"), .wallClockLoop)
struct ERCOTFeedEndToEndTests {
    /// Runs `feed` until `body` returns.
    static func running(_ feed: ERCOTFeed, _ body: () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await feed.run() }
            try await body()
            group.cancelAll()
        }
    }

    /// What a correct feed publishes for one interval when it sees every SCED run: the three runs'
    /// prices (a repeat left out), then the real settlement price.
    static func expected(_ rig: FeedRig, _ interval: Timestamp) -> [String] {
        var out: [String] = []
        var last: Double?
        for run in 0..<3 {
            let p = rig.ercot.scedPrice(interval, run: run)!
            if p != last { out.append("provisional \(p)") }
            last = p
        }
        out.append("final \(FeedRig.hbWest.value(at: interval)!)")
        return out
    }

    /// The two DST nights of 2023: from, to, and the intervals checked (UTC).
    static let dstNights: [(day: String, start: String, end: String, first: String, last: String)] = [
        // 01:55 CST; at 02:00 the clocks jump to 03:00 CDT (hour ending 03 does not exist).
        ("2023-03-12", "2023-03-12T07:55:00Z", "2023-03-12T09:50:00Z", "2023-03-12T08:00:00Z", "2023-03-12T09:15:00Z"),
        // 00:55 CDT; 01:00-02:00 happens twice (CDT, then CST with the DST flag).
        ("2023-11-05", "2023-11-05T05:55:00Z", "2023-11-05T08:20:00Z", "2023-11-05T06:00:00Z", "2023-11-05T07:45:00Z"),
    ]

    @Test(
        "both DST nights of 2023: every interval's SCED runs then its real final price, in order, within ERCOT's polling rule",
        arguments: [0, 1]
    )
    func dstNight(_ which: Int) async throws {
        let night = Self.dstNights[which]
        let start = Timestamp(iso8601: night.start)!
        // On a manual clock: the feed's every poll happens at its simulated time, however loaded the machine.
        try await FeedRig.with(start: start, rate: nil, bitcoinDay: night.day) { rig in
            let statistics = FeedStatistics()
            let feed = try rig.ercotFeed(on: rig.manual!, statistics: statistics)
            try await Self.running(feed) {
                try await rig.step(to: Timestamp(iso8601: night.end)!)
                try await rig.settle(statistics)
            }
            let prices = rig.prices.map(\.price)
            var interval = Timestamp(iso8601: night.first)!
            while interval <= Timestamp(iso8601: night.last)! {
                let got = prices.filter { $0.intervalStart == interval }.map { "\($0.status.rawValue) \($0.priceUSDPerMWh)" }
                #expect(got == Self.expected(rig, interval), "\(interval)")
                interval = interval.adding(seconds: 900)
            }
            // Never an older interval after a newer one, except a final after the next interval's first SCED run.
            var newest: Timestamp?
            var newestFinal: Timestamp?
            for p in prices {
                if p.status == .provisional {
                    #expect(newest.map { p.intervalStart >= $0 } ?? true, "provisional \(p.intervalStart) after \(newest!)")
                }
                if p.status == .final { #expect(newestFinal.map { p.intervalStart > $0 } ?? true) }
                newest = max(newest ?? p.intervalStart, p.intervalStart)
                if p.status == .final { newestFinal = p.intervalStart }
            }
            // Revisions grow within an interval.
            for i in Set(prices.map(\.intervalStart)) {
                let revisions = prices.filter { $0.intervalStart == i }.map { $0.revision ?? -1 }
                #expect(revisions == revisions.sorted() && Set(revisions).count == revisions.count)
            }
            // ERCOT's rule: NP6-788-CD at most every 100 s, NP6-905-CD every 300 s (simulated time).
            for (product, floor) in [(FakeERCOTAPI.Product.sced, 100.0), (.settlement, 300.0)] {
                let times = rig.ercot.requests.filter { $0.product == product }.map(\.at)
                #expect(times.count >= 3)
                for (a, b) in zip(times, times.dropFirst()) { #expect(b.seconds(since: a) >= floor - 1, "\(product): \(a) then \(b)") }
            }
            #expect(rig.ercot.tokensIssued == 1)
            #expect(statistics.snapshot.refused.isEmpty)
            // The retained price is the newest interval's.
            let late = try MQTTClient(
                configuration: MQTTConfiguration(host: rig.broker.host, port: rig.broker.port, clientID: "late-reader"),
                logger: FeedRig.quiet
            )
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await late.run() }
                try await late.waitUntilConnected(timeout: .seconds(10))
                try await late.subscribe(to: "grid/ercot/HB_WEST/price")
                for await message in late.messages {
                    let retained = try PricePayload(decoding: message.payload)
                    #expect(retained.intervalStart == prices.map(\.intervalStart).max())
                    break
                }
                group.cancelAll()
            }
        }
    }

    @Test("429, an expired token, a 500, a malformed body, an empty page, paging and a correction: refused or retried, nothing wrong published")
    func faults() async throws {
        let start = Timestamp(iso8601: "2023-09-06T17:31:00Z")!
        try await FeedRig.with(start: start, rate: nil, pageSize: 25, bitcoinDay: "2023-09-06") { rig in
            let statistics = FeedStatistics()
            rig.ercot.inject(.status(429, retryAfterSeconds: 1), for: .sced)
            rig.ercot.inject(.status(500), for: .settlement)
            let feed = try rig.ercotFeed(on: rig.manual!, statistics: statistics, gridConditions: true)
            try await Self.running(feed) {
                try await rig.step(to: Timestamp(iso8601: "2023-09-06T17:50:00Z")!)
                rig.ercot.expireTokens()
                rig.ercot.inject(.malformed, for: .sced)
                rig.ercot.inject(.emptyPage, for: .sced)
                rig.ercot.inject(.missingField, for: .settlement)
                rig.ercot.setGridState("EEA1")
                try await rig.step(to: Timestamp(iso8601: "2023-09-06T18:10:00Z")!)
                rig.ercot.correct(interval: Timestamp(iso8601: "2023-09-06T17:45:00Z")!, to: 299.5)
                try await rig.step(to: Timestamp(iso8601: "2023-09-06T18:40:00Z")!)
                try await rig.settle(statistics)
            }
            let snapshot = statistics.snapshot
            #expect(snapshot.requests["NP6-788-CD rate_limited"] == 1)
            #expect(snapshot.requests["NP6-905-CD server"] == 1)
            #expect((snapshot.requests["NP6-788-CD unauthorized"] ?? 0) + (snapshot.requests["NP6-905-CD unauthorized"] ?? 0) == 1)
            #expect(snapshot.requests["NP6-788-CD malformed"] == 1)
            #expect(snapshot.refused["malformed"] == 1 && snapshot.refused["missing_field"] == 1, "\(snapshot.refused)")
            #expect(rig.ercot.tokensIssued == 2, "a new token after the 401")
            // Paging: the settlement day (about 75 rows at 25 a page) was read page by page.
            #expect(rig.ercot.requests.contains { $0.product == .settlement && $0.path.contains("page=3") })
            let prices = rig.prices.map(\.price)
            // Everything published is right: provisional prices are SCED runs, finals the real price, the correction once.
            for p in prices {
                switch p.status {
                case .provisional: #expect((0..<3).contains { rig.ercot.scedPrice(p.intervalStart, run: $0) == p.priceUSDPerMWh })
                case .final: #expect(p.priceUSDPerMWh == FeedRig.hbWest.value(at: p.intervalStart))
                case .corrected: #expect(p.intervalStart == Timestamp(iso8601: "2023-09-06T17:45:00Z")! && p.priceUSDPerMWh == 299.5)
                }
            }
            #expect(prices.filter { $0.status == .corrected }.count == 1)
            for hour in ["17:45", "18:00", "18:15"] {
                #expect(prices.contains { $0.status == .final && $0.intervalStart == Timestamp(iso8601: "2023-09-06T\(hour):00Z")! }, "final \(hour)")
            }
            // The grid condition: EEA 0, then 1.
            let levels = rig.messages(on: "grid/ercot/alerts").compactMap { record -> Int? in
                if case .eea(let level, _)? = try? AlertPayload(decoding: record.payload) { level } else { nil }
            }
            #expect(levels.first == 0 && levels.last == 1)
        }
    }

    @Test("a stalled source: the feed says stale on the status topic after two intervals, ok when prices return")
    func stall() async throws {
        let start = Timestamp(iso8601: "2023-09-06T17:31:00Z")!
        try await FeedRig.with(start: start, rate: 600, bitcoinDay: "2023-09-06") { rig in
            let statistics = FeedStatistics()
            let feed = try rig.ercotFeed(statistics: statistics)
            try await Self.running(feed) {
                try await rig.wait("the first price") { !rig.prices.isEmpty }
                for _ in 0..<8 {
                    rig.ercot.inject(.status(503), for: .sced)
                    rig.ercot.inject(.status(503), for: .settlement)
                }
                try await rig.wait("stale") { statistics.snapshot.stale }
                try await rig.wait("ok again", timeout: .seconds(90)) { !statistics.snapshot.stale }
            }
            let states = rig.messages(on: "grid/ercot/HB_WEST/price/status").compactMap { try? PriceFeedStatusPayload(decoding: $0.payload) }
            #expect(states.map(\.state).starts(with: [.ok, .stale, .ok]), "\(states.map(\.state))")
            let stale = try #require(states.first { $0.state == .stale })
            #expect(stale.detail?.contains("stale") == true)
            #expect(
                rig.messages(on: "grid/ercot/HB_WEST/price/status").last.flatMap { try? PriceFeedStatusPayload(decoding: $0.payload) }?.state
                    != .stale
            )
        }
    }
}
