import CurtailCore

/// Daily hash price (USD per TH/s per day) by UTC day, from a Bitcoin daily file such as
/// `../shared/data/btc_daily.csv`.
public struct BitcoinHistory: Sendable {
    /// The file it came from.
    public var file: String
    /// Days since 1970-01-01 of the first row.
    public var firstDay: Int
    /// Hash price per day from ``firstDay``; `NaN` for days missing from the file.
    public var hashPrice: [Double]

    public init(file: String, firstDay: Int, hashPrice: [Double]) {
        self.file = file
        self.firstDay = firstDay
        self.hashPrice = hashPrice
    }

    /// The hash price of a UTC day, `nil` when the file lacks it.
    @inline(__always)
    public func hashPrice(onDay day: Int) -> Double? {
        let index = day - firstDay
        guard index >= 0, index < hashPrice.count else { return nil }
        let value = hashPrice[index]
        return value.isNaN ? nil : value
    }

    /// The first UTC day in `days` the file lacks, if any.
    public func firstMissingDay(in days: ClosedRange<Int>) -> Int? {
        days.first { hashPrice(onDay: $0) == nil }
    }

    /// Last day covered.
    public var lastDay: Int { firstDay + hashPrice.count - 1 }

    /// Loads the file. Uses `hashprice_usd_per_th_day` when present; otherwise computes it from
    /// `btc_usd`, `difficulty`, `blocks`, `subsidy_btc` and `fees_btc` (per-day totals).
    public static func load(path: String) throws(HistoryError) -> BitcoinHistory {
        try parse(CSVTable(file: path, bytes: FileBytes.read(path)))
    }

    /// Parses CSV text; `file` names it in messages.
    public static func parse(_ text: String, file: String) throws(HistoryError) -> BitcoinHistory {
        try parse(CSVTable(file: file, bytes: Array(text.utf8)))
    }

    static func parse(_ table: CSVTable) throws(HistoryError) -> BitcoinHistory {
        let file = table.file
        guard table.header.first == "date", let dateColumn = table.column("date") else {
            throw HistoryError(file: file, line: 1, column: 1, "expected a header starting with date (as in btc_daily.csv)")
        }
        let direct = table.column("hashprice_usd_per_th_day")
        let needed = ["btc_usd", "difficulty", "blocks", "subsidy_btc", "fees_btc"]
        let computed = needed.map { table.column($0) }
        if direct == nil, computed.contains(where: { $0 == nil }) {
            let missing = zip(needed, computed).filter { $0.1 == nil }.map(\.0)
            throw HistoryError(
                file: file,
                line: 1,
                "no hashprice_usd_per_th_day column, and cannot compute it: missing \(missing.joined(separator: ", "))"
            )
        }
        var values: [Double] = []
        var first = 0
        var previous = 0
        var previousLine = 0
        var rows = 0
        try table.forEachRow { (line, fields) throws(HistoryError) in
            let day = try table.date(fields[dateColumn], line: line, what: "date")
            let value: Double
            if let direct {
                guard let v = try table.number(fields[direct], line: line, what: "hashprice_usd_per_th_day") else {
                    throw table.error(line, fields[direct], "hashprice_usd_per_th_day is empty")
                }
                value = v
                guard value > 0 else { throw table.error(line, fields[direct], "hash price must be positive, found \(value)") }
            } else {
                var numbers: [Double] = []
                for (name, column) in zip(needed, computed) {
                    guard let column, let v = try table.number(fields[column], line: line, what: name) else {
                        throw table.error(line, fields[computed[0]!], "\(name) is empty")
                    }
                    numbers.append(v)
                }
                let (price, difficulty, blocks, subsidy, fees) = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4])
                guard price > 0, difficulty > 0, blocks > 0, subsidy >= 0, fees >= 0 else {
                    throw table.error(line, fields[computed[0]!], "btc_usd, difficulty and blocks must be positive")
                }
                value =
                    BitcoinNetwork.hashPrice(
                        btcUSD: price,
                        difficulty: difficulty,
                        subsidyBTC: subsidy / blocks,
                        feesBTCPerBlock: fees / blocks
                    ).value
            }
            if rows == 0 {
                first = day
            } else {
                guard day > previous else {
                    let what = day == previous ? "duplicates line \(previousLine)" : "is before line \(previousLine)"
                    throw table.error(line, fields[dateColumn], "date \(table.text(fields[dateColumn])) \(what); dates must increase")
                }
                while values.count < day - first { values.append(.nan) }
            }
            values.append(value)
            previous = day
            previousLine = line
            rows += 1
            return true
        }
        guard rows > 0 else { throw HistoryError(file: file, line: 2, "no data rows") }
        return BitcoinHistory(file: file, firstDay: first, hashPrice: values)
    }
}
