import CurtailCore

/// Reads interval files: `interval_start_utc` then one or more value columns (the single-node
/// price file, the multi-hub gzip file, day-ahead and load files).
///
/// Streams the bytes once. Rejects, with `file:line:col`: a missing or unknown column, times that
/// are not ISO-8601 UTC, duplicate or out-of-order times, times off the file's interval grid,
/// and fields that are not numbers. Empty fields and missing rows become gaps.
public enum TimeSeriesFile: Sendable {
    /// Loads one column.
    ///
    /// - Parameters:
    ///   - column: the value column (e.g. a node such as `HB_NORTH`); `nil` takes the only one.
    ///   - defaultColumn: read when `column` is `nil` and the file has several (e.g. the site's node).
    ///   - valueRange: values outside it are rejected (e.g. prices beyond any market's cap).
    public static func load(
        path: String,
        column: String? = nil,
        defaultColumn: String? = nil,
        valueRange: ClosedRange<Double>? = nil
    ) throws(HistoryError) -> TimeSeries {
        let table = try CSVTable(file: path, bytes: FileBytes.read(path))
        let chosen = column ?? (table.header.count > 2 ? defaultColumn : nil)
        return try parse(table, column: chosen, valueRange: valueRange)
    }

    /// Parses CSV text (tests, small fixtures); `file` names it in messages.
    public static func parse(_ text: String, file: String, column: String? = nil, valueRange: ClosedRange<Double>? = nil) throws(HistoryError)
        -> TimeSeries
    {
        try parse(CSVTable(file: file, bytes: Array(text.utf8)), column: column, valueRange: valueRange)
    }

    static func parse(_ table: CSVTable, column: String?, valueRange: ClosedRange<Double>?) throws(HistoryError) -> TimeSeries {
        let file = table.file
        try table.requireTimeColumn()
        let valueColumns = Array(table.header.dropFirst())
        let index: Int
        if let column {
            guard let found = table.column(column), found > 0 else {
                throw HistoryError(
                    file: file,
                    line: 1,
                    "unknown node or column '\(column)'; this file has: \(valueColumns.joined(separator: ", "))"
                )
            }
            index = found
        } else {
            guard valueColumns.count == 1 else {
                throw HistoryError(
                    file: file,
                    line: 1,
                    "this file has several columns (\(valueColumns.joined(separator: ", "))); choose one with --node"
                )
            }
            index = 1
        }
        let name = table.header[index]
        var values: [Double] = []
        values.reserveCapacity(table.bytes.count / 24)
        var first: Int64 = 0
        var previous: Int64 = 0
        var previousLine = 0
        var step: Int64 = 0
        var rows = 0
        try table.forEachRow { (line, fields) throws(HistoryError) in
            let time = try table.timestamp(fields[0], line: line, what: "interval_start_utc")
            let raw = try table.number(fields[index], line: line, what: name)
            if let raw, let valueRange, !valueRange.contains(raw) {
                throw table.error(
                    line,
                    fields[index],
                    "\(name) \(raw) is outside the accepted range \(valueRange.lowerBound)...\(valueRange.upperBound)"
                )
            }
            let value = raw ?? .nan
            if rows == 0 {
                first = time
            } else {
                guard time > previous else {
                    let what =
                        time == previous
                        ? "duplicates line \(previousLine)"
                        : "is before line \(previousLine) (\(Timestamp(millisecondsSinceEpoch: previous).iso8601))"
                    throw table.error(line, fields[0], "time \(Timestamp(millisecondsSinceEpoch: time).iso8601) \(what); times must increase")
                }
                if step == 0 {
                    step = time - previous
                    guard step % 60_000 == 0 else {
                        throw table.error(line, fields[0], "the first two times are \(step / 1000) s apart; intervals must be whole minutes")
                    }
                }
                let offset = time - first
                guard offset % step == 0 else {
                    throw table.error(
                        line,
                        fields[0],
                        "time \(Timestamp(millisecondsSinceEpoch: time).iso8601) is off the file's \(step / 60_000)-minute grid"
                    )
                }
                let expected = Int(offset / step)
                while values.count < expected { values.append(.nan) }
            }
            values.append(value)
            previous = time
            previousLine = line
            rows += 1
            return true
        }
        guard rows > 0 else { throw HistoryError(file: file, line: 2, "no data rows") }
        if step == 0 { step = 900_000 }  // A single row: assume ERCOT's 15 minutes.
        return TimeSeries(
            file: file,
            column: name,
            start: Timestamp(millisecondsSinceEpoch: first),
            intervalSeconds: Int(step / 1000),
            values: values
        )
    }
}
