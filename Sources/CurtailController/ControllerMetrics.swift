import CurtailCore
import CurtailWire
import Metrics

/// The controller's metrics (swift-metrics; a no-op until a backend is bootstrapped, such as
/// the Prometheus one `curtail run` serves on `/metrics`).
struct ControllerMetrics {
    private let factory: any MetricsFactory
    private var rejections: [Rejection.Kind: Counter] = [:]
    private let decisions: Counter
    private let commands: Counter
    private let journalFailures: Counter
    private let decisionLatency: Timer
    private let priceAge: Gauge
    private let siteTarget: Gauge
    private let siteMeasured: Gauge
    private let groupTarget: [Gauge]
    private let groupMeasured: [Gauge]
    private let active: Gauge
    private let term: Gauge
    private let leaseChanges: Counter

    init(groups: [String], factory: any MetricsFactory) {
        self.factory = factory
        decisions = Counter(label: "curtail_decisions_total", factory: factory)
        commands = Counter(label: "curtail_commands_total", factory: factory)
        journalFailures = Counter(label: "curtail_audit_write_failures_total", factory: factory)
        decisionLatency = Timer(label: "curtail_decision_seconds", factory: factory)
        priceAge = Gauge(label: "curtail_price_age_seconds", factory: factory)
        siteTarget = Gauge(label: "curtail_site_target_mw", factory: factory)
        siteMeasured = Gauge(label: "curtail_site_measured_mw", factory: factory)
        groupTarget = groups.map { Gauge(label: "curtail_group_target_kw", dimensions: [("group", $0)], factory: factory) }
        groupMeasured = groups.map { Gauge(label: "curtail_group_measured_kw", dimensions: [("group", $0)], factory: factory) }
        active = Gauge(label: "curtail_controller_active", factory: factory)
        term = Gauge(label: "curtail_controller_term", factory: factory)
        leaseChanges = Counter(label: "curtail_lease_changes_total", factory: factory)
    }

    /// The lease role changed: 1 while active, the term held, one more change.
    func lease(role: LeaderLease.Role, term held: Int64) {
        active.record(role == .active ? 1 : 0)
        term.record(Double(held))
        leaseChanges.increment()
    }

    func journalFailed() { journalFailures.increment() }

    mutating func rejected(_ kind: Rejection.Kind) {
        if let counter = rejections[kind] {
            counter.increment()
        } else {
            let counter = Counter(label: "curtail_rejected_inputs_total", dimensions: [("reason", kind.rawValue)], factory: factory)
            rejections[kind] = counter
            counter.increment()
        }
    }

    func decisionTook(_ duration: Duration) {
        decisionLatency.recordNanoseconds(duration.inNanoseconds)
    }

    func decided(commands count: Int, core: ControllerCore, at now: Timestamp) {
        decisions.increment()
        if count > 0 { commands.increment(by: count) }
        if let age = core.priceAgeSeconds(at: now) { priceAge.record(age) }
        siteTarget.record(core.decision.sitePower.value)
        if let measured = core.measuredSiteMW(at: now) { siteMeasured.record(measured) }
        for g in groupTarget.indices {
            if let command = core.commands[g] { groupTarget[g].record(command.targetKW) }
            if let report = core.telemetry(group: g) { groupMeasured[g].record(report.powerKW) }
        }
    }
}
