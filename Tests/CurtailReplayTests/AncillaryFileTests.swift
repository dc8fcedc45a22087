import CurtailCore
import CurtailReplay
import Testing

/// The clearing-price and grid-event files: the real ones, and every bad input with its position.
@Suite("ancillary and grid-event files")
struct AncillaryFileTests {
    static let header = "interval_start_utc,REGUP,REGDN,RRS,NSPIN,ECRS\n"

    static func error(_ text: String) -> HistoryError? {
        do {
            _ = try AncillaryPrices.parse(text, file: "as.csv")
            return nil
        } catch {
            return error
        }
    }

    @Test("the real MCPC file: 26,304 hours 2022–2024, ECRS missing before its launch (a reported gap, not zeros)")
    func realFile() throws {
        let prices = try AncillaryPrices.load(path: Fixtures.dataPath("ercot_dam_as_mcpc_hourly.csv"))
        #expect(prices.hours == 26_304)
        #expect(prices.start == Timestamp(iso8601: "2022-01-01T06:00:00Z"))
        // The first row, read independently of the loader.
        let first = try Fixtures.lines("ercot_dam_as_mcpc_hourly.csv")[1].split(separator: ",", omittingEmptySubsequences: false)
        let values = prices.prices(at: prices.start)
        #expect(values.regulationUp == Double(first[1]))
        #expect(values.rrs == Double(first[3]))
        #expect(values.nonSpin == Double(first[4]))
        #expect(values.ecrs.isNaN)
        let ecrsGaps = try #require(prices.gaps[.ecrs])
        #expect(ecrsGaps.first?.from == prices.start)
        #expect(ecrsGaps.first?.to ?? prices.start > Timestamp(iso8601: "2023-06-09T00:00:00Z")!)
        #expect(ecrsGaps.first?.to ?? prices.start <= Timestamp(iso8601: "2023-06-11T00:00:00Z")!)
        #expect(prices.gaps[.rrs]?.isEmpty == true)
    }

    @Test(
        "bad clearing-price rows are reported with file:line:col",
        arguments: [
            ("2023-01-01T00:00:00Z,1,1,-2,1,1\n", "as.csv:2:26: RRS -2.0 is negative"),
            ("2023-01-01T00:30:00Z,1,1,2,1,1\n", "as.csv:2:1: time 2023-01-01T00:30:00Z is not on the hour"),
            ("2023-01-01T01:00:00Z,1,1,2,1,1\n2023-01-01T01:00:00Z,1,1,2,1,1\n", "as.csv:3:1: time 2023-01-01T01:00:00Z duplicates line 2"),
            ("2023-01-01T01:00:00Z,1,1,x,1,1\n", "as.csv:2:26: RRS must be a number, found 'x'"),
            ("2023-01-01T01:00:00Z,1,1,2,1\n", "as.csv:2:1: expected 6 fields"),
            ("2023-01-01T01:00:00Z,1,1,20000,1,1\n", "as.csv:2:26: RRS 20000.0 is above 10000 USD/MW/h"),
        ]
    )
    func malformed(body: String, message: String) {
        let error = Self.error(Self.header + body)
        #expect(error?.description.hasPrefix(message) == true, "\(error?.description ?? "no error")")
    }

    @Test("an unknown product column is refused at its column; missing hours are gaps")
    func columnsAndGaps() throws {
        let unknown = Self.error("interval_start_utc,RRS,SPIN\n2023-01-01T00:00:00Z,1,2\n")
        #expect(unknown?.description.hasPrefix("as.csv:1:24: unknown ancillary product column 'SPIN'") == true, "\(String(describing: unknown))")
        let prices = try AncillaryPrices.parse(
            "interval_start_utc,RRS\n2023-01-01T00:00:00Z,1\n2023-01-01T03:00:00Z,4\n",
            file: "as.csv"
        )
        #expect(prices.hours == 4)
        #expect(prices.gaps[.rrs]?.first?.intervals == 2)
        #expect(prices.prices(at: Timestamp(iso8601: "2023-01-01T01:30:00Z")!).rrs.isNaN)
        // A product the file lacks is unknown, never zero.
        #expect(prices.prices(at: Timestamp(iso8601: "2023-01-01T00:00:00Z")!).ecrs.isNaN)
    }

    @Test("the real grid-events file: EEA rows with times are used, the others skipped with their reason")
    func gridEvents() throws {
        let events = try GridEventHistory.load(path: Fixtures.dataPath("ercot_grid_events.csv"))
        let rows = try Fixtures.lines("ercot_grid_events.csv").dropFirst()
        #expect(events.alerts.count + events.skipped.count == rows.count)
        #expect(events.alerts.map(\.line) == [2, 4, 5, 15])
        #expect(events.skipped.contains { $0.line == 3 && $0.reason == "EEA 1 has no start time" })
        #expect(events.skipped.contains { $0.line == 7 && $0.reason == "CONSERVATION_APPEAL is not an Energy Emergency Alert" })
        // 2023-09-06 EEA2 from 19:25 to 20:40 Central.
        #expect(events.level(at: Timestamp(iso8601: "2023-09-07T00:30:00Z")!) == 2)
        #expect(events.level(at: Timestamp(iso8601: "2023-09-07T01:45:00Z")!) == 0)
        // Uri: EEA3 (and load shed) on 2021-02-16.
        #expect(events.level(at: Timestamp(iso8601: "2021-02-16T12:00:00Z")!) == 3)
        do {
            _ = try GridEventHistory.parse(
                "event_type,eea_level,start_utc,end_utc\nEEA,4,2023-01-01T00:00:00Z,2023-01-01T01:00:00Z\n",
                file: "ev.csv"
            )
            Issue.record("accepted EEA 4")
        } catch {
            #expect(error.description == "ev.csv:2:5: eea_level 4.0 is not 1, 2 or 3")
        }
    }
}
