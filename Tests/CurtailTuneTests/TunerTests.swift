import CurtailCore
import CurtailPolicy
import CurtailPolicyFiles
import CurtailReplay
import CurtailTestSupport
import CurtailTune
import Testing

/// The tuner on synthetic prices whose best strike is known, and its building blocks.
@Suite("tuner", .exclusiveCPU)
struct TunerTests {
    /// 1 MW of miners (1,000 × 1,000 W, 40 TH/s each, no sleep power, instant wake) at a hash
    /// price of 0.036 USD/TH/day: every interval mined earns 15 USD and costs 0.25 × price, so
    /// break-even is exactly 60 USD/MWh.
    static let site: Site = {
        try! SiteFile.parse(
            """
            site: synthetic
            market: ercot
            node: HB_WEST
            max_import_mw: 2
            groups:
              - {name: g, model: s19jpro, count: 1000, power_w: 1000, hashrate_th: 40, sleep_w: 0, wake: 0s}
            """,
            file: "synthetic-site.yaml"
        ).site
    }()

    static let strikePolicy = """
        policy: strike
        economics: {price: rt, pool_fee: 0}
        parameters:
          strike: {default: 100, min: 0, max: 200, step: 5, unit: $/MWh}
        rules:
          - {name: strike, priority: 10, when: "hour >= 0", then: {strike: strike}}
        """

    /// 60 days of 8-hour blocks cycling through 10, 40, 55, 65, 80 and 120 USD/MWh.
    static let levels = [10.0, 40, 55, 65, 80, 120]
    static let start = Timestamp(iso8601: "2023-03-01T00:00:00Z")!
    static let inputs: ReplayInputs = {
        let values = (0..<(60 * 96)).map { levels[($0 / 32) % levels.count] }
        let prices = TimeSeries(file: "synthetic.csv", column: "price_usd_per_mwh", start: start, intervalSeconds: 900, values: values)
        let firstDay = Int(start.millisecondsSinceEpoch / 86_400_000) - 2
        return ReplayInputs(
            prices: prices,
            bitcoin: BitcoinHistory(file: "synthetic-btc.csv", firstDay: firstDay, hashPrice: Array(repeating: 0.036, count: 70))
        )
    }()

    static func window(days: ClosedRange<Int>) -> ReplayWindow {
        ReplayWindow(from: start.adding(seconds: Double(days.lowerBound) * 86_400), to: start.adding(seconds: Double(days.upperBound + 1) * 86_400))
    }

    @Test("the known optimum is recovered: the strike lands between the 55 and 65 price levels, around break-even (60)")
    func analyticOptimum() async throws {
        let policy = try PolicyFile.parse(Self.strikePolicy, file: "strike.yaml")
        let space = try TuningSpace(policy: policy)
        #expect(space.size == 41)
        let tuner = try Tuner(policy: policy, site: Self.site, space: space, options: Tuner.Options(budget: 100, seed: 1, workers: 2))
        let report = try await tuner.run(inputs: Self.inputs, train: Self.window(days: 0...29), test: Self.window(days: 30...59))
        #expect(report.strategy == .grid && report.exhaustive)
        // The defaults (100, on the lattice) once, the other 40 points, then the best with the
        // default put back (worse, so not kept).
        #expect(report.evaluated.count == 42)
        // Every strike in (55, 65] runs the same schedule; the grid meets 60 first.
        #expect(report.best.values == [60])
        let optimal = report.evaluated.filter { $0.score.values[0] > 55 && $0.score.values[0] <= 65 }
        #expect(optimal.count == 2 && optimal.allSatisfy { $0.score.objective == report.best.objective })
        for candidate in report.evaluated where candidate.score.values[0] <= 55 || candidate.score.values[0] > 65 {
            #expect(candidate.score.objective < report.best.objective, "strike \(candidate.score.values[0])")
        }
        // Analytically, per 48-hour cycle (6 blocks of 32 intervals, each mined interval earning
        // 0.25 × (60 − price)): 31 intervals at 10 (the first follows a 120 block), 32 at 40,
        // 32 at 55 and the first at 65.
        let perCycle = 0.25 * (31 * 50 + 32 * 20 + 32 * 5 - 5.0)
        #expect(abs(report.best.profitUSD - perCycle * 15) < 1e-6)
        // Out of sample (the same pattern) the tuned strike beats the default of 100.
        #expect(report.tuned.test.objective > report.defaults.test.objective)
        #expect(report.warnings.isEmpty)
        // The training score of the search is exactly what a replay of that window reports.
        #expect(report.tuned.train.replay.policy.profitUSD == report.best.profitUSD)
    }

