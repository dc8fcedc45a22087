import CurtailAudit
import CurtailController
import CurtailCore
import CurtailPolicyFiles
import CurtailSite
import CurtailTestSupport
import CurtailWire
import Foundation
import GridSimulator
import LocalBroker
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Two `curtail run` processes for one site through a real mosquitto, the simulator as the grid
/// and the miners: the active one killed (SIGKILL, SIGTERM), frozen (SIGSTOP) and the broker
/// restarted under them. Everything is judged from the wire (an observer on `site/west-texas-1/#`)
/// and the audit databases.
@Suite(
    "Active/standby failover through mosquitto",
    .wallClockLoop,
    .timeLimit(.minutes(8)),
    .enabled(if: brokerAvailable, "needs the mosquitto broker")
)
struct FailoverTests {
    /// A site file for the pair (`controller.lease`, `command_ttl`) in a fresh directory that
    /// also holds the audit databases and logs.
    struct Setup {
        let directory: URL
        let sitePath: String
        let siteYAML: String

        init(lease: String, commandTTL: String) throws {
            directory = FileManager.default.temporaryDirectory.appending(path: "curtail-pair-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            siteYAML =
                try String(contentsOfFile: TestRepository.exampleSite, encoding: .utf8)
                .replacingOccurrences(of: "policy: ../breakeven.yaml", with: "policy: \(TestRepository.path("Policies/breakeven.yaml"))")
                + "\ncontroller:\n  command_ttl: \(commandTTL)\n  lease: \(lease)\n"
            sitePath = directory.appending(path: "site.yaml").path
            try siteYAML.write(toFile: sitePath, atomically: true, encoding: .utf8)
        }

        func process(_ instance: String, broker: MosquittoBroker) -> ControllerProcess {
            ControllerProcess(instance: instance, sitePath: sitePath, brokerURL: broker.url, directory: directory)
        }

        /// Starts `a`, then 3 s later `b` (so `a` is active and `b` stands by), and runs `body`;
        /// on the way out, whatever happened, both are resumed and SIGKILLed.
        func withPair(
            broker: MosquittoBroker,
            _ body: (inout ThrowingTaskGroup<Void, any Error>, ControllerProcess, ControllerProcess) async throws -> Void
        ) async throws {
            let a = process("a", broker: broker)
            let b = process("b", broker: broker)
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer {
                    for p in [a, b] {
                        p.send(SIGCONT)
                        p.send(SIGKILL)
                    }
                }
                try await a.start(in: &group)
                try await Task.sleep(for: .seconds(3))
                try await b.start(in: &group)
                try await Task.sleep(for: .seconds(3))
                try await body(&group, a, b)
                try await group.waitForAll()
            }
        }

        /// The end of instance `name`'s log (it stays until ``remove()``), for failure messages.
        func log(_ name: String) -> String { ControllerProcess.tail(of: directory.appending(path: "\(name).log").path) }

