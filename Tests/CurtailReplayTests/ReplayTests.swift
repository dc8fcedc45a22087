import CurtailCore
import CurtailPolicy
import CurtailPolicyFiles
import CurtailReplay
import Testing

/// Replays on real ERCOT and Bitcoin history, checked against figures computed here directly
/// from the CSV text.
@Suite("replay on real data")
struct ReplayTests {
    /// (UTC time, price) rows of the HB_WEST file with time in `[from, to)`, from the raw text.
    static func rawPrices(_ from: Timestamp, _ to: Timestamp) throws -> [(Timestamp, Double)] {
        try Fixtures.lines("ercot_rtm_spp_hb_west_15min.csv").dropFirst().compactMap { line in
            let fields = line.split(separator: ",")
            guard let t = Timestamp(iso8601: fields[0]), t >= from, t < to else { return nil }
            return (t, Double(fields[1])!)
        }
    }

    /// Hash price by UTC date text from the raw Bitcoin file.
    static func rawHashPrices() throws -> [String: Double] {
        let lines = try Fixtures.lines("btc_daily.csv")
        let column = lines[0].split(separator: ",").firstIndex(of: "hashprice_usd_per_th_day")!
        var result: [String: Double] = [:]
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            result[String(fields[0])] = Double(fields[column])
        }
        return result
    }

    @Test("always-on 1 MW for a month costs the sum of price × 0.25 MWh")
    func alwaysOnMonth() throws {
        let site = try Fixtures.oneMegawattSite()
        let result = try Fixtures.replay(try Fixtures.policy(Fixtures.plain), site, from: "2023-08-01", to: "2023-08-31")
        let rows = try Self.rawPrices(result.window.from, result.window.to)
        #expect(rows.count == 31 * 96)
        #expect(result.intervals == rows.count)
        let expected = rows.reduce(0) { $0 + $1.1 * 0.25 }
        #expect(abs(result.alwaysOn.energyCostUSD - expected) < 1e-6)
        #expect(abs(result.alwaysOn.energyMWh - Double(rows.count) * 0.25) < 1e-9)
    }

    @Test("revenue across the 2024 halving uses each day's own hash price")
    func halving() throws {
        let site = try Fixtures.oneMegawattSite()
        let result = try Fixtures.replay(try Fixtures.policy(Fixtures.plain), site, from: "2024-04-15", to: "2024-04-25")
        let hashPrices = try Self.rawHashPrices()
        let rows = try Self.rawPrices(result.window.from, result.window.to)
        // 1,000 miners × 34 TH/s, no pool fee, 0.25 h / 24 of a day per interval.
        let expected = rows.reduce(0.0) { sum, row in sum + 34_000 * hashPrices[String(row.0.iso8601.prefix(10))]! * 0.25 / 24 }
        #expect(abs(result.alwaysOn.miningRevenueUSD - expected) < 1e-6 * expected)
        // The halving (2024-04-20) shows: the day after earns far less per TH than the day before.
        #expect(hashPrices["2024-04-21"]! < hashPrices["2024-04-19"]! * 0.8)
    }

    @Test(
        "local-day windows: DST days have 92 and 100 intervals, a leap year 35,136",
        arguments: [
            ("2023-03-12", "2023-03-12", 92), ("2023-11-05", "2023-11-05", 100), ("2024-01-01", "2024-12-31", 35_136),
            ("2023-01-01", "2023-12-31", 35_040),
        ]
    )
    func windows(from: String, to: String, intervals: Int) throws {
        let inputs = try Fixtures.history.get()
        let window = try ReplayWindow.resolve(from: from, to: to, timeZone: .usCentral, prices: inputs.prices)
        let result = try Fixtures.replay(try Fixtures.policy(Fixtures.plain), try Fixtures.oneMegawattSite(), from: from, to: to)
        #expect(result.intervals == intervals)
        #expect(result.window == window)
    }

    @Test("negative prices: the site is paid to run, and everything runs")
    func negativePrices() throws {
        let loaded = try Fixtures.shipped("breakeven")
        let result = try Fixtures.replay(loaded.policy, loaded.site.site, from: "2023-04-01", to: "2023-04-30", record: true)
        let detail = try #require(result.detail)
        let negative = detail.price.indices.filter { detail.price[$0] < 0 && $0 > 0 && detail.price[$0 - 1] < 0 }
        #expect(negative.count > 20)
        for k in negative {
            // The decision saw a negative price (the previous interval's): every group runs.
            #expect(abs(detail.policyMW[k] - detail.alwaysOnMW[k]) < 1e-9)
            #expect(abs(detail.oracleMW[k] - detail.alwaysOnMW[k]) < 1e-9)
            // Profit above revenue: the energy itself earned money.
            #expect(detail.policyProfit[k] > 0)
        }
    }

    @Test("no look-ahead: changing a future price never changes an earlier decision")
    func causality() throws {
        let loaded = try Fixtures.shipped("dual-strike")
        let inputs = try Fixtures.history.get()
        let base = try Fixtures.replay(loaded.policy, loaded.site.site, from: "2023-08-20", to: "2023-08-22", inputs: inputs, record: true)
        var spiked = inputs
        let k = 100
        let time = try #require(base.detail?.time[k])
        let index = try #require(spiked.prices.index(containing: time))
        spiked.prices.values[index] = 5_000
        let changed = try Fixtures.replay(loaded.policy, loaded.site.site, from: "2023-08-20", to: "2023-08-22", inputs: spiked, record: true)
        let a = try #require(base.detail)
        let b = try #require(changed.detail)
        #expect(Array(a.policyMW[...k]) == Array(b.policyMW[...k]))
        // The spike is seen one interval later: the site curtails then.
        #expect(b.policyMW[k + 1] < a.policyMW[k + 1])
    }

    @Test(
        "oracle ≥ policy and ≥ always-on for every shipped policy on varied windows",
        arguments: ["breakeven", "dual-strike", "ercot-4cp-ers", "fixed-price-ppa"]
    )
    func oracleBound(policy name: String) throws {
        let loaded = try Fixtures.shipped(name)
        for (from, to) in [("2021-02-10", "2021-02-20"), ("2023-08-01", "2023-08-31"), ("2024-04-15", "2024-04-25"), ("2016-01-01", "2016-12-31")] {
            let result = try Fixtures.replay(loaded.policy, loaded.site.site, from: from, to: to)
            let slack = 1e-9 * abs(result.oracle.profitUSD)
            #expect(result.oracleExact)
            #expect(result.oracle.profitUSD >= result.policy.profitUSD - slack, "\(name) \(from)")
            #expect(result.oracle.profitUSD >= result.alwaysOn.profitUSD - slack, "\(name) \(from)")
            #expect(result.captureRatio <= 1 + 1e-9)
        }
    }

    @Test("4CP: the load in the summer's four intervals is charged at the site's rate")
    func fourCP() throws {
        var inputs = try Fixtures.history.get()
        inputs.fourCP = try FourCPCalendar.load(path: Fixtures.dataPath("ercot_4cp_intervals.csv"))
        let site = try Fixtures.oneMegawattSite(transmission: 50)
        let result = try Fixtures.replay(
            try Fixtures.policy(Fixtures.plain),
            site,
            from: "2023-06-01",
            to: "2023-09-30",
            inputs: inputs,
            record: true
        )
        // Always-on holds 1 MW in all four intervals: 50 $/kW-year × 1,000 kW.
        #expect(abs(result.alwaysOn.transmissionUSD - 50_000) < 1e-6)
        // The policy pays for what it held in those intervals, a quarter each.
        let detail = try #require(result.detail)
        let official = inputs.fourCP!.intervals.filter { $0 >= result.window.from && $0 < result.window.to }
        #expect(official.count == 4)
        let expected = official.reduce(0.0) { sum, t in sum + detail.policyMW[detail.time.firstIndex(of: t)!] * 50_000 / 4 }
        #expect(abs(result.policy.transmissionUSD - expected) < 1e-6)
        // The oracle avoids them when worth it: never pays more than always-on.
        #expect(result.oracle.transmissionUSD <= result.alwaysOn.transmissionUSD)
    }

    @Test("the causal 4CP alert reads only hours already past")
    func peakAlertIsCausal() throws {
        let load = try TimeSeriesFile.load(path: Fixtures.dataPath("ercot_system_load_hourly.csv"), column: "load_mw")
        let model = PeakAlertModel(load: load, timeZone: .usCentral)
        // 2023-08-10, the summer's record day: alerts in the afternoon.
        let time = try #require(Timestamp(iso8601: "2023-08-10T21:30:00Z"))  // 16:30 CDT
        let alert = try #require(model.alert(at: time))
        #expect(alert.probability > 0.5)
        // Rewriting the current hour and everything after changes nothing.
        var future = load
        let current = try #require(load.index(containing: time))
        for i in current..<future.values.count { future.values[i] = 1 }
        let again = PeakAlertModel(load: future, timeZone: .usCentral).alert(at: time)
        #expect(again == alert)
        // No alerts outside June to September.
        #expect(model.alert(at: Timestamp(iso8601: "2023-12-12T22:00:00Z")!) == nil)
    }

    @Test("bad windows and thin Bitcoin files are clear errors")
    func badWindows() throws {
        let inputs = try Fixtures.history.get()
        func message(_ from: String?, _ to: String?, bitcoin: BitcoinHistory? = nil) -> String {
            do {
                var copy = inputs
                if let bitcoin { copy.bitcoin = bitcoin }
                let window = try ReplayWindow.resolve(from: from, to: to, timeZone: .usCentral, prices: copy.prices)
                var replay = try Replay(policy: try Fixtures.policy(Fixtures.plain), site: try Fixtures.oneMegawattSite())
                _ = try replay.run(copy, window: window)
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(message("2023-02-01", "2023-01-01").contains("is empty"))
        #expect(message("2009-01-01", "2009-02-01").contains("outside the data"))
        #expect(message("2023-01-01", "2026-01-01").contains("outside the data"))
        #expect(message("2013-03-01", "2013-03-31").contains("lies entirely in a gap"))
        #expect(message("2023-01-01", "2023-01-31T06:07:00Z").contains("not on the price file's 15-minute grid"))
        let thin = try BitcoinHistory.parse("date,hashprice_usd_per_th_day\n2023-01-01,0.07\n2023-01-02,0.07\n", file: "thin.csv")
        #expect(message("2023-01-01", "2023-01-02", bitcoin: thin).hasPrefix("thin.csv: no hash price for 2022-12-31"))
    }

    @Test("a window across the 2013 gap settles only real intervals and restarts after it")
    func acrossGap() throws {
        let result = try Fixtures.replay(try Fixtures.policy(Fixtures.plain), try Fixtures.oneMegawattSite(), from: "2012-12-01", to: "2014-01-31")
        #expect(result.gaps.count == 1)
        #expect(result.gaps[0].intervals == 35_040)
        #expect(result.intervals == (31 + 31) * 96)
    }
}
