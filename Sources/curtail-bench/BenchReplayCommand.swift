import ArgumentParser
import CurtailCommandLine
import CurtailCore
import CurtailPolicy
import CurtailPolicyFiles
import CurtailReplay

/// `curtail-bench replay`: load time of the price history, and replay (engine + ledger + oracle)
/// time for a year and for the whole history.
struct BenchReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Measure history loading and replay speed on real ERCOT data.",
        discussion: """
            Times, on one core, with the median of --rounds runs after one warm-up: loading the \
            HB_WEST 15-minute file (458,880 rows); replaying one year for a 10-group site under the \
            shipped dual-strike policy (engine + ledger + oracle, and without the oracle); the \
            example site for the same year under ercot-cooptimise without and with ancillary \
            clearing prices (and with the co-optimised oracle); and replaying the whole 2010-2024 \
            history for the example site under breakeven.yaml.
            """
    )

    @OptionGroup(title: "Data (the year is the one replayed for the 10-group case)")
    var input: BenchDataOptions

    @Option(help: "Timed runs per case (the median is reported).")
    var rounds: Int = 9

    func validate() throws {
        guard (1...1000).contains(rounds) else { throw ValidationError("--rounds must be 1...1000") }
    }

    func run() throws {
        let pricesPath = input.data + "/ercot_rtm_spp_hb_west_15min.csv"
        let bitcoinPath = input.data + "/btc_daily.csv"
        do {
            var prices: TimeSeries?
            let load = try time { () throws(HistoryError) in prices = try TimeSeriesFile.load(path: pricesPath) }
            guard let prices else { return }
            let bitcoin = try BitcoinHistory.load(path: bitcoinPath)
            let inputs = ReplayInputs(prices: prices, bitcoin: bitcoin)
            StandardStreams.out("replay benchmark: median of \(rounds) runs (after one warm-up), one core")
            StandardStreams.out(
                "case" + String(repeating: " ", count: 58) + "  " + "ms".leftPadded(7) + "  " + "intervals".leftPadded(11) + "   check"
            )
            line("load \(prices.presentCount) rows of HB_WEST 15-min prices", load, prices.presentCount, "\(prices.gaps.count) gap(s)")

            let dual = try ConfigurationFiles.load(policyPath: "Policies/dual-strike.yaml")
            let site = BenchData.syntheticSite(groups: 10)
            let year = try ReplayWindow.resolve(from: "\(input.year)-01-01", to: "\(input.year)-12-31", timeZone: site.timeZone, prices: prices)
            var replay = try Replay(policy: dual.policy, site: site)
            var result: ReplayResult?
            let full = try time { () throws(HistoryError) in result = try replay.run(inputs, window: year) }
            line("\(input.year), 10 groups, dual-strike: engine + ledger + oracle", full, result?.intervals ?? 0, capture(result))
            let noOracle = try time { () throws(HistoryError) in
                result = try replay.run(inputs, window: year, options: Replay.Options(oracle: false))
            }
            line("\(input.year), 10 groups, dual-strike: engine + ledger only", noOracle, result?.intervals ?? 0, "")

            // Ancillary capacity: the example site under ercot-cooptimise, with the year's clearing
            // prices, day-ahead prices and EEAs; the same without the clearing prices for the ratio.
            let cooptimise = try ConfigurationFiles.load(policyPath: "Policies/ercot-cooptimise.yaml")
            var withAncillary = inputs
            withAncillary.ancillary = try AncillaryPrices.load(path: input.data + "/ercot_dam_as_mcpc_hourly.csv")
            withAncillary.gridEvents = try GridEventHistory.load(path: input.data + "/ercot_grid_events.csv")
            withAncillary.dayAhead = try TimeSeriesFile.load(path: input.data + "/ercot_dam_spp_hourly.csv", column: "HB_WEST")
            var energyOnly = inputs
            energyOnly.dayAhead = withAncillary.dayAhead
            let exampleYear = try ReplayWindow.resolve(
                from: "\(input.year)-01-01",
                to: "\(input.year)-12-31",
                timeZone: cooptimise.site.site.timeZone,
                prices: prices
            )
            var coopt = try Replay(policy: cooptimise.policy, site: cooptimise.site.site)
            let plain = try time { () throws(HistoryError) in
                result = try coopt.run(energyOnly, window: exampleYear, options: Replay.Options(oracle: false))
            }
            line("\(input.year), example site, ercot-cooptimise, no ancillary: engine + ledger", plain, result?.intervals ?? 0, "")
            let reserve = try time { () throws(HistoryError) in
                result = try coopt.run(withAncillary, window: exampleYear, options: Replay.Options(oracle: false))
            }
            let revenue = result.map { "ancillary $\(Format.fixed($0.policy.ancillaryRevenueUSD, 0))" } ?? ""
            line("\(input.year), example site, ercot-cooptimise + ancillary: engine + ledger", reserve, result?.intervals ?? 0, revenue)
            let reserveOracle = try time { () throws(HistoryError) in result = try coopt.run(withAncillary, window: exampleYear) }
            line(
                "\(input.year), example site, ercot-cooptimise + ancillary: + co-optimised oracle",
                reserveOracle,
                result?.intervals ?? 0,
                capture(result)
            )

            let breakeven = try ConfigurationFiles.load(policyPath: "Policies/breakeven.yaml")
            let all = try ReplayWindow.resolve(from: nil, to: nil, timeZone: breakeven.site.site.timeZone, prices: prices, bitcoin: bitcoin)
            var history = try Replay(policy: breakeven.policy, site: breakeven.site.site)
            let whole = try time { () throws(HistoryError) in result = try history.run(inputs, window: all) }
            line("2010-2024, example site, breakeven: engine + ledger + oracle", whole, result?.intervals ?? 0, capture(result))
        } catch let error as HistoryError {
            throw InvalidInput("\(error)\n(pass --data DIR: the shared data directory)")
        } catch let error as PolicyError {
            throw InvalidInput("\(error)")
        } catch let error as FileDiagnostics {
            throw InvalidInput(error.diagnostics.map(\.description).joined(separator: "\n"))
        }
    }

    private func capture(_ result: ReplayResult?) -> String {
        guard let result else { return "" }
        return "capture \(Format.fixed(result.captureRatio, 3))"
    }

    private func line(_ label: String, _ ms: Double, _ intervals: Int, _ check: String) {
        let padded = label.count < 62 ? label + String(repeating: " ", count: 62 - label.count) : label
        StandardStreams.out("\(padded)  \(Format.fixed(ms, 2).leftPadded(7))  \(String(intervals).leftPadded(11))   \(check)")
    }

    /// Median milliseconds of `rounds` runs after a warm-up.
    private func time(_ body: () throws(HistoryError) -> Void) throws(HistoryError) -> Double {
        var samples: [Double] = []
        let clock = ContinuousClock()
        for round in 0...rounds {
            let start = clock.now
            try body()
            let elapsed = clock.now - start
            if round > 0 {
                samples.append(elapsed.inMilliseconds)
            }
        }
        samples.sort()
        return samples[samples.count / 2]
    }
}
