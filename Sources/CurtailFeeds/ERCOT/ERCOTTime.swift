public import CurtailCore

/// ERCOT's clock: Central Prevailing Time, hour-ending, and a repeated-hour flag for the hour
/// that occurs twice when daylight saving ends.
///
/// An operating day has 96 fifteen-minute intervals, 92 on the day clocks go forward (hour
/// ending 03 does not exist) and 100 on the day they go back (hour ending 02 occurs twice: first
/// in CDT with the flag false, then in CST with the flag true). Everything leaves this type as a
/// UTC interval start.
public enum ERCOTTime: Sendable {
    /// America/Chicago.
    public static let zone = MarketTimeZone.usCentral

    /// The UTC start of a settlement interval.
    ///
    /// - Parameters:
    ///   - deliveryDate: The operating day.
    ///   - hourEnding: 1–24 (ERCOT's hour ending).
    ///   - interval: 1–4, the quarter of the hour.
    ///   - repeatedHour: ERCOT's DST flag: the second occurrence of the repeated hour.
    /// - Throws: ``FeedInputError`` (`offGrid`) for a time the day does not have.
    public static func intervalStart(deliveryDate: CivilDate, hourEnding: Int, interval: Int, repeatedHour: Bool) throws(FeedInputError)
        -> Timestamp
    {
        guard (1...24).contains(hourEnding) else {
            throw FeedInputError(.offGrid, "hour ending \(hourEnding) on \(deliveryDate) is outside 1-24")
        }
        guard (1...4).contains(interval) else {
            throw FeedInputError(.offGrid, "interval \(interval) of hour ending \(hourEnding) on \(deliveryDate) is outside 1-4")
        }
        let seconds = (hourEnding - 1) * 3600 + (interval - 1) * 900
        return try instant(localDate: deliveryDate, secondsOfDay: seconds, repeatedHour: repeatedHour)
    }

    /// The UTC instant of a Central wall-clock time.
    ///
    /// - Throws: ``FeedInputError`` (`offGrid`) when the time does not exist (the hour skipped in
    ///   March) or the repeated-hour flag is set on an hour that does not repeat.
    public static func instant(localDate: CivilDate, secondsOfDay: Int, repeatedHour: Bool) throws(FeedInputError) -> Timestamp {
        guard case .unitedStates(let standardHours, _) = zone else { preconditionFailure("ERCOT's zone is a US zone") }
        let wall = Int64(localDate.daysSinceEpoch) * 86_400 + Int64(secondsOfDay)
        let standard = Int64(standardHours * 3600)
        let asStandard = Timestamp(secondsSinceEpoch: wall - standard)
        let asDaylight = Timestamp(secondsSinceEpoch: wall - standard - 3600)
        let standardValid = Int64(zone.utcOffsetSeconds(at: asStandard)) == standard
        let daylightValid = Int64(zone.utcOffsetSeconds(at: asDaylight)) == standard + 3600
        let local = "\(localDate) \(clock(secondsOfDay)) Central"
        switch (daylightValid, standardValid) {
        case (true, true):
            return repeatedHour ? asStandard : asDaylight
        case (true, false), (false, true):
            guard !repeatedHour else { throw FeedInputError(.offGrid, "\(local) is flagged as the repeated hour, but that hour does not repeat") }
            return daylightValid ? asDaylight : asStandard
        case (false, false):
            throw FeedInputError(.offGrid, "\(local) does not exist (clocks go forward that night)")
        }
    }

    /// Reads ERCOT's local time stamps: `2024-01-18T13:05:12` (API; fractional seconds allowed)
    /// or `01/18/2024 13:05:12` (MIS files).
    public static func parseLocal(_ text: String, repeatedHour: Bool) throws(FeedInputError) -> Timestamp {
        let parts = text.split(whereSeparator: { $0 == "T" || $0 == " " })
        guard parts.count == 2, let date = parseDate(String(parts[0])) else {
            throw FeedInputError(.malformed, "'\(text.prefix(40))' is not an ERCOT time stamp (yyyy-MM-ddTHH:mm:ss)")
        }
        let clockParts = parts[1].split(separator: ":")
        guard clockParts.count == 3, let h = Int(clockParts[0]), let m = Int(clockParts[1]),
            let s = Double(clockParts[2]), (0...23).contains(h), (0...59).contains(m), (0..<60).contains(s)
        else {
            throw FeedInputError(.malformed, "'\(text.prefix(40))' is not an ERCOT time stamp (yyyy-MM-ddTHH:mm:ss)")
        }
        let whole = Int(s)
        let instant = try instant(localDate: date, secondsOfDay: h * 3600 + m * 60 + whole, repeatedHour: repeatedHour)
        return Timestamp(millisecondsSinceEpoch: instant.millisecondsSinceEpoch + Int64(((s - Double(whole)) * 1000).rounded()))
    }

    /// `2024-01-18` or `01/18/2024`; `nil` otherwise.
    public static func parseDate(_ text: String) -> CivilDate? {
        let numbers: [Int]
        if text.contains("-") {
            numbers = text.split(separator: "-").compactMap { Int($0) }
            guard numbers.count == 3, text.count == 10 else { return nil }
            return valid(year: numbers[0], month: numbers[1], day: numbers[2])
        }
        numbers = text.split(separator: "/").compactMap { Int($0) }
        guard numbers.count == 3, text.count == 10 else { return nil }
        return valid(year: numbers[2], month: numbers[0], day: numbers[1])
    }

    /// The operating day (Central) that contains `instant`.
    public static func operatingDay(of instant: Timestamp) -> CivilDate {
        let local = zone.localTime(at: instant)
        return CivilDate(year: local.year, month: local.month, day: local.day)
    }

    /// `yyyy-MM-ddTHH:mm:ss` in Central time, as the API's time filters take it.
    public static func localText(_ instant: Timestamp) -> String {
        let local = zone.localTime(at: instant)
        let date = CivilDate(year: local.year, month: local.month, day: local.day)
        let seconds = Int((instant.millisecondsSinceEpoch / 1000) % 60)
        return "\(date)T\(two(local.hour)):\(two(local.minute)):\(two(seconds < 0 ? seconds + 60 : seconds))"
    }

    private static func valid(year: Int, month: Int, day: Int) -> CivilDate? {
        guard (2000...2100).contains(year), (1...12).contains(month), (1...CivilDate.daysIn(month: month, year: year)).contains(day) else {
            return nil
        }
        return CivilDate(year: year, month: month, day: day)
    }

    private static func clock(_ seconds: Int) -> String { "\(two(seconds / 3600)):\(two(seconds / 60 % 60))" }
    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