        /// Both logs' ends.
        var logs: String { "a:\n\(log("a"))\nb:\n\(log("b"))" }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test(
        "SIGKILL the active: the standby takes over within lease + 5 s, seq never goes back, no lower-term command is obeyed after; the old one comes back as a standby"
    )
    func killActive() async throws {
        let setup = try Setup(lease: "3s", commandTTL: "30m")
        defer { setup.remove() }
        // The price for the interval ending at 15 min (published then) is 95: the new active decides it.
        let loop = try Loop(minutes: 26, speed: 60, prices: [30, 95, 95], siteYAML: setup.siteYAML)
        let killedAt = Mutex<Timestamp?>(nil)
        let restartedAt = Mutex<Timestamp?>(nil)
        let (observer, _) = try await loop.run(controllerInProcess: false) { broker, clock in
            try await setup.withPair(broker: broker) { group, a, b in
                killedAt.withLock { $0 = clock.now }
                a.send(SIGKILL)
                try await a.waitUntilExited()
                try await Task.sleep(for: .seconds(9))
                restartedAt.withLock { $0 = clock.now }
                try await a.start(in: &group)  // back, with the same instance name
                try await Task.sleep(for: .seconds(6))
                a.send(SIGTERM)
                b.send(SIGTERM)
            }
        }
        let log = setup.logs
        let killed = try #require(killedAt.withLock { $0 })
        let restarted = try #require(restartedAt.withLock { $0 })
        let pair = PairView(observer, speed: loop.scenario.speed)

        #expect(pair.leaders.first?.record.holder.hasSuffix("-a") == true && pair.leaders.first?.record.term == 1, "a held term 1\n\(log)")
        let takeover = try #require(pair.firstOnline(after: killed), "nobody took over\n\(log)")
        let wallSeconds = killed.duration(to: takeover).inSeconds / loop.scenario.speed
        #expect(wallSeconds <= 3 + 5, "took over \(wallSeconds) s after the kill")
        let after = pair.leaders.filter { $0.at > killed }
        #expect(!after.isEmpty && after.allSatisfy { $0.record.holder.hasSuffix("-b") && $0.record.term == 2 }, "only b, term 2, after the kill")
        #expect(pair.leaders.filter { $0.at > restarted }.allSatisfy { !$0.record.holder.hasSuffix("-a") }, "the old active stood by")
        pair.expectSeqAlwaysGrows()
        pair.expectNoLowerTermObeyed()
        #expect(pair.telemetry.contains { $0.telemetry.appliedTerm == 2 }, "the miners obeyed the new term")
    }

    @Test("SIGSTOP the active past its lease: the standby takes over; resumed, the old active steps down and publishes nothing")
    func freezeActive() async throws {
        let setup = try Setup(lease: "3s", commandTTL: "30m")
        defer { setup.remove() }
        let loop = try Loop(minutes: 22, speed: 60, prices: [30, 30, 95, 95], siteYAML: setup.siteYAML)
        let frozenAt = Mutex<Timestamp?>(nil)
        let thawedAt = Mutex<Timestamp?>(nil)
        let stoppingAt = Mutex<Timestamp?>(nil)
        let (observer, _) = try await loop.run(controllerInProcess: false) { broker, clock in
            try await setup.withPair(broker: broker) { _, a, b in
                frozenAt.withLock { $0 = clock.now }
                a.send(SIGSTOP)
                try await Task.sleep(for: .seconds(8))  // past the 3 s lease: b takes over
                thawedAt.withLock { $0 = clock.now }
                a.send(SIGCONT)
                try await Task.sleep(for: .seconds(6))
                stoppingAt.withLock { $0 = clock.now }
                a.send(SIGTERM)
                b.send(SIGTERM)
            }
        }
        let log = setup.log("a")
        let frozen = try #require(frozenAt.withLock { $0 })
        let thawed = try #require(thawedAt.withLock { $0 })
        let stopping = try #require(stoppingAt.withLock { $0 })
        let pair = PairView(observer, speed: loop.scenario.speed)
        let takeover = try #require(pair.firstOnline(after: frozen), "nobody took over")
        #expect(takeover < thawed)
        // After the thaw, nothing from a: no lease record, no term-1 command, no state of its own.
        // (Until both are told to stop: if b's release reaches a before a's own SIGTERM, a, then
        // the standby, rightly claims the released lease and releases it again on its way out.)
        let fromA = observer.all.filter { $0.at > thawed && $0.at < stopping }.filter { record in
            if record.topic == observer.topics.leader, let leader = try? LeaderPayload(decoding: record.payload) {
                return leader.holder.hasSuffix("-a")
            }
            if record.topic.hasSuffix("/command"), let command = try? CommandPayload(decoding: record.payload) { return command.term < 2 }
            if record.topic == observer.topics.state, let state = try? StatePayload(decoding: record.payload) {
                return state.controller?.hasSuffix("-a") == true
            }
            return false
        }
        #expect(fromA.isEmpty, "a published after it was resumed: \(fromA.map { "\($0.topic) \($0.text)" })\n\(log)")
        #expect(log.contains("standing by: its lease lapsed"), "a says why it stands by:\n\(log)")
        pair.expectSeqAlwaysGrows()
        pair.expectNoLowerTermObeyed()
    }

