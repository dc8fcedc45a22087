import CurtailCore

/// How a tuning run chooses candidates: every point of a small lattice, or, when the lattice is
/// larger than the budget, random exploration followed by local refinement.
///
/// Refinement is a pattern search from the best points found so far: each step tries one lattice
/// stride up and down along every parameter, moves to the best neighbour that improves, and
/// halves the strides when none does. When every start has converged with budget left, a random
/// point starts a new search. Everything depends only on the seed and the scores, never on
/// which core finished first, so one seed gives one result.
public struct TuningSearch: Sendable {
    /// The strategy a run used.
    public enum Strategy: String, Hashable, Sendable {
        case grid
        case randomLocal = "random+local"
    }

    /// One evaluated candidate.
    public struct Evaluated: Hashable, Sendable {
        /// Its lattice indices, one per axis.
        public var point: [Int]
        public var score: CandidateScore
    }

    /// The outcome of a search.
    public struct Outcome: Sendable {
        public var strategy: Strategy
        /// Every candidate evaluated, in evaluation order (the first is the defaults).
        public var evaluated: [Evaluated]
        /// Index in ``evaluated`` of the best (highest objective; the earliest on a tie).
        public var best: Int
        /// Whether the whole lattice was evaluated.
        public var exhaustive: Bool
    }

    public let space: TuningSpace
    /// Most candidates to evaluate, the defaults included.
    public let budget: Int
    public let seed: UInt64

    public init(space: TuningSpace, budget: Int, seed: UInt64) {
        self.space = space
        self.budget = budget
        self.seed = seed
    }

    /// The strategy this search will use.
    public var strategy: Strategy { space.size <= budget - 1 ? .grid : .randomLocal }

    /// Runs the search; `evaluate` scores a batch of candidates (parameter values, policy order)
    /// and returns their scores in the same order.
    public func run<Failure: Error>(evaluate: ([[Double]]) async throws(Failure) -> [CandidateScore]) async throws(Failure) -> Outcome {
        var state = State(space: space, budget: budget)
        // The defaults first: exactly as the policy declares them, whether on the lattice or not.
        let defaults = try await evaluate([space.baseValues])
        state.record(point: space.basePoint, score: defaults[0], marksPoint: space.values(at: space.basePoint) == space.baseValues)

        if strategy == .grid {
            var point = Array(repeating: 0, count: space.axes.count)
            var batch: [[Int]] = []
            repeat {
                if state.seen[point] == nil { batch.append(point) }
            } while Self.advance(&point, axes: space.axes)
            try await state.evaluate(batch, using: evaluate)
            return try await restoringDefaults(state.outcome(.grid, exhaustive: true), &state, evaluate)
        }

        var random = SeededGenerator(seed: seed)
        // Exploration: two fifths of the budget, uniformly over the lattice.
        let exploration = max(1, (budget - 1) * 2 / 5)
        try await state.evaluate(state.randomPoints(exploration, &random), using: evaluate)

        // Refinement from the three best distinct points.
        var searches = state.ranking().prefix(3).map {
            Climb(at: state.evaluated[$0].point, score: state.evaluated[$0].score.objective, axes: space.axes)
        }
        while state.remaining > 0 && state.seen.count < space.size {
            var batch: [[Int]] = []
            for search in searches where !search.converged {
                for neighbour in search.neighbours(space.axes) where state.seen[neighbour] == nil && !batch.contains(neighbour) {
                    batch.append(neighbour)
                }
            }
            try await state.evaluate(batch, using: evaluate)
            for index in searches.indices where !searches[index].converged {
                let best = searches[index].neighbours(space.axes).compactMap { state.seen[$0] }.max { a, b in
                    Self.better(state.evaluated[b], state.evaluated[a], b, a)
                }
                if let best, state.evaluated[best].score.objective > searches[index].score {
                    searches[index].move(to: state.evaluated[best].point, score: state.evaluated[best].score.objective)
                } else {
                    searches[index].shrink()
                }
            }
            if searches.allSatisfy(\.converged), state.remaining > 0 {
                // A fresh start somewhere not yet seen.
                let restart = state.randomPoints(1, &random)
                guard let point = restart.first else { break }
                try await state.evaluate([point], using: evaluate)
                if let index = state.seen[point] {
                    searches.append(Climb(at: point, score: state.evaluated[index].score.objective, axes: space.axes))
                }
            }
        }
        return try await restoringDefaults(state.outcome(.randomLocal, exhaustive: state.seen.count >= space.size), &state, evaluate)
    }

