import CurtailCore
import CurtailFeeds
import CurtailTestSupport
import FakeGridAPIs
import Foundation
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