    @Test("the broker killed and restarted empty during a takeover: one new active, commands continue above, the miners follow it")
    func brokerRestartDuringTakeover() async throws {
        let setup = try Setup(lease: "3s", commandTTL: "30m")
        defer { setup.remove() }
        // The price for the interval ending at 30 min (published then) is 95: the new active,
        // in charge by about 14 min, decides it with its term.
        let loop = try Loop(minutes: 40, speed: 60, prices: [30, 30, 95, 95], siteYAML: setup.siteYAML)
        let killedAt = Mutex<Timestamp?>(nil)
        let (observer, _) = try await loop.run(controllerInProcess: false) { broker, clock in
            try await setup.withPair(broker: broker) { _, a, b in
                killedAt.withLock { $0 = clock.now }
                a.send(SIGKILL)
                try await Task.sleep(for: .milliseconds(1500))  // b is waiting out a's lease ...
                await broker.stop(.kill)  // ... when the broker dies and comes back with nothing retained
                try await Task.sleep(for: .milliseconds(500))
                try await broker.start()
                try await Task.sleep(for: .seconds(26))
                b.send(SIGTERM)
            }
        }
        let log = setup.logs
        let killed = try #require(killedAt.withLock { $0 })
        let pair = PairView(observer, speed: loop.scenario.speed)
        let takeover = try #require(pair.firstOnline(after: killed), "nobody took over\n\(log)")
        let after = pair.leaders.filter { $0.at > killed }
        #expect(!after.isEmpty && after.allSatisfy { $0.record.holder.hasSuffix("-b") && $0.record.term == 2 }, "b alone, term 2\n\(log)")
        let newCommands = ["s19jpro", "s19xp", "s21"].flatMap { observer.commands($0).filter { $0.at >= takeover } }
        #expect(newCommands.contains { $0.command.term == 2 }, "b commands after the takeover\n\(log)")
        pair.expectSeqAlwaysGrows()
        pair.expectNoLowerTermObeyed()
        #expect(pair.telemetry.contains { $0.telemetry.appliedTerm == 2 }, "the miners obeyed the new term")
    }

