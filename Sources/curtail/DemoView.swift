import CurtailAgent
import CurtailCommandLine
import CurtailController
import CurtailCore
import CurtailMiners
import CurtailPolicyFiles
import CurtailWire
import GridSimulator

#if canImport(Glibc)
    import Glibc
#endif

/// Draws `curtail demo`'s status: a live table on a terminal (redrawn in place), or one line per
/// simulated hour and every notice otherwise; and the closing summary.
struct DemoView {
    let site: Site
    let timeZone: MarketTimeZone
    let live: Bool
    private var lastHour: Int64 = .min
    private var notesShown = 0

    init(site: Site, timeZone: MarketTimeZone, live: Bool) {
        self.site = site
        self.timeZone = timeZone
        self.live = live
    }

    mutating func render(_ snapshot: DemoMonitor.Snapshot, at now: Timestamp, simulator: SimulationLedger) {
        if live {
            var lines = table(snapshot, at: now, simulator: simulator)
            lines.append("")
            lines.append("controller notices:")
            lines += snapshot.notes.suffix(6).map { "  " + $0 }
            print("\u{1B}[H\u{1B}[2J" + lines.joined(separator: "\n"))
            return
        }
        for note in snapshot.notes.dropFirst(notesShown) { print("  \(localTime(now)) \(note)") }
        notesShown = snapshot.notes.count
        let hour = now.millisecondsSinceEpoch / 3_600_000
        guard hour != lastHour, let state = snapshot.state else { return }
        lastHour = hour
        print(
            "\(localTime(now))  price \(pad(state.priceUSDPerMWh.map { Format.fixed($0, 2) } ?? "—", 8)) $/MWh  "
                + "target \(pad(state.targetMW.map { Format.fixed($0, 2) } ?? "—", 6)) MW  measured \(pad(state.measuredMW.map { Format.fixed($0, 2) } ?? "—", 6)) MW"
                + (state.activeEvents.isEmpty ? "" : "  events: " + state.activeEvents.map(\.id).joined(separator: ", "))
                + (state.eea > 0 ? "  EEA\(state.eea)" : "")
        )
    }

    private func localTime(_ time: Timestamp) -> String {
        let t = timeZone.localTime(at: time)
        return "\(t.year)-\(two(t.month))-\(two(t.day)) \(two(t.hour)):\(two(t.minute)) UTC\(offset(timeZone.utcOffsetSeconds(at: time)))"
    }

    private func table(_ snapshot: DemoMonitor.Snapshot, at now: Timestamp, simulator: SimulationLedger) -> [String] {
        var lines = ["curtail demo — \(site.id) — \(localTime(now))", ""]
        guard let state = snapshot.state else {
            lines.append("waiting for the controller's first state…")
            return lines
        }
        lines.append(
            "price \(state.priceUSDPerMWh.map { Format.fixed($0, 2) } ?? "—") $/MWh   hash price \(state.hashpriceUSDPerTHDay.map { Format.fixed($0, 4) } ?? "—") $/TH/day   "
                + "frequency \(state.frequencyHz.map { Format.fixed($0, 2) } ?? "—") Hz   EEA \(state.eea)\(state.cpAlert ? "   4CP alert" : "")"
                + (state.underFrequencyTripped ? "   UNDER-FREQUENCY TRIP" : "")
        )
        lines.append(
            "site: target \(state.targetMW.map { Format.fixed($0, 2) } ?? "—") MW, measured \(state.measuredMW.map { Format.fixed($0, 2) } ?? "—") MW, "
                + "cap \(state.capMW.map { Format.fixed($0, 2) } ?? "—") MW   constraints: \(state.constraints.isEmpty ? "none" : state.constraints.joined(separator: ", "))"
        )
        for event in state.activeEvents {
            lines.append(
                "event \(event.id) (\(event.program)) \(localTime(event.start))–: max \(Format.fixed(event.targetMW, 2)) MW, "
                    + (event.reachedAt != nil ? "target reached" : "reaching target")
            )
        }
        lines.append("")
        lines.append("\(pad("group", 14)) \(pad("break-even", 10)) \(pad("target MW", 9)) \(pad("measured", 9)) \(pad("running", 11))  reason")
        for group in state.groups.prefix(14) {
            lines.append(
                "\(pad(group.name, 14)) \(pad(group.breakEvenUSDPerMWh.map { Format.fixed($0, 1) } ?? "—", 10)) "
                    + "\(pad(group.targetKW.map { Format.fixed($0 / 1000, 3) } ?? "—", 9)) \(pad(group.measuredKW.map { Format.fixed($0 / 1000, 3) } ?? "—", 9)) "
                    + "\(pad("\(group.measuredMinersRunning.map(String.init) ?? "—")/\(group.minersRunning.map(String.init) ?? "—")", 11))  \(String((group.reason ?? "").prefix(70)))"
            )
        }
        if state.groups.count > 14 { lines.append("… and \(state.groups.count - 14) more groups") }
        lines.append("")
        lines.append(
            "commands \(state.counters.commands) (applied \(simulator.commandsApplied))   decisions \(state.counters.decisions)   "
                + "inputs refused \(state.counters.rejected.values.reduce(0, +))   "
                + "so far: cost $\(Format.fixed(simulator.energyCostUSD, 0)), revenue $\(Format.fixed(simulator.miningRevenueUSD, 0))"
        )
        return lines
    }