    @Test("random search with local refinement also finds the optimum class when the budget is below the lattice")
    func randomLocal() async throws {
        let policy = try PolicyFile.parse(Self.strikePolicy, file: "strike.yaml")
        let space = try TuningSpace(policy: policy)
        let tuner = try Tuner(policy: policy, site: Self.site, space: space, options: Tuner.Options(budget: 20, seed: 9, workers: 2))
        let outcome = try await tuner.search(try ReplayPlan(inputs: Self.inputs, window: Self.window(days: 0...29), site: Self.site), stage: "t")
        #expect(outcome.strategy == .randomLocal && outcome.evaluated.count <= 21)
        let best = outcome.evaluated[outcome.best].score.values[0]
        #expect(best > 55 && best <= 65)
    }

    @Test("a parameter the window cannot inform keeps its default; the ones that matter are tuned")
    func uninformedKeepsDefault() async throws {
        let policy = try PolicyFile.parse(
            """
            policy: strike-and-eea
            economics: {price: rt, pool_fee: 0}
            parameters:
              strike: {default: 100, min: 0, max: 200, step: 5, unit: $/MWh}
              eea_level: {default: 2, min: 1, max: 3, integer: true}
            rules:
              - {name: eea, priority: 20, when: "eea >= eea_level", then: {force_off: all}}
              - {name: strike, priority: 10, when: "hour >= 0", then: {strike: strike}}
            """,
            file: "p.yaml"
        )
        for budget in [200, 30] {  // grid, then random + local
            let tuner = try Tuner(
                policy: policy,
                site: Self.site,
                space: try TuningSpace(policy: policy),
                options: Tuner.Options(budget: budget, seed: 2)
            )
            let outcome = try await tuner.search(try ReplayPlan(inputs: Self.inputs, window: Self.window(days: 0...29), site: Self.site), stage: "t")
            let best = outcome.evaluated[outcome.best].score.values
            #expect(best[1] == 2, "budget \(budget)")
            #expect(best[0] > 55 && best[0] <= 65, "budget \(budget)")
        }
    }

    @Test("the same seed gives the same search; scores do not depend on the worker count")
    func deterministic() async throws {
        let loaded = try ConfigurationFiles.load(policyPath: TunerPaths.policy("dual-strike"))
        let plan = try ReplayPlan(inputs: Self.inputs, window: Self.window(days: 0...13), site: loaded.site.site)
        let space = try TuningSpace(policy: loaded.policy)
        var results: [[CandidateScore]] = []
        for workers in [1, 2, 2] {
            let tuner = try Tuner(
                policy: loaded.policy,
                site: loaded.site.site,
                space: space,
                options: Tuner.Options(budget: 60, seed: 5, workers: workers)
            )
            let outcome = try await tuner.search(plan, stage: "t")
            results.append(outcome.evaluated.map(\.score))
        }
        #expect(results[0] == results[1] && results[1] == results[2])
        // A reused evaluator scores a candidate exactly as a fresh one.
        var evaluator = try CandidateEvaluator(policy: loaded.policy, site: loaded.site.site, plan: plan)
        let first = try evaluator.score(results[0][7].values)
        _ = try evaluator.score(results[0][3].values)
        #expect(try evaluator.score(results[0][7].values) == first)
        #expect(first == results[0][7])
    }

    @Test("lattices: steps, whole numbers, continuous ranges, values written back exactly")
    func lattice() throws {
        let policy = try PolicyFile.parse(
            """
            policy: p
            parameters:
              hz: {default: 59.7, min: 59.3, max: 59.95, step: 0.05, unit: Hz}
              n: {default: 2, min: 1.5, max: 8.2, integer: true}
              x: {default: 0.5, min: 0, max: 1}
              pinned: {default: 3, min: 0, max: 9, tune: false}
              single: {default: 4, min: 4, max: 4}
            rules: []
            """,
            file: "p.yaml"
        )
        let space = try TuningSpace(policy: policy)
        #expect(space.axes.map(\.name) == ["hz", "n", "x"])
        let hz = space.axes[0]
        #expect(hz.count == 14 && hz.value(3) == 59.45 && hz.value(13) == 59.95)
        #expect(space.axes[1].range == 2...8 && space.axes[1].count == 7)
        #expect(space.axes[2].count == 1001 && space.axes[2].isContinuous && space.axes[2].value(333) == 0.333)
        #expect(space.size == 14 * 7 * 1001)
        // Named explicitly, a pinned parameter is searched; --set pins a tunable one.
        let named = try TuningSpace(policy: policy, only: ["pinned"], fixed: ["hz": 59.5])
        #expect(named.axes.map(\.name) == ["pinned"] && named.baseValues[0] == 59.5)
    }

