public import CurtailCore
public import CurtailPolicy
public import CurtailReplay

/// Tunes a policy's parameters on a training window and proves them on a later test window the
/// search never saw: the walk-forward check operators ask for before they trust a policy.
public struct Tuner: Sendable {
    /// What to tune and how.
    public struct Options: Sendable {
        /// Most candidates per search, the defaults included.
        public var budget: Int
        public var seed: UInt64
        /// Worker tasks (`curtail tune` passes one per core).
        public var workers: Int
        /// Also run walk-forward folds: train on the first k years, test on year k + 1.
        public var rolling: Bool

        public init(budget: Int = 2000, seed: UInt64 = 1, workers: Int = 2, rolling: Bool = false) {
            self.budget = budget
            self.seed = seed
            self.workers = workers
            self.rolling = rolling
        }
    }

    /// Progress of a run: which stage, candidates scored and expected in it.
    public struct Progress: Sendable {
        public var stage: String
        public var done: Int
        public var total: Int
    }

    public let policy: Policy
    public let site: Site
    public let space: TuningSpace
    public let options: Options

    /// - Throws: ``TuningError`` for a budget below 2.
    public init(policy: Policy, site: Site, space: TuningSpace, options: Options) throws(TuningError) {
        guard options.budget >= 2 else { throw .budget(options.budget) }
        self.policy = policy
        self.site = site
        self.space = space
        self.options = options
    }

    /// Checks that the windows do not overlap.
    ///
    /// - Throws: ``TuningError/overlappingWindows(train:test:)``.
    public static func check(train: ReplayWindow, test: ReplayWindow) throws(TuningError) {
        if train.from < test.to && test.from < train.to {
            throw .overlappingWindows(train: train.description, test: test.description)
        }
    }

