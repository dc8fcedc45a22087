public import CurtailCore
import CurtailReplay
import Foundation

/// The data a scenario plays, loaded: its prices and hash prices.
public struct ScenarioInputs: Sendable {
    public var prices: PriceFeed
    /// Hash price by UTC day (days since 1970-01-01).
    public var hashPriceByDay: [Int: Double]

    /// The hash price in force at `time` (its UTC day's).
    public func hashPrice(at time: Timestamp) -> Double? {
        hashPriceByDay[Int((time.millisecondsSinceEpoch).quotientFloor(86_400_000))]
    }

    /// Loads what `scenario` needs for `site`. Relative file names in the scenario are looked up
    /// in `dataDirectory` (the shared data, `../shared/data` from the repository root, or the
    /// excerpt in `data/`); a missing `NAME` is read from `NAME.gz` when that exists.
    ///
    /// - Throws: ``SimulatorError`` naming the file and the problem.
    public static func load(scenario: Scenario, site: Site, dataDirectory: String) throws(SimulatorError) -> ScenarioInputs {
        // `NAME.gz` stands in for `NAME` (the repository's data/ excerpt is compressed).
        func resolve(_ file: String) -> String {
            let path = file.hasPrefix("/") ? file : "\(dataDirectory)/\(file)"
            if !FileManager.default.fileExists(atPath: path), FileManager.default.fileExists(atPath: path + ".gz") { return path + ".gz" }
            return path
        }
        let prices: PriceFeed
        switch scenario.prices {
        case .history(let file, let column):
            prices = try PriceFeed.history(path: resolve(file), column: column, node: site.node, scenario: scenario)
        case .synthetic(let synthetic):
            prices = PriceFeed.synthetic(synthetic, scenario: scenario)
        }
        var byDay: [Int: Double] = [:]
        let firstDay = Int(scenario.start.millisecondsSinceEpoch.quotientFloor(86_400_000))
        let lastDay = Int(scenario.end.millisecondsSinceEpoch.quotientFloor(86_400_000))
        switch scenario.hashPrice {
        case .fixed(let value):
            for day in firstDay...lastDay { byDay[day] = value }
        case .history(let file):
            let history: BitcoinHistory
            do { history = try BitcoinHistory.load(path: resolve(file)) } catch { throw SimulatorError("\(error)") }
            for day in firstDay...lastDay {
                // The previous day's hash price is the one known during a day (no look-ahead).
                guard let value = history.hashPrice(onDay: day - 1) ?? history.hashPrice(onDay: day) else {
                    throw SimulatorError("\(resolve(file)) has no hash price for \(CivilDate(daysSinceEpoch: day)) or the day before")
                }
                byDay[day] = value
            }
        }
        return ScenarioInputs(prices: prices, hashPriceByDay: byDay)
    }
}

extension Int64 {
    /// Division rounding toward minus infinity.
    func quotientFloor(_ divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