    @Test(
        "a real day with 50 forced failovers (SIGKILL and SIGTERM in turn): every settled interval of every group matches the audit logs; no command lost, none obeyed twice"
    )
    func fiftyFailovers() async throws {
        // The real 6 Sep 2023 at HB_WEST, a day in 2 minutes; a 1 s lease; commands live an
        // hour, so a takeover gap (about 15 simulated minutes after a SIGKILL) expires none.
        let setup = try Setup(lease: "1s", commandTTL: "1h")
        defer { setup.remove() }
        let scenario = try ScenarioFile.load(path: TestRepository.path("Simulator/Scenarios/ercot-2023-09-06.yaml"))
        let settings = try SiteFile.load(path: TestRepository.exampleSite)
        let inputs = try ScenarioInputs.load(scenario: scenario, site: settings.site, dataDirectory: TestRepository.data.path)
        var loop = try Loop(minutes: 24 * 60, speed: 720, prices: [], siteYAML: setup.siteYAML)
        loop.scenario.start = scenario.start
        loop.prices = inputs.prices
        loop.hashPrice = inputs.hashPrice(at: scenario.start) ?? 0.06
        let start = scenario.start
        let speed = loop.scenario.speed
        let topics = loop.topics
        let failovers = Mutex<[(at: Timestamp, instance: String, signal: Int32, term: Int64)]>([])

        let (observer, _) = try await loop.run(controllerInProcess: false) { broker, clock in
            let processes = ["a": setup.process("a", broker: broker), "b": setup.process("b", broker: broker)]
            let watcher = try Observer(broker: broker, clock: clock, topics: topics)
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { for process in processes.values { process.send(SIGKILL) } }
                group.addTask { try await watcher.run() }
                func holder() -> LeaderPayload? {
                    watcher.latest { $0.topic == topics.leader }.flatMap { try? LeaderPayload(decoding: $0.payload) }
                }
                try await processes["a"]!.start(in: &group)
                try await Task.sleep(for: .milliseconds(1500))
                try await processes["b"]!.start(in: &group)
                try await Task.sleep(for: .milliseconds(1500))
                for k in 1...50 {
                    try await clock.sleep(until: start.adding(seconds: Double(k) * 86_400 / 55), tolerance: nil)
                    // A quiet moment: no command for 0.3 s (wall).
                    let quietSince = ContinuousClock.now
                    while let last = watcher.latest(where: { $0.topic.hasSuffix("/command") })?.at,
                        last.duration(to: clock.now).inSeconds < 0.3 * speed, ContinuousClock.now - quietSince < .seconds(10)
                    {
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    let lease = try #require(holder(), "no lease record before failover \(k)")
                    let instance = String(lease.holder.suffix(1))
                    let victim = try #require(processes[instance], "holder \(lease.holder)")
                    let signal = k % 2 == 1 ? SIGKILL : SIGTERM
                    if signal == SIGKILL {
                        // A crash loses the audit records of the last moments (the writer commits
                        // behind the publish; under load, later than 0.3 s): kill once the victim's
                        // database holds every command of its term seen on the wire, to judge
                        // what a crash must never lose.
                        let deadline = ContinuousClock.now + .seconds(10)
                        while !Self.journalHolds(watcher.observed, term: lease.term, auditPath: victim.auditPath), ContinuousClock.now < deadline {
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                    failovers.withLock { $0.append((clock.now, instance, signal, lease.term)) }
                    victim.send(signal)
                    // The other takes over with a higher term.
                    let deadline = ContinuousClock.now + .seconds(15)
                    while ContinuousClock.now < deadline {
                        if let next = holder(), next.term > lease.term, !next.released, next.holder != lease.holder { break }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    try await victim.waitUntilExited()
                    try await victim.start(in: &group)  // back as the standby
                    try await Task.sleep(for: .milliseconds(1000))
                }
                try await clock.sleep(until: start.adding(seconds: 86_400 - 300), tolerance: nil)
                for process in processes.values { process.send(SIGTERM) }
                for process in processes.values { try await process.waitUntilExited() }
                group.cancelAll()
            }
        }
        let log = setup.logs
        let done = failovers.withLock { $0 }
        #expect(done.count == 50, "\(done.count) failovers\n\(log)")
        let pair = PairView(observer, speed: speed)
        let terms = Set(pair.leaders.map(\.record.term))
        #expect(terms.count >= 51, "a new term for each failover: \(terms.sorted())")
        pair.expectSeqAlwaysGrows()
        pair.expectNoLowerTermObeyed()

        // What the two controllers recorded as sent: each command in exactly one audit log; and
        // what each followed as the standby (its `inputs` table).
        struct Sent: Hashable {
            var group: String
            var seq: Int64
            var term: Int64
            var running: Int
        }
        var logged: [Int64: (sent: Sent, issued: Timestamp, log: String)] = [:]
        var followed: [String: Set<Sent>] = [:]
        var duplicates: [Int64] = []
        for instance in ["a", "b"] {
            let audit = try AuditLog(path: setup.directory.appending(path: "\(instance).sqlite").path)
            let table = try audit.rows(.commands, from: start.adding(seconds: -3600), to: start.adding(seconds: 2 * 86_400))
            let column = Dictionary(uniqueKeysWithValues: table.columns.enumerated().map { ($1, $0) })
            for row in table.rows {
                guard let seq = Int64(row[column["seq"]!]), let term = Int64(row[column["term"]!]),
                    let running = Int(row[column["miners_running"]!]), let issued = Timestamp(iso8601: row[column["issued_at"]!])
                else {
                    Issue.record("unreadable audit row \(row)")
                    continue
                }
                if logged[seq] != nil { duplicates.append(seq) }
                logged[seq] = (Sent(group: row[column["grp"]!], seq: seq, term: term, running: running), issued, instance)
            }
            let inputs = try audit.rows(.inputs, from: start.adding(seconds: -3600), to: start.adding(seconds: 2 * 86_400))
            let topic = try #require(inputs.columns.firstIndex(of: "topic"))
            let payload = try #require(inputs.columns.firstIndex(of: "payload"))
            for row in inputs.rows where row[topic].hasSuffix("/command") {
                let group = row[topic].split(separator: "/").dropLast().last.map(String.init) ?? ""
                if let command = try? CommandPayload(decoding: Array(row[payload].utf8)) {
                    followed[instance, default: []].insert(Sent(group: group, seq: command.seq, term: command.term, running: command.minersRunning))
                }
            }
        }
        #expect(duplicates.isEmpty, "seq recorded twice: \(duplicates.prefix(5))")
        #expect(Set(logged.values.map(\.log)) == ["a", "b"], "both controllers commanded")
        let recorded = Set(logged.values.map(\.sent))
        let wire = pair.groups.flatMap { g in
            observer.commands(g).map {
                (Sent(group: g, seq: $0.command.seq, term: $0.command.term, running: $0.command.minersRunning), $0.command.issuedAt)
            }
        }
        let onWire = Set(wire.map(\.0))
        #expect(recorded.count > 150, "\(recorded.count) commands")
        #expect(
            recorded.subtracting(onWire).isEmpty,
            "recorded, never on the wire: \(recorded.subtracting(onWire).sorted { $0.seq < $1.seq }.prefix(5))"
        )
        // A command on the wire in no commands table can only be one a SIGKILLed controller
        // published in its last moments, before its writer committed it (the journal records behind
        // the publish); the other controller, then the standby, followed it and holds it in its
        // inputs. The test waits for the victim's writer before each kill, so these are rare.
        let killedTerms = Dictionary(
            failovers.withLock { $0 }.filter { $0.signal == SIGKILL }.map { ($0.term, $0.instance) },
            uniquingKeysWith: { a, _ in a }
        )
        let unrecorded = onWire.subtracting(recorded)
        for sent in unrecorded.sorted(by: { $0.seq < $1.seq }) {
            let victim = killedTerms[sent.term]
            let survivor = victim == "a" ? "b" : "a"
            #expect(
                victim != nil && followed[survivor, default: []].contains(sent),
                "on the wire, in no audit log: \(sent) (killed terms \(killedTerms.keys.sorted()))"
            )
        }
        // "Its last moments": published after the test found the victim's journal complete, so
        // within a second (wall) of the kill. How many depends on whether a price landed in that
        // window, not on the controller; when each was sent does not.
        let killedAt = Dictionary(
            failovers.withLock { $0 }.filter { $0.signal == SIGKILL }.map { ($0.term, $0.at) },
            uniquingKeysWith: { a, _ in a }
        )
        for (sent, issued) in wire where unrecorded.contains(sent) {
            guard let kill = killedAt[sent.term] else { continue }  // reported above
            #expect(
                issued >= kill.adding(seconds: -1.0 * speed) && issued <= kill,
                "\(sent) issued at \(issued), not in the last second before its controller was killed at \(kill)"
            )
        }
        // The commands in force, as far as the audit logs (either table) show them.
        for (sent, issued) in wire where unrecorded.contains(sent) && logged[sent.seq] == nil {
            logged[sent.seq] = (sent, issued, "followed")
        }
        // Every command the miners say they applied is a recorded one (and, by the order check, once).
        for (group, _, telemetry) in pair.telemetry where telemetry.appliedSeq > 0 {
            let sent = logged[telemetry.appliedSeq]?.sent
            #expect(
                sent?.group == group && sent?.term == telemetry.appliedTerm,
                "\(group) applied seq \(telemetry.appliedSeq) term \(telemetry.appliedTerm)"
            )
        }