    static func summary(scenario: Scenario, site: Site, monitor: DemoMonitor.Snapshot, ledger: SimulationLedger, wallSeconds: Double) -> String {
        var lines: [String] = []
        lines.append("")
        lines.append(
            "Demo \(scenario.name): \(Format.fixed(ledger.simulatedSeconds / 3600, 1)) h simulated in \(Format.fixed(wallSeconds, 1)) s, "
                + "site \(site.id), \(site.groups.count) groups"
        )
        lines.append("")
        lines.append("\(pad("", 22)) \(pad("controller", 12)) \(pad("always-on", 12))")
        lines.append("\(pad("energy MWh", 22)) \(pad(Format.fixed(ledger.energyMWh, 2), 12)) \(pad(Format.fixed(ledger.alwaysOnEnergyMWh, 2), 12))")
        lines.append(
            "\(pad("energy cost $", 22)) \(pad(Format.fixed(ledger.energyCostUSD, 0), 12)) \(pad(Format.fixed(ledger.alwaysOnCostUSD, 0), 12))"
        )
        lines.append(
            "\(pad("mining revenue $", 22)) \(pad(Format.fixed(ledger.miningRevenueUSD, 0), 12)) \(pad(Format.fixed(ledger.alwaysOnRevenueUSD, 0), 12))"
        )
        lines.append("\(pad("profit $", 22)) \(pad(Format.fixed(ledger.profitUSD, 0), 12)) \(pad(Format.fixed(ledger.alwaysOnProfitUSD, 0), 12))")
        lines.append("(revenue before pool fees, at the day's hash price; cost at the real-time settlement price)")
        lines.append("")
        let counters = monitor.state?.counters
        let refused = counters?.rejected.map { "\($0.value) \($0.key)" }.sorted().joined(separator: ", ") ?? ""
        lines.append(
            "commands: \(counters?.commands ?? 0) published, \(ledger.commandsApplied) applied by the miner controllers, "
                + "\(ledger.commandsIgnored) ignored, \(ledger.fallbacks) expiry fallbacks; decisions: \(counters?.decisions ?? 0); "
                + "inputs refused: \(refused.isEmpty ? "none" : refused)"
        )
        for rejection in monitor.rejections.prefix(3) { lines.append("  refused: \(rejection.reason)") }
        lines.append("grid events:")
        if monitor.reportOrder.isEmpty { lines.append("  none") }
        for id in monitor.reportOrder {
            guard let report = monitor.reports[id] else { continue }
            var text =
                "  \(report.id) \(report.program) [\(report.status.rawValue)] baseline \(report.baselineMW.map { Format.fixed($0, 2) } ?? "—") MW → max \(report.targetMW.map { Format.fixed($0, 2) } ?? "—") MW"
            if report.status != .acknowledged {
                text +=
                    "; reached in \(report.secondsToTarget.map { Format.fixed($0, 0) + " s" } ?? "—") (allowed \(Format.fixed(report.responseSeconds, 0)) s)"
                    + "; achieved \(report.achievedMW.map { Format.fixed($0, 2) } ?? "—") MW; performance factor \(report.performanceFactor.map { Format.fixed($0, 2) } ?? "—")"
                    + " — \(report.met == true ? "met" : "NOT met")"
            }
            lines.append(text)
        }
        return lines.joined(separator: "\n")
    }
}

private func offset(_ seconds: Int) -> String { seconds >= 0 ? "+\(seconds / 3600)" : "\(seconds / 3600)" }

private func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

extension DemoView {
    /// The agent's part of the summary: each group's miners by state, as the agent last saw them.
    static func agentSummary(core: AgentCore, site: Site, requests: Int) -> String {
        var lines = [
            "miners (their commands are taken by curtail agent, not counted above; states read back over the firmware APIs, "
                + "\(requests) requests served by the fakes):"
        ]
        for group in site.groups {
            let counts = core.counts(of: group.name)
            guard !counts.isEmpty else { continue }
            let modes = Dictionary(grouping: core.miners.filter { $0.entry.group == group.name }, by: { $0.reading?.mode.rawValue ?? "unread" })
                .mapValues(\.count)
            let states = MinerStatusPayload.State.allCases.compactMap { state in counts[state].map { "\($0) \(state.rawValue)" } }
            let modeText = modes.keys.sorted().map { "\(modes[$0]!) \($0)" }.joined(separator: ", ")
            lines.append("  \(pad(group.name, 8)) \(states.joined(separator: ", ")); now \(modeText)")
        }
        return lines.joined(separator: "\n")
    }
}
