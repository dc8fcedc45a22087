import CurtailAudit
import CurtailController
import CurtailCore
import CurtailPolicyFiles
import CurtailTestSupport
import CurtailWire
import Foundation
import GridSimulator
import LocalBroker
import Subprocess
import SystemPackage
import Testing

/// The whole loop through a real mosquitto on a free loopback port: the simulator plays the
/// grid and the miner controllers, the controller decides and commands, an observer records
/// everything on `site/west-texas-1/#`. Simulated time runs hundreds of times faster than the
/// wall clock.
@Suite(
    "End to end through mosquitto",
    .wallClockLoop,
    .timeLimit(.minutes(5)),
    .enabled(if: brokerAvailable, "needs the mosquitto broker")
)
struct EndToEndTests {
    @Test("a broker killed and restarted mid-run loses no command")
    func brokerRestart() async throws {
        let loop = try Loop(minutes: 60, speed: 600, prices: [30, 30, 30, 95, 95, 95])
        let (observer, _) = try await loop.run { broker, clock in
            // Kill it 15 simulated minutes in, bring it back 5 simulated minutes later.
            try await clock.sleep(until: loop.scenario.start.adding(seconds: 900), tolerance: nil)
            await broker.stop(.kill)
            try await Task.sleep(for: .milliseconds(500))
            try await broker.start()
        }
        // The price step to 95 $/MWh came after the restart: the S19j Pro must have been told, and obeyed.
        let s19 = observer.commands("s19jpro")
        #expect(s19.last?.command.minersRunning == 0)
        for group in ["s19jpro", "s19xp", "s21"] {
            let (at, telemetry) = try #require(observer.telemetry(group).last)
            let command = try #require(observer.lastCommand(group, before: at))
            #expect(telemetry.appliedSeq >= command.seq, "\(group) applied the latest command sent before its last report")
            #expect(telemetry.minersRunning == command.minersRunning)
        }
        let states = observer.states
        #expect((states.last?.counters.decisions ?? 0) > 0)
    }

