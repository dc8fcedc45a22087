import ArgumentParser
import CurtailCommandLine
import CurtailCore
import CurtailPolicy
import CurtailPolicyFiles
import CurtailReplay
import CurtailTune
import Foundation

/// `curtail-bench tune`: candidate-years per minute of the tuner's inner loop.
struct BenchTuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Measure tuning throughput: candidate-years per minute.",
        discussion: """
            Scores --candidates random candidates of a 5-rule, 5-parameter policy on the 3-group \
            example site over one year of ERCOT HB_WEST 15-minute prices (35,040 intervals), with \
            the full engine and ledger (what `curtail tune` runs per candidate), first on every \
            core, then on one. For scale, the same run times a bare price-threshold sweep on one \
            core (the computation of Benchmarks/threshold_sweep.py, which does it with numpy).
            """
    )

    @OptionGroup(title: "Data")
    var input: BenchDataOptions

    @Option(help: "Candidates scored on all cores (a quarter of them on one core).")
    var candidates: Int = 4000

    @Option(help: "Worker tasks for the all-core case. Default: one per core.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard candidates >= 8 else { throw ValidationError("--candidates must be at least 8") }
    }

    func run() async throws {
        let policy: Policy
        let plan: ReplayPlan
        let site: Site
        do {
            site = try ConfigurationFiles.load(policyPath: "Policies/breakeven.yaml").site.site
            policy = try PolicyFile.parse(Self.fiveRulePolicy, file: "bench-5-rules.yaml")
            let prices = try TimeSeriesFile.load(path: input.data + "/ercot_rtm_spp_hb_west_15min.csv")
            let bitcoin = try BitcoinHistory.load(path: input.data + "/btc_daily.csv")
            let window = try ReplayWindow.resolve(from: "\(input.year)-01-01", to: "\(input.year)-12-31", timeZone: site.timeZone, prices: prices)
            plan = try ReplayPlan(inputs: ReplayInputs(prices: prices, bitcoin: bitcoin), window: window, site: site)
        } catch let error as HistoryError {
            throw InvalidInput("\(error)\n(pass --data DIR: the shared data directory)")
        } catch let error as FileDiagnostics {
            throw InvalidInput(error.diagnostics.map(\.description).joined(separator: "\n"))
        }
        let space = try TuningSpace(policy: policy)
        var random = SeededGenerator(seed: 42)
        let batch = (0..<candidates).map { _ in space.values(at: space.axes.map { Int(random.next() % UInt64($0.count)) }) }
        let evaluator = try CandidateEvaluator(policy: policy, site: site, plan: plan)
        let yearsPerCandidate = plan.days / 365

        StandardStreams.out(
            "tuning benchmark: \(site.groups.count)-group site, \(policy.rules.count)-rule policy, \(space.axes.count) parameters, \(plan.count) intervals of \(input.year)"
        )
        StandardStreams.out("case" + String(repeating: " ", count: 40) + "candidates      seconds   candidate-years/min")
        // Warm-up.
        _ = try await CandidatePool(evaluator, workers: jobs).score(Array(batch.prefix(jobs * 2)))

        let (all, allSeconds) = try await Self.time { try await CandidatePool(evaluator, workers: jobs).score(batch) }
        let allRate = Double(batch.count) * yearsPerCandidate / allSeconds * 60
        line("full engine + ledger, \(jobs) workers", batch.count, allSeconds, allRate)

        let quarter = Array(batch.prefix(max(1, batch.count / 4)))
        let (one, oneSeconds) = try await Self.time { try await CandidatePool(evaluator, workers: 1).score(quarter) }
        let oneRate = Double(quarter.count) * yearsPerCandidate / oneSeconds * 60
        line("full engine + ledger, 1 worker", quarter.count, oneSeconds, oneRate)

        // The scores must not depend on the worker that computed them.
        for index in quarter.indices where one[index] != all[index] {
            throw InvalidInput("candidate \(index) scored differently on 1 and \(jobs) workers; please report this")
        }

        // A bare price-threshold rule over the same prices, one core.
        let sweep = Self.thresholdSweep(plan: plan, site: site, thresholds: 2000)
        let sweepRate = Double(sweep.count) * yearsPerCandidate / sweep.seconds * 60
        line("bare threshold sweep (no engine), 1 core", sweep.count, sweep.seconds, sweepRate)
        StandardStreams.out(
            "ratios: \(jobs) workers / 1 worker \(Format.fixed(allRate / oneRate, 2))x; bare sweep / full engine on one core \(Format.fixed(sweepRate / oneRate, 1))x"
        )
        let best = all.max { $0.objective < $1.objective }
        StandardStreams.out(
            "check: best of \(all.count) random candidates earns \(Number.grouped(best?.profitUSD ?? .nan, 0)) USD in \(input.year); best bare threshold \(Number.grouped(sweep.best, 0)) USD"
        )
    }

    private func line(_ label: String, _ count: Int, _ seconds: Double, _ rate: Double) {
        let padded = label.count < 44 ? label + String(repeating: " ", count: 44 - label.count) : label
        StandardStreams.out(
            padded + String(count).leftPadded(10) + Format.fixed(seconds, 3).leftPadded(13) + Number.grouped(rate, 0).leftPadded(22)
        )
    }

    private static func time<T, Failure: Error>(_ body: () async throws(Failure) -> T) async throws(Failure) -> (T, Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let value = try await body()
        let elapsed = clock.now - start
        return (value, elapsed.inSeconds)
    }

    /// Profit of "run the whole site while the price is below T" for `thresholds` values of T:
    /// one pass over the prices per threshold, no engine, no hysteresis.
    static func thresholdSweep(plan: ReplayPlan, site: Site, thresholds: Int) -> (count: Int, seconds: Double, best: Double) {
        let series = plan.settlementSeries(poolFee: 0.02, energyAdder: 0)
        let mw = site.nameplatePower.value
        let th = site.groups.reduce(0.0) { $0 + $1.model.nominalHashrate.value * Double($1.count) }
        let hours = plan.intervalHours
        let prices = series.energyPrice
        let revenue = series.revenuePerTerahash
        let clock = ContinuousClock()
        let start = clock.now
        var best = -Double.infinity
        for index in 0..<thresholds {
            let threshold = Double(index) * 0.5
            var profit = 0.0
            for k in 0..<prices.count where prices[k] < threshold {
                profit += th * revenue[k] - mw * prices[k] * hours
            }
            best = max(best, profit)
        }
        let elapsed = clock.now - start
        return (thresholds, elapsed.inSeconds, best)
    }

    /// Five rules and five tunable parameters: strikes, windows, local time, confirmation.
    static let fiveRulePolicy = """
        policy: bench-5-rules
        economics: {price: rt, pool_fee: 0.02}
        parameters:
          emergency_strike: {default: 300, min: 60, max: 1000, step: 10, unit: $/MWh}
          margin: {default: 0, min: -20, max: 40, step: 2, unit: $/MWh}
          spike_ratio: {default: 3, min: 1.5, max: 6, step: 0.5}
          curtail_after: {default: 2, min: 1, max: 8, integer: true}
          resume_after: {default: 4, min: 1, max: 16, integer: true}
        hysteresis: {curtail_after_intervals: curtail_after, resume_after_intervals: resume_after, min_off: 15m}
        rules:
          - {name: emergency, priority: 100, when: "price >= emergency_strike", then: {force_off: all, immediate: true}}
          - {name: cp-window, priority: 90, when: "month in 6..9 and hour in 16..17 and weekday in [mon, tue, wed, thu, fri]", then: {force_off: all}}
          - {name: spike, priority: 60, when: "price > spike_ratio * avg(price, 4h) and price > 50", then: {strike_offset: -10}}
          - {name: margin, priority: 50, when: "margin != 0", then: {strike_offset: -margin}}
          - {name: cheap-night, priority: 40, when: "hour in 0..5 and price < 15", then: {force_on: [s19jpro]}}
        """
}