    /// Puts back, one parameter at a time, every default that makes no difference: the best
    /// candidate with that parameter at its default is kept when it scores at least as well. So
    /// a parameter the window cannot inform (an EEA threshold in years without EEA, say) keeps
    /// the policy's value instead of whatever the search happened to try. At most one
    /// evaluation per searched parameter, beyond the budget.
    func restoringDefaults<Failure: Error>(
        _ outcome: Outcome,
        _ state: inout State,
        _ evaluate: ([[Double]]) async throws(Failure) -> [CandidateScore]
    ) async throws(Failure) -> Outcome {
        var outcome = outcome
        for axis in space.axes {
            let best = state.evaluated[outcome.best]
            let index = axis.parameterIndex
            guard best.score.values[index] != space.baseValues[index] else { continue }
            var values = best.score.values
            values[index] = space.baseValues[index]
            var point = best.point
            point[space.axes.firstIndex(of: axis)!] = axis.index(nearest: values[index])
            let score = try await evaluate([values])[0]
            state.record(point: point, score: score, marksPoint: false)
            if score.objective >= best.score.objective { outcome.best = state.evaluated.count - 1 }
        }
        outcome.evaluated = state.evaluated
        return outcome
    }

    /// Whether `a` (at evaluation index `i`) ranks above `b` (at `j`): higher objective, then earlier.
    static func better(_ a: Evaluated, _ b: Evaluated, _ i: Int, _ j: Int) -> Bool {
        a.score.objective != b.score.objective ? a.score.objective > b.score.objective : i < j
    }

    /// The next lattice point in mixed-radix order; false after the last.
    static func advance(_ point: inout [Int], axes: [TuningSpace.Axis]) -> Bool {
        for d in point.indices.reversed() {
            point[d] += 1
            if point[d] < axes[d].count { return true }
            point[d] = 0
        }
        return false
    }

    /// Candidates evaluated so far.
    struct State {
        let space: TuningSpace
        let budget: Int
        var evaluated: [Evaluated] = []
        var seen: [[Int]: Int] = [:]

        init(space: TuningSpace, budget: Int) {
            self.space = space
            self.budget = budget
        }

        var remaining: Int { budget - evaluated.count }

        mutating func record(point: [Int], score: CandidateScore, marksPoint: Bool) {
            evaluated.append(Evaluated(point: point, score: score))
            if marksPoint { seen[point] = evaluated.count - 1 }
        }

        /// Evaluates the points not yet seen, within the budget.
        mutating func evaluate<Failure: Error>(
            _ points: [[Int]],
            using evaluate: ([[Double]]) async throws(Failure) -> [CandidateScore]
        ) async throws(Failure) {
            var fresh: [[Int]] = []
            var chosen = Set<[Int]>()
            for point in points where seen[point] == nil && chosen.insert(point).inserted {
                guard fresh.count < remaining else { break }
                fresh.append(point)
            }
            guard !fresh.isEmpty else { return }
            let scores = try await evaluate(fresh.map { space.values(at: $0) })
            for (point, score) in zip(fresh, scores) { record(point: point, score: score, marksPoint: true) }
        }

        /// Up to `count` distinct random points not yet seen.
        func randomPoints(_ count: Int, _ random: inout SeededGenerator) -> [[Int]] {
            var points: [[Int]] = []
            var chosen = Set<[Int]>()
            var attempts = 0
            while points.count < count && attempts < count * 20 + 100 {
                attempts += 1
                let point = space.axes.map { Int(random.next() % UInt64($0.count)) }
                if seen[point] == nil && chosen.insert(point).inserted { points.append(point) }
            }
            return points
        }

        /// Evaluation indices, best first.
        func ranking() -> [Int] {
            evaluated.indices.sorted { TuningSearch.better(evaluated[$0], evaluated[$1], $0, $1) }
        }

        func outcome(_ strategy: Strategy, exhaustive: Bool) -> Outcome {
            Outcome(strategy: strategy, evaluated: evaluated, best: ranking()[0], exhaustive: exhaustive)
        }
    }

    /// One pattern search.
    struct Climb {
        var point: [Int]
        var score: Double
        var strides: [Int]
        var converged = false

        init(at point: [Int], score: Double, axes: [TuningSpace.Axis]) {
            self.point = point
            self.score = score
            strides = axes.map { max(1, $0.count / 8) }
        }

        func neighbours(_ axes: [TuningSpace.Axis]) -> [[Int]] {
            var result: [[Int]] = []
            for d in axes.indices {
                for direction in [-1, 1] {
                    var next = point
                    next[d] = min(axes[d].count - 1, max(0, point[d] + direction * strides[d]))
                    if next != point { result.append(next) }
                }
            }
            return result
        }

        mutating func move(to point: [Int], score: Double) {
            self.point = point
            self.score = score
        }

        mutating func shrink() {
            if strides.allSatisfy({ $0 == 1 }) {
                converged = true
            } else {
                strides = strides.map { max(1, $0 / 2) }
            }
        }
    }
}
