public import CurtailCore

/// Hourly ancillary clearing prices (ERCOT DAM MCPC, USD/MW/h) per product, as read from a file
/// with the columns `interval_start_utc` and any of `REGUP`, `REGDN`, `RRS`, `NSPIN`, `ECRS`.
///
/// Empty fields and missing hours are NaN (nothing is awarded then) and listed in ``gaps``;
/// nothing is bridged or zeroed. `REGDN` is read and ignored: a load provides Reg-Down by
/// raising its draw, which Curtail does not model.
public struct AncillaryPrices: Sendable {
    /// The file it came from.
    public var file: String
    /// Start of the first hour.
    public var start: Timestamp
    /// The prices of each hour from ``start`` (NaN for a product the file lacks or leaves empty).
    public var hourly: [ProductValues]
    /// Hours in the file.
    public var hours: Int
    /// Per product, runs of missing hours (a product the file lacks has none listed).
    public var gaps: [AncillaryProduct: [TimeSeries.Gap]]

    /// The clearing prices of the hour containing `time` (NaN where unknown or outside the file).
    @inline(__always)
    public func prices(at time: Timestamp) -> ProductValues {
        let offset = time.millisecondsSinceEpoch - start.millisecondsSinceEpoch
        guard offset >= 0 else { return .unknown }
        let index = Int(offset / 3_600_000)
        return index < hours ? hourly[index] : .unknown
    }

    /// Loads a clearing-price file.
    ///
    /// - Throws: ``HistoryError`` with `file:line:col` for an unknown column, a negative or
    ///   non-numeric price, an hour that is not on the hour, duplicate or out-of-order hours.
    public static func load(path: String) throws(HistoryError) -> AncillaryPrices {
        try parse(CSVTable(file: path, bytes: FileBytes.read(path)))
    }

    /// Parses CSV text (tests); `file` names it in messages.
    public static func parse(_ text: String, file: String) throws(HistoryError) -> AncillaryPrices {
        try parse(CSVTable(file: file, bytes: Array(text.utf8)))
    }

    static func parse(_ table: CSVTable, highest: Double = 10_000) throws(HistoryError) -> AncillaryPrices {
        let file = table.file
        try table.requireTimeColumn()
        var columns: [(index: Int, product: AncillaryProduct)] = []
        var column = table.header[0].utf8.count + 2
        for (index, name) in table.header.enumerated().dropFirst() {
            defer { column += name.utf8.count + 1 }
            if name == "REGDN" { continue }
            guard let product = AncillaryProduct(name: name), product.name == name else {
                let known = (AncillaryProduct.allCases.map(\.name) + ["REGDN"]).joined(separator: ", ")
                throw HistoryError(file: file, line: 1, column: column, "unknown ancillary product column '\(name)'; columns are \(known)")
            }
            if columns.contains(where: { $0.product == product }) {
                throw HistoryError(file: file, line: 1, column: column, "column '\(name)' appears twice")
            }
            columns.append((index, product))
        }
        guard !columns.isEmpty else {
            throw HistoryError(file: file, line: 1, "no product column; expected some of RRS, ECRS, NSPIN, REGUP")
        }
        var values: [[Double]] = Array(repeating: [], count: columns.count)
        var first: Int64 = 0
        var previous: Int64 = 0
        var previousLine = 0
        var rows = 0
        try table.forEachRow { (line, fields) throws(HistoryError) in
            let time = try table.timestamp(fields[0], line: line, what: "interval_start_utc")
            guard time % 3_600_000 == 0 else {
                throw table.error(
                    line,
                    fields[0],
                    "time \(Timestamp(millisecondsSinceEpoch: time).iso8601) is not on the hour; clearing prices are hourly"
                )
            }
            if rows == 0 {
                first = time
            } else {
                guard time > previous else {
                    let what = time == previous ? "duplicates line \(previousLine)" : "is before line \(previousLine)"
                    throw table.error(line, fields[0], "time \(Timestamp(millisecondsSinceEpoch: time).iso8601) \(what); times must increase")
                }
                let expected = Int((time - first) / 3_600_000)
                for c in values.indices { while values[c].count < expected { values[c].append(.nan) } }
            }
            for (c, entry) in columns.enumerated() {
                let name = table.header[entry.index]
                let raw = try table.number(fields[entry.index], line: line, what: name)
                if let raw, !(0...highest).contains(raw) {
                    let why = raw < 0 ? "negative; capacity prices are 0 or more" : "above \(Int(highest)) USD/MW/h, beyond any clearing price"
                    throw table.error(line, fields[entry.index], "\(name) \(raw) is \(why)")
                }
                values[c].append(raw ?? .nan)
            }
            previous = time
            previousLine = line
            rows += 1
            return true
        }
        guard rows > 0 else { throw HistoryError(file: file, line: 2, "no data rows") }
        let start = Timestamp(millisecondsSinceEpoch: first)
        var hourly = [ProductValues](repeating: .unknown, count: values[0].count)
        var gaps: [AncillaryProduct: [TimeSeries.Gap]] = [:]
        for product in AncillaryProduct.allCases { gaps[product] = [] }
        for (c, entry) in columns.enumerated() {
            let series = TimeSeries(file: file, column: entry.product.name, start: start, intervalSeconds: 3600, values: values[c])
            for h in hourly.indices { hourly[h][entry.product] = values[c][h] }
            gaps[entry.product] = series.gaps
        }
        return AncillaryPrices(file: file, start: start, hourly: hourly, hours: hourly.count, gaps: gaps)
    }
}
