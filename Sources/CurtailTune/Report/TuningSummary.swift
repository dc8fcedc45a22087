import CurtailCore
import CurtailReplay

/// The JSON form of a ``TuningReport`` (`curtail tune --json`), snake_case keys.
public struct TuningSummary: Encodable, Sendable {
    struct Window: Encodable, Sendable {
        var from: String
        var to: String
        var intervals: Int
    }

    struct Parameter: Encodable, Sendable {
        var name: String
        var `default`: Double
        var tuned: Double
        var searched: Bool
        var min: Double?
        var max: Double?
        var step: Double?
    }

    struct Score: Encodable, Sendable {
        var profit_usd: Double
        var objective_usd: Double
        var penalty_usd: Double
        var energy_mwh: Double
        var cycles: Double
        var cycles_per_day: Double
        var unmet_obligations: Int
        var capture_ratio: Double?
    }

    struct Pair: Encodable, Sendable {
        var train: Score
        var test: Score
    }

    struct Baseline: Encodable, Sendable {
        var train_profit_usd: Double
        var test_profit_usd: Double
    }

    struct Fold: Encodable, Sendable {
        var train: Window
        var test: Window
        var candidates: Int
        var tuned: [String: Double]
        var tuned_train_objective_usd: Double
        var tuned_test_objective_usd: Double
        var defaults_test_objective_usd: Double
    }

    var policy: String
    var site: String
    var seed: UInt64
    var budget: Int
    var strategy: String
    var candidates: Int
    var lattice_size: Int
    var exhaustive: Bool
    var search_seconds: Double
    var candidate_years_per_minute: Double
    var train: Window
    var test: Window
    var parameters: [Parameter]
    var tuned: Pair
    var defaults: Pair
    var always_on: Baseline
    var oracle: Baseline
    var folds: [Fold]
    var warnings: [String]

    public init(_ report: TuningReport) {
        policy = report.policyName
        site = report.siteID
        seed = report.seed
        budget = report.budget
        strategy = report.strategy.rawValue
        candidates = report.evaluated.count
        lattice_size = report.space.size
        exhaustive = report.exhaustive
        search_seconds = report.searchSeconds
        candidate_years_per_minute = report.candidateYearsPerMinute
        train = Window(report.tuned.train.replay)
        test = Window(report.tuned.test.replay)
        parameters = report.changes.map { change in
            let axis = report.space.axes.first { $0.name == change.name }
            return Parameter(
                name: change.name,
                default: change.defaultValue,
                tuned: change.tunedValue,
                searched: change.searched,
                min: axis?.range.lowerBound,
                max: axis?.range.upperBound,
                step: axis?.step
            )
        }
        tuned = Pair(train: Score(report.tuned.train), test: Score(report.tuned.test))
        defaults = Pair(train: Score(report.defaults.train), test: Score(report.defaults.test))
        always_on = Baseline(
            train_profit_usd: report.tuned.train.replay.alwaysOn.profitUSD,
            test_profit_usd: report.tuned.test.replay.alwaysOn.profitUSD
        )
        oracle = Baseline(
            train_profit_usd: report.tuned.train.replay.oracleProfitUSD,
            test_profit_usd: report.tuned.test.replay.oracleProfitUSD
        )
        let names = report.changes.map(\.name)
        folds = report.folds.map { fold in
            Fold(
                train: Window(fold.train, intervals: fold.tuned.intervals),
                test: Window(fold.test, intervals: fold.tunedTest.intervals),
                candidates: fold.candidates,
                tuned: Dictionary(uniqueKeysWithValues: zip(names, fold.tuned.values)),
                tuned_train_objective_usd: fold.tuned.objective,
                tuned_test_objective_usd: fold.tunedTest.objective,
                defaults_test_objective_usd: fold.defaultsTest.objective
            )
        }
        warnings = report.warnings
    }
}

extension TuningSummary.Window {
    init(_ replay: ReplayResult) {
        self.init(from: replay.window.from.iso8601, to: replay.window.to.iso8601, intervals: replay.intervals)
    }

    init(_ window: ReplayWindow, intervals: Int) {
        self.init(from: window.from.iso8601, to: window.to.iso8601, intervals: intervals)
    }
}

extension TuningSummary.Score {
    init(_ score: TuningReport.WindowScore) {
        let capture = score.replay.captureRatio
        self.init(
            profit_usd: score.replay.policy.profitUSD,
            objective_usd: score.objective,
            penalty_usd: score.penaltyUSD,
            energy_mwh: score.replay.policy.energyMWh,
            cycles: score.replay.policy.cycles,
            cycles_per_day: score.cyclesPerDay,
            unmet_obligations: score.replay.unmetObligations,
            capture_ratio: capture.isNaN ? nil : capture
        )
    }
}