        // Each group ends each settled interval on the command the audit logs say was in force.
        var checked = 0
        var wrong: [String] = []
        for interval in 1...96 {
            let end = start.adding(seconds: Double(interval) * 900)
            for group in pair.groups {
                let sent = logged.values.filter { $0.sent.group == group }
                // Settled: no command in the last 6 minutes (an S19j Pro wakes in 5), and fresh telemetry.
                guard let command = sent.filter({ $0.issued <= end.adding(seconds: -360) }).max(by: { $0.sent.seq < $1.sent.seq }),
                    !sent.contains(where: { $0.issued > end.adding(seconds: -360) && $0.issued <= end }),
                    let report = observer.telemetry(group).last(where: { $0.at <= end && $0.at > end.adding(seconds: -30) })?.telemetry
                else { continue }
                checked += 1
                if report.appliedSeq != command.sent.seq || report.appliedTerm != command.sent.term || report.minersRunning != command.sent.running {
                    wrong.append(
                        "\(group) at \(end): logs say seq \(command.sent.seq) term \(command.sent.term) with \(command.sent.running) running; miners report seq \(report.appliedSeq) term \(report.appliedTerm), \(report.minersRunning) running"
                    )
                }
            }
        }
        #expect(checked >= 120, "enough settled intervals to judge: \(checked)")
        #expect(wrong.isEmpty, "\(wrong.prefix(5))")
    }
}

