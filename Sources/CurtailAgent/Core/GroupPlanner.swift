/// Which miners of a group run: the dispatcher says how many; this says which.
///
/// - Miners the agent cannot control now (unreachable, refusing, lying) are left out; those still
///   hashing count toward the target, so the others make up the difference (a miner that will
///   not sleep means one more of its group sleeps; one that will not wake, one more wakes).
/// - The most efficient run first (nameplate J/TH, in 0.5 J/TH steps).
/// - Among equals, a miner running now stays running (no swaps), and cycling is spread: the
///   running miner cycled longest ago is the one put to sleep, and the sleeping miner cycled
///   longest ago is the one woken.
public enum GroupPlanner: Sendable {
    /// One miner as the planner sees it.
    public struct Candidate: Sendable {
        public var index: Int
        /// Nameplate J/TH.
        public var efficiency: Double
        /// Hashing, starting, or told to (a wake in flight).
        public var isOn: Bool
        /// Whether the agent can command it now.
        public var controllable: Bool
        /// When it was last put to sleep or woken (seconds; -infinity: never).
        public var lastCycled: Double

        public init(index: Int, efficiency: Double, isOn: Bool, controllable: Bool, lastCycled: Double) {
            self.index = index
            self.efficiency = efficiency
            self.isOn = isOn
            self.controllable = controllable
            self.lastCycled = lastCycled
        }
    }

    /// The miners (indices) to run so that `target` hash, with the uncontrollable ones as they are.
    public static func runSet(target: Int, candidates: [Candidate]) -> Set<Int> {
        let stuckOn = candidates.filter { !$0.controllable && $0.isOn }.count
        let need = max(0, target - stuckOn)
        let ranked = candidates.filter(\.controllable).sorted { a, b in
            let ea = (a.efficiency * 2).rounded()
            let eb = (b.efficiency * 2).rounded()
            if ea != eb { return ea < eb }
            if a.isOn != b.isOn { return a.isOn }
            if a.lastCycled != b.lastCycled { return a.isOn ? a.lastCycled > b.lastCycled : a.lastCycled < b.lastCycled }
            return a.index < b.index
        }
        return Set(ranked.prefix(need).map(\.index))
    }
}