    @Test("nothing to search, unknown names, empty and out-of-range ranges are errors that say what to do")
    func spaceErrors() throws {
        let none = try PolicyFile.parse("policy: none\nrules: []\n", file: "none.yaml")
        #expect(throws: TuningError.noTunableParameters(policy: "none")) { try TuningSpace(policy: none) }
        let policy = try PolicyFile.parse(Self.strikePolicy, file: "strike.yaml")
        #expect(throws: TuningError.self) { try TuningSpace(policy: policy, only: ["strik"]) }
        #expect(throws: TuningError.self) { try TuningSpace(policy: policy, ranges: ["strike": 100...300]) }
        #expect(throws: TuningError.self) { try TuningSpace(policy: policy, ranges: ["strike": 50...50]) }
        let message = TuningError.noTunableParameters(policy: "none").description
        #expect(message.contains("declares no tunable parameters") && message.contains("min below max"))
    }

    @Test("declared penalties: cycles, cycles over a daily limit and missed obligations come off the profit")
    func penalties() async throws {
        let penalised = try PolicyFile.parse(
            Self.strikePolicy + """

                tuning:
                  cycle_penalty_usd: 10
                  max_cycles_per_day: 0.5
                  over_max_cycle_penalty_usd: 100
                  unmet_obligation_penalty_usd: 1000
                """,
            file: "penalised.yaml"
        )
        let expected: Double = 10 * 40 + 100 * 25 + 1000 * 2  // 40 cycles, 25 over the 15 allowed in 30 days
        #expect(penalised.tuning.penalty(cycles: 40, days: 30, unmetObligations: 2) == expected)
        #expect(penalised.tuning.penalty(cycles: 10, days: 30, unmetObligations: 0) == 100)
        let plan = try ReplayPlan(inputs: Self.inputs, window: Self.window(days: 0...29), site: Self.site)
        var evaluator = try CandidateEvaluator(policy: penalised, site: Self.site, plan: plan)
        let score = try evaluator.score([60])
        // One wake-up per 48-hour cycle (the 10 block after the 120 block), 15 cycles in 30 days.
        #expect(abs(score.ledger.totals.cycles - 15) < 1e-9)
        #expect(score.penaltyUSD == 10 * 15)
        #expect(score.objective == score.profitUSD - 150)
        // A candidate the engine refuses is never scored under the previous candidate's values.
        #expect(throws: PolicyError.self) { _ = try evaluator.score([1_000_000]) }
        #expect(throws: PolicyError.self) { _ = try evaluator.score([60, 1]) }
        #expect(try evaluator.score([60]) == score, "a refused candidate leaves the evaluator as it was")

        #expect(throws: FileDiagnostics.self) {
            try PolicyFile.parse(Self.strikePolicy + "\ntuning:\n  over_max_cycle_penalty_usd: 5\n", file: "bad.yaml")
        }
        #expect(throws: FileDiagnostics.self) {
            try PolicyFile.parse(Self.strikePolicy + "\ntuning:\n  cycle_penalty: 5\n", file: "bad.yaml")
        }
    }

    @Test("training and test windows never overlap; walk-forward folds train strictly before they test")
    func windows() throws {
        let a = Self.window(days: 0...9)
        let b = Self.window(days: 10...19)
        try Tuner.check(train: a, test: b)
        try Tuner.check(train: b, test: a)
        #expect(throws: TuningError.self) { try Tuner.check(train: a, test: Self.window(days: 9...19)) }
        #expect(throws: TuningError.self) { try Tuner.check(train: Self.window(days: 0...30), test: b) }

        let from = ReplayWindow.localMidnight(days: CivilDate(year: 2019, month: 1, day: 1).daysSinceEpoch, timeZone: .usCentral)
        let to = ReplayWindow.localMidnight(days: CivilDate(year: 2023, month: 1, day: 1).daysSinceEpoch, timeZone: .usCentral)
        let folds = Tuner.folds(from: from, to: to, timeZone: .usCentral)
        #expect(folds.count == 3)
        for fold in folds {
            #expect(fold.train.from == from && fold.train.to == fold.test.from && fold.test.from < fold.test.to)
            try Tuner.check(train: fold.train, test: fold.test)
        }
        #expect(folds.last?.test.to == to)
    }
}

enum TunerPaths {
    static func policy(_ name: String) -> String { TestRepository.path("Policies/\(name).yaml") }
}
