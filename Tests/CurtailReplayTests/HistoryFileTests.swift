import CurtailCore
import CurtailReplay
import Foundation
import Testing

/// Loading price and Bitcoin files: real files, and every malformed-row case with its position.
@Suite("history files")
struct HistoryFileTests {
    static let header = "interval_start_utc,price_usd_per_mwh\n"

    static func error(_ text: String, column: String? = nil) -> HistoryError? {
        do {
            _ = try TimeSeriesFile.parse(text, file: "p.csv", column: column)
            return nil
        } catch {
            return error
        }
    }

    @Test("the real HB_WEST file: 458,880 rows, 15 minutes, 2013 reported as the only gap")
    func realFile() throws {
        let prices = try Fixtures.history.get().prices
        #expect(prices.intervalSeconds == 900)
        #expect(prices.presentCount == 458_880)
        #expect(prices.start == Timestamp(iso8601: "2010-12-01T06:00:00Z"))
        #expect(prices.end == Timestamp(iso8601: "2025-01-01T06:00:00Z"))
        #expect(prices.gaps.count == 1)
        #expect(prices.gaps.first?.from == Timestamp(iso8601: "2013-01-01T06:00:00Z"))
        #expect(prices.gaps.first?.intervals == 35_040)
        // Spot values read independently from the text.
        let lines = try Fixtures.lines("ercot_rtm_spp_hb_west_15min.csv")
        for line in [lines[1], lines[200_000], lines[lines.count - 1]] {
            let fields = line.split(separator: ",")
            let time = try #require(Timestamp(iso8601: fields[0]))
            #expect(prices.value(at: time) == Double(fields[1]))
        }
    }

    @Test("the gzip multi-hub file, by node, equals the single-hub file at HB_WEST")
    func gzipHubs() throws {
        let west = try TimeSeriesFile.load(path: Fixtures.dataPath("ercot_rtm_spp_hubs_15min.csv.gz"), column: "HB_WEST")
        let single = try Fixtures.history.get().prices
        #expect(west.values.count == single.values.count)
        #expect(zip(west.values, single.values).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        let north = try TimeSeriesFile.load(path: Fixtures.dataPath("ercot_rtm_spp_hubs_15min.csv.gz"), column: "HB_NORTH")
        #expect(north.presentCount == 458_880)
        // HB_PAN is empty before 2019-04-05: a gap, reported.
        let pan = try TimeSeriesFile.load(path: Fixtures.dataPath("ercot_rtm_spp_hubs_15min.csv.gz"), column: "HB_PAN")
        #expect(pan.gaps.contains { $0.to == Timestamp(iso8601: "2019-04-05T05:00:00Z") })
    }

    @Test("an unknown node names the columns the file has")
    func unknownNode() throws {
        do {
            _ = try TimeSeriesFile.load(path: Fixtures.dataPath("ercot_rtm_spp_hubs_15min.csv.gz"), column: "HB_NOWHERE")
            Issue.record("loaded an unknown node")
        } catch {
            #expect(error.description.contains("ercot_rtm_spp_hubs_15min.csv.gz:1: unknown node or column 'HB_NOWHERE'"))
            #expect(error.description.contains("HB_NORTH"))
        }
        let several = Self.error("interval_start_utc,A,B\n2023-01-01T00:00:00Z,1,2\n")
        #expect(several?.description.contains("choose one with --node") == true)
    }

    @Test(
        "malformed rows are reported with file:line:col",
        arguments: [
            ("2023-01-01T00:00:00Z,1\n2023-01-01T00:00:00Z,2\n", "p.csv:3:1: time 2023-01-01T00:00:00Z duplicates line 2"),
            ("2023-01-01T00:15:00Z,1\n2023-01-01T00:00:00Z,2\n", "p.csv:3:1: time 2023-01-01T00:00:00Z is before line 2"),
            ("2023-01-01T00:00:00Z,1\n2023-01-01T00:15:00Z,abc\n", "p.csv:3:22: price_usd_per_mwh must be a number, found 'abc'"),
            (
                "2023-01-01T00:00:00Z,1\n2023-01-01T00:15:00Z,1\n2023-01-01T00:20:00Z,1\n",
                "p.csv:4:1: time 2023-01-01T00:20:00Z is off the file's 15-minute grid"
            ),
            ("2023-01-01 00:00,1\n", "p.csv:2:1: interval_start_utc must be an ISO-8601 UTC time"),
            ("2023-01-01T00:00:00Z,1,2\n", "p.csv:2:1: expected 2 fields"),
            ("2023-01-01T00:00:00Z,nan\n", "p.csv:2:22: price_usd_per_mwh must be a number, found 'nan'"),
        ]
    )
    func malformed(body: String, message: String) {
        let error = Self.error(Self.header + body)
        #expect(error?.description.hasPrefix(message) == true, "\(error?.description ?? "no error")")
    }

