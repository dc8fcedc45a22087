import CurtailCore
public import CurtailReplay

/// Everything a tuning run found: the search, the training and test scores of the tuned and
/// default parameters, the baselines on the test window, and the rolling folds when asked.
public struct TuningReport: Sendable {
    /// One parameter: its default and tuned value.
    public struct Change: Hashable, Sendable {
        public var name: String
        public var defaultValue: Double
        public var tunedValue: Double
        /// Whether the search varied it (false: pinned or not tunable).
        public var searched: Bool
    }

    /// One walk-forward fold: tuned on `train`, scored on `test`.
    public struct Fold: Sendable {
        public var train: ReplayWindow
        public var test: ReplayWindow
        public var tuned: CandidateScore
        /// The fold's tuned parameters and the defaults on its test window.
        public var tunedTest: CandidateScore
        public var defaultsTest: CandidateScore
        public var candidates: Int
    }

    public var policyName: String
    public var siteID: String
    public var train: ReplayWindow
    public var test: ReplayWindow
    public var seed: UInt64
    public var budget: Int
    public var strategy: TuningSearch.Strategy
    public var exhaustive: Bool
    /// Axes searched and the lattice size.
    public var space: TuningSpace
    /// Every candidate the search evaluated on the training window.
    public var evaluated: [TuningSearch.Evaluated]
    public var changes: [Change]
    /// The tuned parameters and the defaults, replayed (with always-on and the oracle) on the
    /// training window and on the test window.
    public var tuned: Windows
    public var defaults: Windows
    public var folds: [Fold]
    /// Warnings for the reader (overfitting, a backward test window…).
    public var warnings: [String]
    /// Wall time of the search on the training window, seconds.
    public var searchSeconds: Double

    /// One parameter set on both windows.
    public struct Windows: Sendable {
        public var train: WindowScore
        public var test: WindowScore
    }

    /// A full replay of one window and the policy's penalties on it.
    public struct WindowScore: Sendable {
        public var replay: ReplayResult
        public var penaltyUSD: Double
        /// Profit minus penalties (USD).
        public var objective: Double { replay.policy.profitUSD - penaltyUSD }
        /// Days settled.
        public var days: Double { Double(replay.intervals * replay.intervalSeconds) / 86_400 }
        public var cyclesPerDay: Double { days > 0 ? replay.policy.cycles / days : 0 }
    }

    /// The best candidate of the search (its training score).
    public var best: CandidateScore

    /// Candidate-years scored per minute by the search (a candidate-year is one candidate over
    /// 365 days of intervals).
    public var candidateYearsPerMinute: Double {
        guard searchSeconds > 0 else { return 0 }
        return Double(evaluated.count) * best.days / 365 / searchSeconds * 60
    }
}
