public import CurtailCore
import CurtailWire
public import SimulatedHTTP
import Synchronization

/// A mempool.space-style Bitcoin API serving one day of real network history (a row of
/// `btc_daily.csv`): `/api/v1/prices`, `/api/v1/mining/hashrate/3d`, `/api/blocks/tip/height` and
/// `/api/v1/mining/reward-stats/144`.
///
/// The shared data has no block heights, so the tip height is placed inside the day's halving
/// epoch (interpolated between the halving dates), which fixes the subsidy as it was that day.
public final class FakeMempoolAPI: Sendable {
    /// One day of `btc_daily.csv`.
    public struct Day: Sendable, Hashable {
        /// The UTC day.
        public var date: CivilDate
        /// Bitcoin's price that day, USD.
        public var btcUSD: Double
        /// Mean difficulty that day.
        public var difficulty: Double
        /// Blocks mined that day.
        public var blocks: Double
        /// Fees paid that day, BTC.
        public var feesBTC: Double
        /// The file's own hash price, for checking.
        public var hashPrice: Double

        public init(date: CivilDate, btcUSD: Double, difficulty: Double, blocks: Double, feesBTC: Double, hashPrice: Double) {
            self.date = date
            self.btcUSD = btcUSD
            self.difficulty = difficulty
            self.blocks = blocks
            self.feesBTC = feesBTC
            self.hashPrice = hashPrice
        }

        /// Fees per block, BTC.
        public var feesPerBlock: Double { feesBTC / blocks }

        /// A height inside the day's halving epoch.
        public var height: Int {
            let halvings = BitcoinNetwork.halvings
            let day = date.daysSinceEpoch
            for (k, halving) in halvings.enumerated().reversed() where halving.date.daysSinceEpoch <= day {
                let base = k * BitcoinNetwork.halvingInterval
                guard k + 1 < halvings.count else { return base + (day - halving.date.daysSinceEpoch) * 144 }
                let span = Double(halvings[k + 1].date.daysSinceEpoch - halving.date.daysSinceEpoch)
                return base + Int(Double(day - halving.date.daysSinceEpoch) / span * Double(BitcoinNetwork.halvingInterval))
            }
            return 0
        }

        /// Reads `btc_daily.csv` (header `date,btc_usd,difficulty,hashrate_ths,blocks,...`).
        public static func read(csv text: String) -> [Day] {
            var lines = text.split(separator: "\n")
            guard let header = lines.first?.split(separator: ",").map(String.init) else { return [] }
            lines.removeFirst()
            func index(_ name: String) -> Int? { header.firstIndex(of: name) }
            guard let d = index("date"), let p = index("btc_usd"), let diff = index("difficulty"), let b = index("blocks"), let f = index("fees_btc"),
                let h = index("hashprice_usd_per_th_day")
            else { return [] }
            return lines.compactMap { line in
                let cells = line.split(separator: ",", omittingEmptySubsequences: false)
                let parts = cells[d].split(separator: "-").compactMap { Int($0) }
                guard cells.count == header.count, parts.count == 3, let price = Double(cells[p]), let difficulty = Double(cells[diff]),
                    let blocks = Double(cells[b]), let fees = Double(cells[f]), let hash = Double(cells[h])
                else { return nil }
                return Day(
                    date: CivilDate(year: parts[0], month: parts[1], day: parts[2]),
                    btcUSD: price,
                    difficulty: difficulty,
                    blocks: blocks,
                    feesBTC: fees,
                    hashPrice: hash
                )
            }
        }
    }

    private let state: Mutex<Day>
    private let requestCount = Mutex(0)

    public init(day: Day) { state = Mutex(day) }

    /// Serves another day (or a broken one, for tests).
    public func serve(_ day: Day) { state.withLock { $0 = day } }
    /// Requests answered so far.
    public var requests: Int { requestCount.withLock { $0 } }

    /// Answers one request.
    public func answer(_ request: SimulatedHTTPRequest) -> SimulatedHTTPAnswer {
        requestCount.withLock { $0 += 1 }
        let day = state.withLock { $0 }
        let window = 144
        let height = day.height
        let text: String
        switch request.route {
        case "/api/v1/prices":
            text = #"{"time":\#(day.date.daysSinceEpoch * 86_400),"USD":\#(day.btcUSD),"EUR":\#(day.btcUSD * 0.92)}"#
        case "/api/v1/mining/hashrate/3d":
            text = #"{"hashrates":[],"difficulty":[],"currentHashrate":0,"currentDifficulty":\#(day.difficulty)}"#
        case "/api/blocks/tip/height":
            return .respond(SimulatedHTTPResponse(status: 200, text: "\(height)", contentType: "text/plain"))
        case "/api/v1/mining/reward-stats/144":
            let sats = (day.feesPerBlock * Double(window) * 100_000_000).rounded()
            text = #"{"startBlock":\#(height - window + 1),"endBlock":\#(height),"totalReward":"0","totalFee":"\#(Int64(sats))","totalTx":"0"}"#
        default:
            return .respond(SimulatedHTTPResponse(status: 404, text: "Not found", contentType: "text/plain"))
        }
        return .respond(SimulatedHTTPResponse(status: 200, text: text, contentType: "application/json"))
    }
}