    @Test("out-of-range values are refused with their position")
    func outOfRange() {
        do {
            _ = try TimeSeriesFile.parse(Self.header + "2023-01-01T00:00:00Z,25000\n", file: "p.csv", valueRange: USDPerMWh.plausibleRange)
            Issue.record("accepted 25000 $/MWh")
        } catch {
            #expect(error.description.hasPrefix("p.csv:2:22: price_usd_per_mwh 25000.0 is outside the accepted range"))
        }
        // The edge of the one range is accepted here as it is live (ControllerCoreTests refuse just past it).
        let edge = try? TimeSeriesFile.parse(
            Self.header + "2023-01-01T00:00:00Z,20000\n2023-01-01T00:15:00Z,-10000\n",
            file: "p.csv",
            valueRange: USDPerMWh.plausibleRange
        )
        #expect(edge != nil)
    }

    @Test("missing rows and empty fields become gaps, never interpolated")
    func gaps() throws {
        let text =
            Self.header + "2023-01-01T00:00:00Z,1\n2023-01-01T00:15:00Z,2\n2023-01-01T01:00:00Z,3\n2023-01-01T01:15:00Z,\n2023-01-01T01:30:00Z,5\n"
        let series = try TimeSeriesFile.parse(text, file: "p.csv")
        #expect(series.values.count == 7)
        #expect(series.gaps.map(\.intervals) == [2, 1])
        #expect(series.gaps[0].from == Timestamp(iso8601: "2023-01-01T00:30:00Z"))
        #expect(series.value(at: Timestamp(iso8601: "2023-01-01T00:45:00Z")!) == nil)
        #expect(series.value(at: Timestamp(iso8601: "2023-01-01T01:30:00Z")!) == 5)
    }

    @Test("hash price computed from price, difficulty, subsidy and fees equals the file's column")
    func computedHashPrice() throws {
        let lines = try Fixtures.lines("btc_daily.csv")
        let header = lines[0].split(separator: ",").map(String.init)
        let keep = ["date", "btc_usd", "difficulty", "blocks", "subsidy_btc", "fees_btc"]
        let indices = keep.map { header.firstIndex(of: $0)! }
        var text = keep.joined(separator: ",") + "\n"
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            text += indices.map { String(fields[$0]) }.joined(separator: ",") + "\n"
        }
        let computed = try BitcoinHistory.parse(text, file: "btc-no-hashprice.csv")
        let direct = try BitcoinHistory.load(path: Fixtures.bitcoinPath)
        #expect(computed.hashPrice.count == direct.hashPrice.count)
        let worst = zip(computed.hashPrice, direct.hashPrice).map { abs($0 / $1 - 1) }.max() ?? 1
        #expect(worst < 1e-6)
    }

    @Test("Bitcoin file problems: duplicate day, missing column, bad number")
    func bitcoinErrors() {
        func message(_ text: String) -> String {
            do {
                _ = try BitcoinHistory.parse(text, file: "b.csv")
                return ""
            } catch { return error.description }
        }
        #expect(
            message("date,hashprice_usd_per_th_day\n2023-01-01,0.07\n2023-01-01,0.08\n").hasPrefix("b.csv:3:1: date 2023-01-01 duplicates line 2")
        )
        #expect(message("date,btc_usd\n2023-01-01,1\n").contains("cannot compute it: missing difficulty"))
        #expect(message("date,hashprice_usd_per_th_day\n2023-01-01,x\n").hasPrefix("b.csv:2:12: hashprice_usd_per_th_day must be a number"))
        #expect(message("date,hashprice_usd_per_th_day\n2023-01-01,-1\n").hasPrefix("b.csv:2:12: hash price must be positive"))
    }
}
