public import Testing

/// Keeps tests that load every core (tuning) apart from tests that run a closed loop against
/// the wall clock (the simulator at hundreds of times real time): on a 2-core machine the first
/// starve the second, whose deadlines are in wall-clock time. Tests with this trait run one at a
/// time; every other test still runs in parallel with them.
public struct ExclusiveCPU: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    @concurrent
    public func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @concurrent @Sendable () async throws -> Void
    ) async throws {
        // A suite's own scope holds nothing, so its tests can take the gate one by one.
        guard testCase != nil else { return try await function() }
        await CPUGate.shared.acquire()
        do {
            try await function()
        } catch {
            await CPUGate.shared.release()
            throw error
        }
        await CPUGate.shared.release()
    }
}

extension Trait where Self == ExclusiveCPU {
    /// Runs one at a time with the other tests that have it (see ``ExclusiveCPU``).
    public static var exclusiveCPU: Self { Self() }
}

/// A first-come, first-served asynchronous mutex.
actor CPUGate {
    static let shared = CPUGate()

    private var held = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard held else {
            held = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            held = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
