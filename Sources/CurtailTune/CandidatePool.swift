public import CurtailPolicy
import Synchronization

/// Scores batches of candidates on every core: one child task per worker, each with its own
/// ``CandidateEvaluator``, taking the next candidate from a shared counter. Scores come back in
/// the order asked, whichever worker computed them.
public struct CandidatePool: Sendable {
    /// One evaluator per worker.
    public let evaluators: [CandidateEvaluator]
    /// Called after every candidate with the number scored so far (by this pool, all batches).
    public let progress: (@Sendable (Int) -> Void)?
    private let scored = Counter()

    /// A pool of `workers` copies of `evaluator`.
    public init(_ evaluator: CandidateEvaluator, workers: Int, progress: (@Sendable (Int) -> Void)? = nil) {
        evaluators = Array(repeating: evaluator, count: max(1, workers))
        self.progress = progress
    }

    /// Scores `candidates` (each every parameter's value, policy order).
    ///
    /// - Throws: ``PolicyError`` when a candidate cannot be set (a value outside its declared
    ///   range, a wrong count): the search stops rather than score the wrong candidate.
    public func score(_ candidates: [[Double]]) async throws(PolicyError) -> [CandidateScore] {
        guard !candidates.isEmpty else { return [] }
        let next = Counter()
        let workers = min(evaluators.count, candidates.count)
        let outcome = await withTaskGroup(of: Result<[(Int, CandidateScore)], PolicyError>.self) { group in
            for worker in 0..<workers {
                group.addTask { [evaluators, scored, progress] in
                    var evaluator = evaluators[worker]
                    var results: [(Int, CandidateScore)] = []
                    while true {
                        let index = next.value.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard index < candidates.count else { break }
                        let candidate = candidates[index]
                        switch Result(catching: { () throws(PolicyError) in try evaluator.score(candidate) }) {
                        case .success(let score): results.append((index, score))
                        case .failure(let error):
                            next.value.store(candidates.count, ordering: .relaxed)  // the other workers stop too
                            return .failure(error)
                        }
                        let done = scored.value.wrappingAdd(1, ordering: .relaxed).newValue
                        progress?(done)
                    }
                    return .success(results)
                }
            }
            var scores = [CandidateScore?](repeating: nil, count: candidates.count)
            for await result in group {
                switch result {
                case .success(let results): for (index, score) in results { scores[index] = score }
                case .failure(let error): return Result<[CandidateScore], PolicyError>.failure(error)
                }
            }
            return .success(scores.map { $0! })
        }
        return try outcome.get()
    }

    /// A shared atomic counter.
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }
}
