import CurtailCore
import CurtailTestSupport
import Foundation

/// Real data from `../shared/data` (next to the repository), and paths inside the repository.
enum TestData {
    static let repository = TestRepository.root
    static let data = TestRepository.data

    static func path(_ relative: String) -> String { TestRepository.path(relative) }

    /// The data files, read once per test process.
    static let priceFile = Result { try String(contentsOf: data.appending(path: "ercot_rtm_spp_hb_west_15min.csv"), encoding: .utf8) }
    static let bitcoinFile = Result { try String(contentsOf: data.appending(path: "btc_daily.csv"), encoding: .utf8) }

    /// HB_WEST real-time prices in `[from, to)`.
    static func prices(from: String, to: String) throws -> [(time: Timestamp, price: Double)] {
        guard let start = Timestamp(iso8601: from), let end = Timestamp(iso8601: to) else { throw DataError("bad range") }
        let text = try priceFile.get()
        var rows: [(Timestamp, Double)] = []
        let prefix = String(from.prefix(7))
        let endPrefix = String(to.prefix(7))
        var inside = false
        for line in text.split(separator: "\n") {
            if !inside {
                guard line.hasPrefix(prefix) else { continue }
                inside = true
            }
            if line.hasPrefix(endPrefix), let t = Timestamp(iso8601: line.prefix(20)), t >= end { break }
            let fields = line.split(separator: ",")
            guard fields.count == 2, let t = Timestamp(iso8601: fields[0]), let p = Double(fields[1]) else { continue }
            if t >= start && t < end { rows.append((t, p)) }
        }
        guard !rows.isEmpty else { throw DataError("no prices in \(from)..\(to)") }
        return rows
    }

    /// The day's hash price (USD/TH/day) from btc_daily.csv.
    static func hashPrice(on day: String) throws -> Double {
        let text = try bitcoinFile.get()
        let lines = text.split(separator: "\n")
        let header = lines[0].split(separator: ",")
        guard let column = header.firstIndex(of: "hashprice_usd_per_th_day") else { throw DataError("no hashprice column") }
        for line in lines where line.hasPrefix(day) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if let value = Double(fields[column]) { return value }
        }
        throw DataError("no hash price on \(day)")
    }

    struct DataError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
