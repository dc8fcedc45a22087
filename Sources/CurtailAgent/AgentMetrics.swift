import CurtailWire
import Metrics

/// `curtail agent`'s metrics (swift-metrics; a no-op until a backend is bootstrapped, such as
/// the Prometheus one `curtail agent --metrics` serves):
///
/// - `curtail_agent_miners{group,state}`: miners per group in each state (ok, waking, sleeping,
///   unreachable, refused, mismatch), updated at most every 100 ms;
/// - `curtail_agent_operations_total{operation,outcome}`: driver calls (read, sleep, wake,
///   set_power) that succeeded (`ok`) or failed (`failed`).
struct AgentMetrics {
    private let miners: [[Gauge]]
    private let operations: [Counter]
    private static let states = MinerStatusPayload.State.allCases
    private static let operationNames = ["read", "sleep", "wake", "set_power"]

    init(groups: [String], factory: any MetricsFactory) {
        let states = Self.states
        miners = groups.map { group in
            states.map { Gauge(label: "curtail_agent_miners", dimensions: [("group", group), ("state", $0.rawValue)], factory: factory) }
        }
        operations = Self.operationNames.flatMap { name in
            ["ok", "failed"].map {
                Counter(label: "curtail_agent_operations_total", dimensions: [("operation", name), ("outcome", $0)], factory: factory)
            }
        }
    }

    /// Counts the core's miners per group and state.
    func record(_ core: AgentCore) {
        var counts = Array(repeating: Array(repeating: 0, count: Self.states.count), count: miners.count)
        for (index, miner) in core.miners.enumerated() {
            let group = core.groupOf[index]
            guard group < counts.count, let state = Self.states.firstIndex(of: miner.state) else { continue }
            counts[group][state] += 1
        }
        for (group, gauges) in miners.enumerated() {
            for (state, gauge) in gauges.enumerated() { gauge.record(counts[group][state]) }
        }
    }

    /// One driver call finished.
    func completed(_ operation: MinerOperation, succeeded: Bool) {
        let name: Int
        switch operation {
        case .read: name = 0
        case .sleep: name = 1
        case .wake: name = 2
        case .setPower: name = 3
        }
        operations[name * 2 + (succeeded ? 0 : 1)].increment()
    }
}
