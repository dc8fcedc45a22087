import CurtailCore
import CurtailFeeds
import CurtailTestSupport
import CurtailWire
import FakeGridAPIs
import Foundation
import LocalBroker
import Testing

/// The hash price from network inputs against `btc_daily.csv`'s own figure for real days.
@Suite("Hash price")
struct HashPriceTests {
    static let days: [FakeMempoolAPI.Day] = {
        let text = (try? String(contentsOfFile: TestRepository.dataPath("btc_daily.csv"), encoding: .utf8)) ?? ""
        return FakeMempoolAPI.Day.read(csv: text)
    }()

    /// (A day that straddles a halving, such as 2024-04-19 whose last blocks paid 3.125, mixes two
    /// subsidies in the data; a live feed sees one at a time, so such days are not compared.)
    @Test(
        "real days of four halving epochs: the same hash price as the data's, within 0.1 %",
        arguments: [
            "2016-01-15", "2019-06-01", "2021-05-12", "2022-11-09", "2023-09-06", "2024-04-15", "2024-04-21", "2024-12-31",
        ]
    )
    func realDays(_ date: String) throws {
        let day = try #require(Self.days.first { "\($0.date)" == date }, "\(date) in btc_daily.csv")
        let inputs = HashPriceInputs(btcUSD: day.btcUSD, difficulty: day.difficulty, height: day.height, feesBTCPerBlock: day.feesPerBlock)
        let value = try inputs.hashPrice().value
        #expect(abs(value / day.hashPrice - 1) < 0.001, "\(date): \(value) vs \(day.hashPrice)")
    }

    @Test("inputs out of range are refused with the reason, never computed")
    func refusals() {
        let good = HashPriceInputs(btcUSD: 25_754.79, difficulty: 54_248_229_154_143, height: 806_000, feesBTCPerBlock: 0.22)
        #expect((try? good.hashPrice()) != nil)
        var zeroDifficulty = good
        zeroDifficulty.difficulty = 0
        var negativePrice = good
        negativePrice.btcUSD = -1
        var feeSpike = good
        feeSpike.feesBTCPerBlock = 500
        var negativeFees = good
        negativeFees.feesBTCPerBlock = -0.1
        for (inputs, words) in [
            (zeroDifficulty, "difficulty"), (negativePrice, "BTC price"), (feeSpike, "beyond reason"), (negativeFees, "negative"),
        ] {
            do {
                _ = try inputs.hashPrice()
                Issue.record("\(words): computed")
            } catch {
                #expect(error.kind == .outOfRange && error.message.contains(words), "\(error.message)")
            }
        }
    }
}

/// `curtail feed hashprice`'s service against the fake mempool API, through mosquitto.
@Suite("Hash-price feed end to end", .timeLimit(.minutes(2)), .enabled(if: brokerAvailable, "needs the mosquitto broker"))
struct HashPriceFeedEndToEndTests {
    @Test("publishes the day's hash price (within 0.1 % of the data's); refuses a zero difficulty and a fee spike")
    func publishesAndRefuses() async throws {
        let start = Timestamp(iso8601: "2023-09-06T12:00:00Z")!
        try await FeedRig.with(start: start, rate: 600, bitcoinDay: "2023-09-06") { rig in
            let statistics = FeedStatistics()
            let feed = try rig.hashPriceFeed(statistics: statistics)
            let day = try #require(FeedRig.bitcoinDays.first { "\($0.date)" == "2023-09-06" })
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await feed.run() }
                try await rig.wait("a hash price") { !rig.messages(on: "mining/hashprice").isEmpty }
                let published = try HashPricePayload(decoding: rig.messages(on: "mining/hashprice")[0].payload)
                #expect(abs(published.usdPerTHDay / day.hashPrice - 1) < 0.001, "\(published.usdPerTHDay) vs \(day.hashPrice)")
                var broken = day
                broken.difficulty = 0
                rig.mempool.serve(broken)
                try await rig.wait("a refusal") { statistics.snapshot.refused["out_of_range"] == 1 }
                var spike = day
                spike.feesBTC = day.blocks * 400
                rig.mempool.serve(spike)
                try await rig.wait("a second refusal") { statistics.snapshot.refused["out_of_range"] == 2 }
                #expect(rig.messages(on: "mining/hashprice").count == 1, "nothing published from bad inputs")
                rig.mempool.serve(day)
                try await rig.wait("publishing again") { rig.messages(on: "mining/hashprice").count == 2 }
                group.cancelAll()
            }
        }
    }
}
