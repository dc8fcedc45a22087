/// The local time zone of a market, for rules on hour, weekday and month.
///
/// Only the zones that electricity markets Curtail supports use are built in, with their
/// daylight-saving rules written out, so the core needs no time-zone database:
/// the four US zones (US rules: since 2007 second Sunday of March to first Sunday of November,
/// before that first Sunday of April to last Sunday of October, changing at 02:00 local),
/// UTC, and fixed offsets.
public enum MarketTimeZone: Hashable, Sendable, CustomStringConvertible {
    /// Coordinated Universal Time.
    case utc
    /// A fixed offset from UTC in seconds, without daylight saving.
    case fixed(offsetSeconds: Int)
    /// A US zone with standard offset (hours, e.g. -6 for Central) and US daylight saving.
    case unitedStates(standardOffsetHours: Int, identifier: String)

    /// America/Chicago: ERCOT, MISO, SPP.
    public static let usCentral = MarketTimeZone.unitedStates(standardOffsetHours: -6, identifier: "America/Chicago")
    /// America/New_York: PJM, NYISO, ISO-NE.
    public static let usEastern = MarketTimeZone.unitedStates(standardOffsetHours: -5, identifier: "America/New_York")
    /// America/Denver.
    public static let usMountain = MarketTimeZone.unitedStates(standardOffsetHours: -7, identifier: "America/Denver")
    /// America/Los_Angeles: CAISO.
    public static let usPacific = MarketTimeZone.unitedStates(standardOffsetHours: -8, identifier: "America/Los_Angeles")

    /// The identifiers accepted by ``init(identifier:)``.
    public static let supportedIdentifiers = [
        "UTC", "America/Chicago", "America/New_York", "America/Denver", "America/Los_Angeles", "UTC+HH:MM", "UTC-HH:MM",
    ]

    /// A zone from an IANA-style identifier (`America/Chicago`, `UTC`) or a fixed offset
    /// (`UTC+01:00`, `UTC-06:00`). Returns `nil` for anything else.
    public init?(identifier: String) {
        switch identifier {
        case "UTC", "Etc/UTC", "Z": self = .utc
        case "America/Chicago", "US/Central": self = .usCentral
        case "America/New_York", "US/Eastern": self = .usEastern
        case "America/Denver", "US/Mountain": self = .usMountain
        case "America/Los_Angeles", "US/Pacific": self = .usPacific
        default:
            guard identifier.hasPrefix("UTC"), identifier.count == 9,
                let probe = Timestamp(iso8601: "2000-01-01T00:00:00" + identifier.dropFirst(3))
            else { return nil }
            self = .fixed(offsetSeconds: Int(-probe.millisecondsSinceEpoch / 1000) + 946_684_800)
        }
    }

    /// The default zone of a market name (`ercot` → America/Chicago), or `nil` when unknown.
    public static func `default`(forMarket market: String) -> MarketTimeZone? {
        switch market.lowercased() {
        case "ercot", "miso", "spp": return .usCentral
        case "pjm", "nyiso", "isone", "iso-ne": return .usEastern
        case "caiso": return .usPacific
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .utc: return "UTC"
        case .fixed(let offset):
            let sign = offset < 0 ? "-" : "+"
            let magnitude = abs(offset)
            let hours = magnitude / 3600
            let minutes = magnitude / 60 % 60
            return "UTC\(sign)\(hours < 10 ? "0" : "")\(hours):\(minutes < 10 ? "0" : "")\(minutes)"
        case .unitedStates(_, let identifier): return identifier
        }
    }

    /// Offset from UTC in seconds at `instant`.
    public func utcOffsetSeconds(at instant: Timestamp) -> Int {
        switch self {
        case .utc: return 0
        case .fixed(let offset): return offset
        case .unitedStates(let standard, _):
            let standardSeconds = standard * 3600
            let utcSeconds = instant.millisecondsSinceEpoch.floorDivided(by: 1000).quotient
            let year = CivilDate(daysSinceEpoch: Int(utcSeconds.floorDivided(by: 86_400).quotient)).year
            let (start, end) = Self.usDaylightSaving(year: year, standardOffsetSeconds: standardSeconds)
            return utcSeconds >= start && utcSeconds < end ? standardSeconds + 3600 : standardSeconds
        }
    }

    /// Local wall-clock fields at `instant`.
    public func localTime(at instant: Timestamp) -> LocalTime {
        let offset = utcOffsetSeconds(at: instant)
        let localSeconds = instant.millisecondsSinceEpoch.floorDivided(by: 1000).quotient + Int64(offset)
        let (days, secondOfDay) = localSeconds.floorDivided(by: 86_400)
        let date = CivilDate(daysSinceEpoch: Int(days))
        return LocalTime(
            year: date.year,
            month: date.month,
            day: date.day,
            hour: Int(secondOfDay / 3600),
            minute: Int(secondOfDay / 60 % 60),
            weekday: CivilDate.isoWeekday(daysSinceEpoch: Int(days)),
            utcOffsetSeconds: offset
        )
    }

    /// UTC seconds at which US daylight saving starts and ends in `year`.
    private static func usDaylightSaving(year: Int, standardOffsetSeconds: Int) -> (start: Int64, end: Int64) {
        let sunday = 7
        let startDay: CivilDate
        let endDay: CivilDate
        if year >= 2007 {
            startDay = CivilDate(year: year, month: 3, day: CivilDate.nthWeekday(2, weekday: sunday, month: 3, year: year))
            endDay = CivilDate(year: year, month: 11, day: CivilDate.nthWeekday(1, weekday: sunday, month: 11, year: year))
        } else {
            startDay = CivilDate(year: year, month: 4, day: CivilDate.nthWeekday(1, weekday: sunday, month: 4, year: year))
            endDay = CivilDate(year: year, month: 10, day: CivilDate.lastWeekday(sunday, month: 10, year: year))
        }
        // 02:00 local standard time at the start; 02:00 local daylight time (= 01:00 standard) at the end.
        let start = Int64(startDay.daysSinceEpoch) * 86_400 + 7200 - Int64(standardOffsetSeconds)
        let end = Int64(endDay.daysSinceEpoch) * 86_400 + 3600 - Int64(standardOffsetSeconds)
        return (start, end)
    }
}