    @Test(
        "a broker killed and restarted 20 times in a simulated day loses no command: each group ends each interval on the target the audit log says was sent"
    )
    func brokerRestartedTwentyTimes() async throws {
        // The real 6 Sep 2023 at HB_WEST (its evening spike makes the targets move), a day in a minute.
        let scenario = try ScenarioFile.load(path: TestRepository.path("Simulator/Scenarios/ercot-2023-09-06.yaml"))
        let settings = try SiteFile.load(path: TestRepository.exampleSite)
        let inputs = try ScenarioInputs.load(scenario: scenario, site: settings.site, dataDirectory: TestRepository.data.path)
        // Commands live an hour, so a broker outage (about a second, 25 simulated minutes) does not expire them.
        let siteYAML = try String(contentsOfFile: TestRepository.exampleSite, encoding: .utf8) + "controller:\n  command_ttl: 1h\n"
        var loop = try Loop(minutes: 24 * 60, speed: 1440, prices: [], siteYAML: siteYAML)
        loop.scenario.start = scenario.start
        loop.prices = inputs.prices
        loop.hashPrice = inputs.hashPrice(at: scenario.start) ?? 0.06
        let start = scenario.start
        let directory = FileManager.default.temporaryDirectory.appending(path: "curtail-restarts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let auditPath = directory.appending(path: "audit.sqlite").path
        let (observer, _) = try await loop.run(auditPath: auditPath) { broker, clock in
            for k in 1...20 {
                try await clock.sleep(until: start.adding(seconds: Double(k) * 66 * 60), tolerance: nil)
                await broker.stop(.kill)
                try await Task.sleep(for: .milliseconds(200))
                try await broker.start()
            }
        }
        // What the controller recorded as sent, per group.
        let log = try AuditLog(path: auditPath)
        let rows = try log.rows(.commands, from: start, to: start.adding(seconds: 86_400 + 3600)).rows
        var sent: [String: [(issued: Timestamp, seq: Int64, running: Int)]] = [:]
        for row in rows {  // seq, ts, grp, issued_at, expires_at, miners_running, ...
            guard let seq = Int64(row[0]), let issued = Timestamp(iso8601: row[3]), let running = Int(row[5]) else { continue }
            sent[row[2], default: []].append((issued, seq, running))
        }
        #expect(sent.count == 3 && rows.count > 100)
        var checked = 0
        var wrong: [String] = []
        for interval in 1...96 {
            let end = start.adding(seconds: Double(interval) * 900)
            for group in ["s19jpro", "s19xp", "s21"] {
                // Judge only settled intervals: no command in the last 6 minutes (an S19j Pro wakes in 5),
                // and fresh telemetry (the broker was up at the interval's end).
                guard let command = sent[group]?.last(where: { $0.issued <= end.adding(seconds: -360) }),
                    sent[group]?.contains(where: { $0.issued > end.adding(seconds: -360) && $0.issued <= end }) == false,
                    let report = observer.telemetry(group).last(where: { $0.at <= end && $0.at > end.adding(seconds: -30) })?.telemetry
                else { continue }
                checked += 1
                if report.appliedSeq < command.seq || report.minersRunning != command.running {
                    wrong.append(
                        "\(group) at \(end): log says seq \(command.seq) with \(command.running) running; miners report seq \(report.appliedSeq), \(report.minersRunning) running"
                    )
                }
            }
        }
        #expect(checked >= 120, "enough settled intervals to judge: \(checked)")
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }

    /// Where a restarted controller finds what it had: the broker's retained messages (no audit
    /// database), or its audit database (the broker is killed and restarted too, losing every
    /// retained message).
    enum Resume: String, CaseIterable, Sendable {
        case retained
        case auditLog
    }

    @Test(
        "the controller killed and restarted resumes its commands and active events without flapping",
        arguments: Resume.allCases
    )
    func controllerKilledAndRestarted(_ resume: Resume) async throws {
        // `curtail run` as a user runs it, following the simulator's clock at 60× (a simulated
        // minute per second). The policy has a ±10 $/MWh band: at 85 $/MWh a running S19j Pro
        // (break-even 83) stays on, but one that is off would not start. A controller that forgot
        // its state would switch it off after the restart: that is the flap this test catches.
        let directory = FileManager.default.temporaryDirectory.appending(path: "curtail-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let policyPath = directory.appending(path: "sticky.yaml").path
        let policyYAML = """
            policy: sticky
            economics: {price: rt, pool_fee: 0.02}
            hysteresis: {price_band_usd_per_mwh: 10}
            failsafe: {stale_price_after: 20m, on_stale_price: hold}
            rules: []
            """
        try policyYAML.write(toFile: policyPath, atomically: true, encoding: .utf8)
        let siteYAML =
            try String(contentsOfFile: Repository.exampleSite, encoding: .utf8)
            .replacingOccurrences(of: "policy: ../breakeven.yaml", with: "policy: \(policyPath)")
            + "\ncontroller:\n  command_ttl: 10m\n"
        let sitePath = directory.appending(path: "site.yaml").path
        try siteYAML.write(toFile: sitePath, atomically: true, encoding: .utf8)
        let auditPath = directory.appending(path: "audit.sqlite").path

        // 1-minute prices: 30 $/MWh, then 85 from the third minute on.
        var loop = try Loop(minutes: 10, speed: 60, prices: [30, 30] + Array(repeating: 85, count: 10), intervalMinutes: 1, siteYAML: siteYAML)
        let start = loop.scenario.start
        let killedAt = start.adding(seconds: 200)
        let eventStart = start.adding(seconds: 420)
        // Announced before the crash, in force after it: the restarted controller only knows it from its retained state.
        loop.scenario.schedule = [
            .init(
                at: start.adding(seconds: 60),
                signal: .event(
                    GridEvent(
                        id: "ERS-K1",
                        program: "ERS-30",
                        start: eventStart,
                        end: eventStart.adding(seconds: 120),
                        target: .maximum(Megawatts(0.5))
                    )
                )
            )
        ]
        let curtail = try curtailExecutable()
        let (observer, _) = try await loop.run(controllerInProcess: false) { broker, clock in
            let audit = resume == .auditLog ? ["--audit-db", auditPath] : ["--no-audit"]
            // A fixed instance name, as a service unit gives it: the second life is the same instance
            // (same client id), so it finds its own lease record and claims at once. (Without it, a
            // `curtail run` of another test for this site could hold instance 1, and the second
            // life, as instance 2, would rightly wait out the first life's lease.)
            let arguments =
                ["run", "--config", sitePath, "--broker", broker.url, "--sim-clock", "--log-level", "error", "--metrics", "off", "--instance", "e2e"]
                + audit
            // First life: killed with SIGKILL (no clean disconnect: the broker publishes the will).
            _ = try await Subprocess.run(.path(FilePath(curtail)), arguments: .init(arguments), input: .none, output: .discarded, error: .discarded) {
                execution in
                try await clock.sleep(until: killedAt, tolerance: nil)
                try execution.send(signal: .kill)
            }
            if resume == .auditLog {
                // The broker dies too and comes back empty: nothing retained survives.
                await broker.stop(.kill)
                try await broker.start()
            }
            // Second life, until the run ends (the test cancels this task; SIGTERM on the way out).
            _ = try await Subprocess.run(.path(FilePath(curtail)), arguments: .init(arguments), input: .none, output: .discarded, error: .discarded) {
                execution in
                await withTaskCancellationHandler {
                    try? await Task.sleep(for: .seconds(3600))
                } onCancel: {
                    try? execution.send(signal: .terminate)
                }
            }
        }
        let status = observer.all.filter { $0.topic == loop.topics.status }
        if resume == .retained { #expect(status.contains { $0.text == "offline" }, "the will announced the crash") }
        #expect(status.contains { $0.text == "online" && $0.at < killedAt }, "the first life announced itself")
        #expect(status.contains { $0.text == "online" && $0.at > killedAt }, "the second life announced itself after the crash")
        // Before the crash the S19j Pro was running at 85 $/MWh.
        let s19 = observer.commands("s19jpro")
        let beforeCrash = try #require(s19.last { $0.at < killedAt }?.command)
        #expect(beforeCrash.minersRunning == 1000)
        // No flapping: until the event starts, nothing the second life sends or states changes a target.
        let resumedStates = observer.states.filter { $0.ts > killedAt }
        #expect(
            resumedStates.contains { $0.ts < eventStart },
            "the second life decided before the event started (so the no-flap checks below are not empty)"
        )
        for group in ["s19jpro", "s19xp", "s21"] {
            let commands = observer.commands(group)
            let before = try #require(commands.last { $0.at < killedAt }?.command)
            for (at, command) in commands where at > killedAt && at < eventStart {
                #expect(
                    command.minersRunning == before.minersRunning && command.powerTargetW == before.powerTargetW,
                    "\(group) kept its target"
                )
                #expect(command.seq > before.seq)
            }
            for state in resumedStates where state.ts < eventStart {
                #expect(state.groups.first { $0.name == group }?.minersRunning == before.minersRunning, "\(group) target in the state")
            }
        }
        // The event came back from the retained state, was enforced, and got its compliance report.
        #expect(resumedStates.contains { $0.activeEvents.contains { $0.id == "ERS-K1" } })
        #expect(s19.contains { $0.at >= eventStart && $0.command.minersRunning == 0 })
        let final = try #require(observer.reports.last { $0.id == "ERS-K1" })
        #expect(final.status == .completed && final.met == true)
        if resume == .auditLog {
            // What was curtailed when, from the audit database: the commands of both lives, and the event.
            let commands = try CurtailProcess.run(["log", "--db", auditPath, "--table", "commands", "--csv"])
            #expect(commands.status == 0)
            let lines = commands.stdout.split(separator: "\n")
            #expect(lines.first?.hasPrefix("seq,ts,grp,") == true)
            let logged = Set(lines.dropFirst().compactMap { Int64($0.prefix { $0 != "," }) })
            let seen = Set(["s19jpro", "s19xp", "s21"].flatMap { observer.commands($0).map { $0.command.seq } })
            #expect(!seen.isEmpty && seen.isSubset(of: logged), "every command seen on the wire is in the audit log")
            let events = try CurtailProcess.run(["log", "--db", auditPath, "--table", "events", "--csv"])
            #expect(events.stdout.contains("ERS-K1") && events.stdout.contains("completed"))
        }
    }
}

/// The built `curtail` executable next to the test bundle.
func curtailExecutable() throws -> String { try CurtailProcess.executable() }
