public import Testing

/// Keeps tests that load every core (tuning) apart from tests that run a closed loop against
/// the wall clock through a real broker (a simulated day at hundreds of times real time): on a
/// 2-core machine the first starve the second, whose deadlines are in wall-clock time.
///
/// A test with ``exclusiveCPU`` runs alone among the gated tests; tests with ``wallClockLoop``
/// run alongside each other (each loop is light) but never alongside an exclusive one. Tests
/// with neither trait are not gated. First come, first served.
public struct CPUGateTrait: TestTrait, SuiteTrait, TestScoping {
    let kind: CPUGate.Kind

    public var isRecursive: Bool { true }

    @concurrent
    public func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @concurrent @Sendable () async throws -> Void
    ) async throws {
        // A suite's own scope holds nothing, so its tests can take the gate one by one.
        guard testCase != nil else { return try await function() }
        await CPUGate.shared.acquire(kind)
        do {
            try await function()
        } catch {
            await CPUGate.shared.release(kind)
            throw error
        }
        await CPUGate.shared.release(kind)
    }
}

extension Trait where Self == CPUGateTrait {
    /// Runs alone among the gated tests: for tests that load every core.
    public static var exclusiveCPU: Self { Self(kind: .exclusive) }
    /// Runs alongside other wall-clock loops, never alongside an ``exclusiveCPU`` test.
    public static var wallClockLoop: Self { Self(kind: .shared) }
}

/// A first-come, first-served asynchronous readers-writer gate.
actor CPUGate {
    enum Kind: Sendable {
        case shared
        case exclusive
    }

    static let shared = CPUGate()

    private var exclusive = false
    private var sharing = 0
    private var waiting: [(kind: Kind, continuation: CheckedContinuation<Void, Never>)] = []

    private func admits(_ kind: Kind) -> Bool {
        switch kind {
        case .shared: !exclusive
        case .exclusive: !exclusive && sharing == 0
        }
    }

    private func take(_ kind: Kind) {
        switch kind {
        case .shared: sharing += 1
        case .exclusive: exclusive = true
        }
    }

    func acquire(_ kind: Kind) async {
        if waiting.isEmpty && admits(kind) {
            take(kind)
            return
        }
        await withCheckedContinuation { waiting.append((kind, $0)) }
    }

    func release(_ kind: Kind) {
        switch kind {
        case .shared: sharing -= 1
        case .exclusive: exclusive = false
        }
        // Wake waiters in order while they fit: a run of shared ones together, or one exclusive.
        while let first = waiting.first, admits(first.kind) {
            waiting.removeFirst()
            take(first.kind)
            first.continuation.resume()
        }
    }
}
