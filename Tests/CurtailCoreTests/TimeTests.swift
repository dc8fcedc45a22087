import CurtailCore
import Foundation
import Testing

@Suite("Time")
struct TimeTests {
    @Test("ISO-8601 parses zones and round-trips; ambiguous or broken text is refused")
    func iso8601() throws {
        let t = try #require(Timestamp(iso8601: "2023-01-01T06:00:00Z"))
        #expect(t.millisecondsSinceEpoch == 1_672_552_800_000)
        #expect(t.iso8601 == "2023-01-01T06:00:00Z")
        #expect(Timestamp(iso8601: "2023-07-01T16:30:00-05:00") == Timestamp(iso8601: "2023-07-01T21:30:00Z"))
        #expect(Timestamp(iso8601: "2023-01-01T06:00:00.250Z")?.millisecondsSinceEpoch == 1_672_552_800_250)
        for bad in ["2023-01-01T06:00:00", "2023-02-30T00:00:00Z", "2023-01-01 06:00Z x", "yesterday", "2023-13-01T00:00:00Z"] {
            #expect(Timestamp(iso8601: bad) == nil, "\(bad)")
        }
    }

    @Test("America/Chicago local time matches Foundation's time-zone database every hour 2010–2024")
    func centralTimeMatchesFoundation() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "America/Chicago"))
        let zone = MarketTimeZone.usCentral
        var seconds: Int64 = 1_262_304_000  // 2010-01-01
        var checked = 0
        while seconds < 1_735_689_600 {  // 2025-01-01
            let time = Timestamp(secondsSinceEpoch: seconds)
            let local = zone.localTime(at: time)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .weekday], from: Date(timeIntervalSince1970: Double(seconds)))
            let isoWeekday = ((parts.weekday ?? 1) + 5) % 7 + 1
            guard local.year == parts.year, local.month == parts.month, local.day == parts.day, local.hour == parts.hour,
                local.weekday == isoWeekday
            else {
                Issue.record("\(time): \(local) vs \(parts)")
                return
            }
            seconds += 3600
            checked += 1
        }
        #expect(checked > 130_000)
    }

    @Test("the ERCOT 4CP interval of July 2023 is 16:45 on a Monday in Central time")
    func fourCPLocalTime() throws {
        let local = MarketTimeZone.usCentral.localTime(at: try #require(Timestamp(iso8601: "2023-07-31T21:45:00Z")))
        #expect(local.hour == 16 && local.minute == 45 && local.weekday == 1 && local.month == 7 && local.utcOffsetSeconds == -18_000)
    }

    @Test("zone identifiers")
    func identifiers() {
        #expect(MarketTimeZone(identifier: "America/Chicago") == .usCentral)
        #expect(MarketTimeZone(identifier: "UTC+01:00") == .fixed(offsetSeconds: 3600))
        #expect(MarketTimeZone(identifier: "UTC-06:00")?.description == "UTC-06:00")
        #expect(MarketTimeZone(identifier: "Mars/Olympus") == nil)
        #expect(MarketTimeZone.default(forMarket: "ERCOT") == .usCentral)
    }
}