    /// Tunes on `train`, validates on `test`.
    ///
    /// - Throws: ``TuningError`` for overlapping windows, ``HistoryError`` for windows the data
    ///   does not cover, ``PolicyError`` when the policy does not fit the site.
    public func run(
        inputs: ReplayInputs,
        train: ReplayWindow,
        test: ReplayWindow,
        progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws -> TuningReport {
        try Self.check(train: train, test: test)
        let trainPlan = try ReplayPlan(inputs: inputs, window: train, site: site)
        let testPlan = try ReplayPlan(inputs: inputs, window: test, site: site)
        var warnings: [String] = []
        if test.from < train.from {
            warnings.append("the test window \(test) comes before training \(train): this checks generalisation, not walk-forward")
        }

        let clock = ContinuousClock()
        let started = clock.now
        let outcome = try await search(trainPlan, stage: "train \(train)", progress: progress)
        let elapsed = clock.now - started
        let best = outcome.evaluated[outcome.best].score

        // Both windows replayed in full (always-on, the oracle), tuned and defaults.
        let tuned = try windows(best.values, train: trainPlan, test: testPlan)
        let defaultScores = try windows(space.baseValues, train: trainPlan, test: testPlan)

        var folds: [TuningReport.Fold] = []
        if options.rolling {
            for (foldTrain, foldTest) in Self.folds(from: min(train.from, test.from), to: max(train.to, test.to), timeZone: site.timeZone) {
                let foldTrainPlan = try ReplayPlan(inputs: inputs, window: foldTrain, site: site)
                let foldTestPlan = try ReplayPlan(inputs: inputs, window: foldTest, site: site)
                let foldOutcome = try await search(foldTrainPlan, stage: "fold \(foldTest)", progress: progress)
                let foldBest = foldOutcome.evaluated[foldOutcome.best].score
                var evaluator = try CandidateEvaluator(policy: policy, site: site, plan: foldTestPlan)
                folds.append(
                    TuningReport.Fold(
                        train: foldTrain,
                        test: foldTest,
                        tuned: foldBest,
                        tunedTest: try evaluator.score(foldBest.values),
                        defaultsTest: try evaluator.score(space.baseValues),
                        candidates: foldOutcome.evaluated.count
                    )
                )
            }
        }

        let report = TuningReport(
            policyName: policy.name,
            siteID: site.id,
            train: train,
            test: test,
            seed: options.seed,
            budget: options.budget,
            strategy: outcome.strategy,
            exhaustive: outcome.exhaustive,
            space: space,
            evaluated: outcome.evaluated,
            changes: policy.parameters.enumerated().map { index, parameter in
                TuningReport.Change(
                    name: parameter.name,
                    defaultValue: space.baseValues[index],
                    tunedValue: best.values[index],
                    searched: space.axes.contains { $0.parameterIndex == index }
                )
            },
            tuned: tuned,
            defaults: defaultScores,
            folds: folds,
            warnings: warnings,
            searchSeconds: elapsed.inSeconds,
            best: best
        )
        return Self.withOverfittingWarning(report)
    }

    /// Searches one training window.
    public func search(
        _ plan: ReplayPlan,
        stage: String,
        progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws(PolicyError) -> TuningSearch.Outcome {
        let search = TuningSearch(space: space, budget: options.budget, seed: options.seed)
        let total = search.strategy == .grid ? min(options.budget, space.size + 1) : options.budget
        let evaluator = try CandidateEvaluator(policy: policy, site: site, plan: plan)
        let pool = CandidatePool(evaluator, workers: options.workers) { done in
            progress?(Progress(stage: stage, done: done, total: total))
        }
        return try await search.run { (candidates) async throws(PolicyError) in try await pool.score(candidates) }
    }

    /// Walk-forward folds over `[from, to)`: for each whole local year after the first, train on
    /// everything before it and test on it.
    public static func folds(from: Timestamp, to: Timestamp, timeZone: MarketTimeZone) -> [(train: ReplayWindow, test: ReplayWindow)] {
        let firstYear = timeZone.localTime(at: from).year
        var result: [(ReplayWindow, ReplayWindow)] = []
        var year = firstYear + 1
        while true {
            let start = ReplayWindow.localMidnight(days: CivilDate(year: year, month: 1, day: 1).daysSinceEpoch, timeZone: timeZone)
            let end = ReplayWindow.localMidnight(days: CivilDate(year: year + 1, month: 1, day: 1).daysSinceEpoch, timeZone: timeZone)
            guard end <= to else { break }
            if start > from { result.append((ReplayWindow(from: from, to: start), ReplayWindow(from: start, to: end))) }
            year += 1
        }
        return result
    }

    /// Full replays of `values` on both windows.
    private func windows(_ values: [Double], train: ReplayPlan, test: ReplayPlan) throws(PolicyError) -> TuningReport.Windows {
        var replay = try Replay(policy: policy, site: site, parameters: named(values))
        return TuningReport.Windows(train: score(replay.run(train)), test: score(replay.run(test)))
    }

    private func score(_ replay: ReplayResult) -> TuningReport.WindowScore {
        var score = TuningReport.WindowScore(replay: replay, penaltyUSD: 0)
        score.penaltyUSD = policy.tuning.penalty(cycles: replay.policy.cycles, days: score.days, unmetObligations: replay.unmetObligations)
        return score
    }

    private func named(_ values: [Double]) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(policy.parameters.map(\.name), values))
    }

    /// Adds a warning when the tuned parameters do much worse on the test window than training
    /// promised: they beat the defaults on training but lose to them on test, or their gain per
    /// day over the defaults falls to under a quarter out of sample.
    static func withOverfittingWarning(_ report: TuningReport) -> TuningReport {
        var report = report
        let trainGain = report.tuned.train.objective - report.defaults.train.objective
        let testGain = report.tuned.test.objective - report.defaults.test.objective
        let trainRate = trainGain / max(report.tuned.train.days, 1e-9)
        let testRate = testGain / max(report.tuned.test.days, 1e-9)
        guard trainGain > 0 else { return report }
        if testGain < 0 {
            report.warnings.append(
                "possible overfitting: the tuned parameters beat the defaults by $\(Number.grouped(trainGain, 0)) on training but lose $\(Number.grouped(-testGain, 0)) to them on the test window; keep the defaults, train on more years, or tune fewer parameters"
            )
        } else if testRate < 0.25 * trainRate {
            report.warnings.append(
                "possible overfitting: the gain over the defaults falls from $\(Number.grouped(trainRate, 0))/day on training to $\(Number.grouped(testRate, 0))/day on test; the tuned values may fit the training years' quirks"
            )
        }
        return report
    }
}