extension FailoverTests {
    /// Whether the audit database at `auditPath` holds every command of `term` in `observed`.
    static func journalHolds(_ observed: Observed, term: Int64, auditPath: String) -> Bool {
        let seen = Set(["s19jpro", "s19xp", "s21"].flatMap { observed.commands($0).filter { $0.command.term == term }.map(\.command.seq) })
        guard !seen.isEmpty else { return true }
        guard let audit = try? AuditLog(path: auditPath),
            let table = try? audit.rows(.commands, from: Timestamp(millisecondsSinceEpoch: 0), to: Timestamp(millisecondsSinceEpoch: 1 << 50)),
            let seq = table.columns.firstIndex(of: "seq")
        else { return false }
        return seen.isSubset(of: Set(table.rows.compactMap { Int64($0[seq]) }))
    }
}

/// What a run of a pair looks like on the wire.
struct PairView {
    let observer: Observed
    let speed: Double

    init(_ observer: Observed, speed: Double) {
        self.observer = observer
        self.speed = speed
    }

    /// Every lease record seen, in order.
    var leaders: [(at: Timestamp, record: LeaderPayload)] {
        observer.all.filter { $0.topic == observer.topics.leader }.compactMap { r in (try? LeaderPayload(decoding: r.payload)).map { (r.at, $0) } }
    }

    /// The first `online` on the status topic after `time`: a controller taking charge.
    func firstOnline(after time: Timestamp) -> Timestamp? {
        observer.all.first { $0.at > time && $0.topic == observer.topics.status && $0.text == "online" }?.at
    }

    var groups: [String] { ["s19jpro", "s19xp", "s21"] }

    var telemetry: [(group: String, at: Timestamp, telemetry: TelemetryPayload)] {
        groups.flatMap { g in observer.telemetry(g).map { (g, $0.at, $0.telemetry) } }
    }

    /// Each group's commands, in the order the broker delivered them, have strictly growing
    /// `seq` and never a lower term: two controllers never fought over a group.
    func expectSeqAlwaysGrows(sourceLocation: SourceLocation = #_sourceLocation) {
        for group in groups {
            let commands = observer.commands(group).map(\.command)
            for (previous, next) in zip(commands, commands.dropFirst()) {
                #expect(
                    next.seq > previous.seq && next.term >= previous.term,
                    "\(group): seq \(previous.seq) term \(previous.term) then seq \(next.seq) term \(next.term)",
                    sourceLocation: sourceLocation
                )
            }
        }
    }

    /// What the miners applied (their telemetry's `applied_term`, `applied_seq`) never goes back.
    func expectNoLowerTermObeyed(sourceLocation: SourceLocation = #_sourceLocation) {
        for group in groups {
            let applied = observer.telemetry(group).map { ($0.telemetry.appliedTerm, $0.telemetry.appliedSeq) }
            for (previous, next) in zip(applied, applied.dropFirst()) {
                #expect(
                    next.0 > previous.0 || (next.0 == previous.0 && next.1 >= previous.1),
                    "\(group) applied term \(next.0) seq \(next.1) after term \(previous.0) seq \(previous.1)",
                    sourceLocation: sourceLocation
                )
            }
        }
    }
}
