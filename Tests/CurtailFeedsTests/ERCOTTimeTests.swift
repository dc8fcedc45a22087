import CurtailCore
import CurtailFeeds
import CurtailReplay
import CurtailTestSupport
import Foundation
import Testing

/// ERCOT's hour-ending Central times against real intervals of the shared data, converted the
/// other way by Foundation's time-zone database (not by Curtail's own rules).
@Suite("ERCOT times")
struct ERCOTTimeTests {
    /// `(deliveryDate, hourEnding, interval, DSTFlag)` of a UTC interval start, by Foundation.
    static func ercotLabel(_ start: Timestamp) -> (CivilDate, Int, Int, Bool) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/Chicago")!
        let date = Date(timeIntervalSince1970: start.secondsSinceEpoch)
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let daylight = calendar.timeZone.isDaylightSavingTime(for: date)
        let hourEarlier = calendar.timeZone.isDaylightSavingTime(for: date.addingTimeInterval(-3600))
        let repeated = !daylight && hourEarlier && c.hour == 1
        return (CivilDate(year: c.year!, month: c.month!, day: c.day!), c.hour! + 1, c.minute! / 15 + 1, repeated)
    }

    @Test("both DST days of 2023 from real HB_WEST intervals: 92 and 100 intervals, every one back to its UTC start")
    func dstDaysOfRealData() throws {
        let series = try TimeSeriesFile.load(path: TestRepository.dataPath("ercot_rtm_spp_hb_west_15min.csv"))
        for (day, expected) in [(CivilDate(year: 2023, month: 3, day: 12), 92), (CivilDate(year: 2023, month: 11, day: 5), 100)] {
            // Every interval whose Central operating day is `day`.
            var count = 0
            var t = Timestamp(secondsSinceEpoch: Int64(day.daysSinceEpoch) * 86_400)
            while t < Timestamp(secondsSinceEpoch: Int64(day.daysSinceEpoch + 2) * 86_400) {
                let (date, hourEnding, interval, repeated) = Self.ercotLabel(t)
                if date == day {
                    #expect(series.value(at: t) != nil, "the shared data has \(t)")
                    let back = try ERCOTTime.intervalStart(deliveryDate: date, hourEnding: hourEnding, interval: interval, repeatedHour: repeated)
                    #expect(back == t, "HE \(hourEnding) interval \(interval) repeated \(repeated) on \(date)")
                    count += 1
                }
                t = t.adding(seconds: 900)
            }
            #expect(count == expected, "\(day) has \(count) intervals")
        }
    }

    @Test("a time the day does not have is refused, not shifted")
    func offGrid() {
        let spring = CivilDate(year: 2023, month: 3, day: 12)
        #expect(throws: FeedInputError.self) { try ERCOTTime.intervalStart(deliveryDate: spring, hourEnding: 3, interval: 1, repeatedHour: false) }
        let ordinary = CivilDate(year: 2023, month: 7, day: 1)
        #expect(throws: FeedInputError.self) { try ERCOTTime.intervalStart(deliveryDate: ordinary, hourEnding: 2, interval: 1, repeatedHour: true) }
        #expect(throws: FeedInputError.self) { try ERCOTTime.intervalStart(deliveryDate: ordinary, hourEnding: 25, interval: 1, repeatedHour: false) }
        #expect(throws: FeedInputError.self) { try ERCOTTime.intervalStart(deliveryDate: ordinary, hourEnding: 1, interval: 5, repeatedHour: false) }
    }

    @Test("SCED time stamps: API and MIS forms, the repeated hour, fractions")
    func scedTimestamps() throws {
        #expect(try ERCOTTime.parseLocal("2024-01-18T13:05:12", repeatedHour: false) == Timestamp(iso8601: "2024-01-18T19:05:12Z"))
        #expect(try ERCOTTime.parseLocal("01/18/2024 13:05:12", repeatedHour: false) == Timestamp(iso8601: "2024-01-18T19:05:12Z"))
        #expect(try ERCOTTime.parseLocal("2023-11-05T01:20:00", repeatedHour: false) == Timestamp(iso8601: "2023-11-05T06:20:00Z"))
        #expect(try ERCOTTime.parseLocal("2023-11-05T01:20:00", repeatedHour: true) == Timestamp(iso8601: "2023-11-05T07:20:00Z"))
        #expect(try ERCOTTime.parseLocal("2024-07-01T10:00:00.5", repeatedHour: false) == Timestamp(iso8601: "2024-07-01T15:00:00.500Z"))
        #expect(throws: FeedInputError.self) { try ERCOTTime.parseLocal("2024-13-01T10:00:00", repeatedHour: false) }
        #expect(throws: FeedInputError.self) { try ERCOTTime.parseLocal("yesterday", repeatedHour: false) }
        #expect(ERCOTTime.localText(Timestamp(iso8601: "2024-01-18T19:05:12Z")!) == "2024-01-18T13:05:12")
    }
}
