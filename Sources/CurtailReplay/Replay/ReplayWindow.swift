public import CurtailCore

/// The span a replay covers: `[from, to)`, on the price file's interval grid.
public struct ReplayWindow: Hashable, Sendable, CustomStringConvertible {
    /// Start of the first interval.
    public var from: Timestamp
    /// End of the last interval (exclusive).
    public var to: Timestamp

    public init(from: Timestamp, to: Timestamp) {
        self.from = from
        self.to = to
    }

    public var description: String { "\(from.iso8601)..\(to.iso8601)" }

    /// The window from command-line text.
    ///
    /// A date (`2023-01-01`) means local midnight in the market's time zone; `--to` with a date is
    /// inclusive, through the end of that local day. A full ISO-8601 time is taken as is (`--to`
    /// then exclusive). Omitted ends default to the whole price file.
    ///
    /// - Parameter names: what the user typed for each end, for the messages (`--from`/`--to`
    ///   for replay; `curtail tune` names the ends of `--train A..B`).
    /// - Throws: ``HistoryError`` for unreadable text, an empty window, a window outside the data,
    ///   or ends off the data's interval grid.
    public static func resolve(
        from: String?,
        to: String?,
        timeZone: MarketTimeZone,
        prices: TimeSeries,
        bitcoin: BitcoinHistory? = nil,
        names: (from: String, to: String) = ("--from", "--to")
    ) throws(HistoryError) -> ReplayWindow {
        var defaultStart = prices.start
        var defaultEnd = prices.end
        if let bitcoin {
            let step = Int64(prices.intervalSeconds) * 1000
            let base = prices.start.millisecondsSinceEpoch
            // From the start of the Bitcoin file's second day, rounded up to the price grid.
            let covered = Int64(bitcoin.firstDay + 1) * 86_400_000
            if covered > base {
                defaultStart = max(defaultStart, Timestamp(millisecondsSinceEpoch: base + (covered - base + step - 1) / step * step))
            }
            // To the end of its last day, rounded down to the grid.
            let coveredEnd = Int64(bitcoin.lastDay + 1) * 86_400_000
            if coveredEnd > base { defaultEnd = min(defaultEnd, Timestamp(millisecondsSinceEpoch: base + (coveredEnd - base) / step * step)) }
        }
        let start =
            try from.map { (text) throws(HistoryError) in try instant(text, option: names.from, endOfDay: false, timeZone: timeZone) }
            ?? defaultStart
        let end = try to.map { (text) throws(HistoryError) in try instant(text, option: names.to, endOfDay: true, timeZone: timeZone) } ?? defaultEnd
        let window = ReplayWindow(from: start, to: end)
        guard start < end else {
            throw HistoryError(file: "", "the window \(window) is empty: \(names.from) must be before \(names.to)")
        }
        let range = "\(prices.start.iso8601)..\(prices.end.iso8601)"
        guard start >= prices.start, end <= prices.end else {
            throw HistoryError(
                file: prices.file,
                "the window \(window) is outside the data: the file covers \(range) (\(names.from) and \(names.to) are local dates)"
            )
        }
        let step = Int64(prices.intervalSeconds) * 1000
        for (value, option) in [(start, names.from), (end, names.to)]
        where (value.millisecondsSinceEpoch - prices.start.millisecondsSinceEpoch) % step != 0 {
            throw HistoryError(file: "", "\(option) \(value.iso8601) is not on the price file's \(prices.intervalSeconds / 60)-minute grid")
        }
        return window
    }

    static func instant(_ text: String, option: String, endOfDay: Bool, timeZone: MarketTimeZone) throws(HistoryError) -> Timestamp {
        if let time = Timestamp(iso8601: text) { return time }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m),
            d >= 1, d <= CivilDate.daysIn(month: m, year: y)
        {
            let days = CivilDate(year: y, month: m, day: d).daysSinceEpoch + (endOfDay ? 1 : 0)
            return localMidnight(days: days, timeZone: timeZone)
        }
        throw HistoryError(file: "", "\(option) must be a date such as 2023-01-01 or a time such as 2023-01-01T06:00:00Z, found '\(text)'")
    }

    /// The UTC instant of local midnight starting day `days` (US transitions are at 02:00, so
    /// midnight always exists once).
    public static func localMidnight(days: Int, timeZone: MarketTimeZone) -> Timestamp {
        let naive = Timestamp(secondsSinceEpoch: Int64(days) * 86_400)
        var guess = naive.adding(seconds: -Double(timeZone.utcOffsetSeconds(at: naive)))
        guess = naive.adding(seconds: -Double(timeZone.utcOffsetSeconds(at: guess)))
        return guess
    }
}
