public import CurtailCore

/// ERCOT Energy Emergency Alerts in history, from a file such as
/// `../shared/data/ercot_grid_events.csv` (`event_type`, `eea_level`, `start_utc`, `end_utc`).
///
/// Rows of type `EEA` (and `LOAD_SHED`, which happens in EEA3) with both times give an EEA level
/// over `[start, end)`; every other row is skipped with its reason, which the replay reports.
public struct GridEventHistory: Sendable {
    /// A period at an EEA level.
    public struct Alert: Hashable, Sendable {
        public var level: Int
        public var start: Timestamp
        public var end: Timestamp
        /// The file line it came from.
        public var line: Int
    }

    /// A row not used, and why.
    public struct Skipped: Hashable, Sendable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public var file: String
    public var alerts: [Alert]
    public var skipped: [Skipped]

    /// The highest EEA level in force at `time` (0: none).
    public func level(at time: Timestamp) -> Int {
        var level = 0
        for alert in alerts where alert.start <= time && time < alert.end { level = max(level, alert.level) }
        return level
    }

    /// Loads a grid-events file.
    ///
    /// - Throws: ``HistoryError`` with `file:line:col` for a missing column, an EEA level outside
    ///   1–3, a time that is not ISO-8601 UTC, or an end before its start.
    public static func load(path: String) throws(HistoryError) -> GridEventHistory {
        try parse(CSVTable(file: path, bytes: FileBytes.read(path)))
    }

    /// Parses CSV text (tests); `file` names it in messages.
    public static func parse(_ text: String, file: String) throws(HistoryError) -> GridEventHistory {
        try parse(CSVTable(file: file, bytes: Array(text.utf8)))
    }

    static func parse(_ table: CSVTable) throws(HistoryError) -> GridEventHistory {
        var indices: [Int] = []
        for name in ["event_type", "eea_level", "start_utc", "end_utc"] {
            guard let index = table.column(name) else {
                throw HistoryError(
                    file: table.file,
                    line: 1,
                    column: 1,
                    "missing column '\(name)'; the header is '\(table.header.joined(separator: ","))'"
                )
            }
            indices.append(index)
        }
        var alerts: [Alert] = []
        var skipped: [Skipped] = []
        try table.forEachRow { (line, fields) throws(HistoryError) in
            let type = table.text(fields[indices[0]])
            guard type == "EEA" || type == "LOAD_SHED" else {
                skipped.append(Skipped(line: line, reason: "\(type.isEmpty ? "no event_type" : type) is not an Energy Emergency Alert"))
                return true
            }
            guard let level = try table.number(fields[indices[1]], line: line, what: "eea_level") else {
                skipped.append(Skipped(line: line, reason: "\(type) without an eea_level"))
                return true
            }
            guard [1, 2, 3].contains(level) else {
                throw table.error(line, fields[indices[1]], "eea_level \(level) is not 1, 2 or 3")
            }
            guard !fields[indices[2]].isEmpty, !fields[indices[3]].isEmpty else {
                let missing = fields[indices[2]].isEmpty ? (fields[indices[3]].isEmpty ? "start and end" : "start") : "end"
                skipped.append(Skipped(line: line, reason: "\(type) \(Int(level)) has no \(missing) time"))
                return true
            }
            let start = try table.timestamp(fields[indices[2]], line: line, what: "start_utc")
            let end = try table.timestamp(fields[indices[3]], line: line, what: "end_utc")
            guard end > start else { throw table.error(line, fields[indices[3]], "end_utc is not after start_utc") }
            alerts.append(
                Alert(level: Int(level), start: Timestamp(millisecondsSinceEpoch: start), end: Timestamp(millisecondsSinceEpoch: end), line: line)
            )
            return true
        }
        return GridEventHistory(file: table.file, alerts: alerts, skipped: skipped)
    }
}
