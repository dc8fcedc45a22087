public import CurtailCore

/// ERCOT's official 4CP intervals (`../shared/data/ercot_4cp_intervals.csv`): per summer, the
/// four 15-minute intervals whose average load sets next year's transmission charge.
///
/// Read from `interval_start_utc` (the data's interval *start*; ERCOT itself publishes the end).
/// Used only to settle charges after the fact, never to inform a decision.
public struct FourCPCalendar: Sendable {
    /// The file it came from.
    public var file: String
    /// Interval starts, ascending.
    public var intervals: [Timestamp]

    public init(file: String, intervals: [Timestamp]) {
        self.file = file
        self.intervals = intervals.sorted()
    }

    /// Loads the intervals file.
    public static func load(path: String) throws(HistoryError) -> FourCPCalendar {
        let table = try CSVTable(file: path, bytes: FileBytes.read(path))
        guard let column = table.column("interval_start_utc") else {
            throw HistoryError(file: path, line: 1, "expected an interval_start_utc column (as in ercot_4cp_intervals.csv)")
        }
        var intervals: [Timestamp] = []
        try table.forEachRow { (line, fields) throws(HistoryError) in
            intervals.append(Timestamp(millisecondsSinceEpoch: try table.timestamp(fields[column], line: line, what: "interval_start_utc")))
            return true
        }
        return FourCPCalendar(file: path, intervals: intervals)
    }
}
