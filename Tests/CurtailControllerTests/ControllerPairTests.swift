import CurtailController
import CurtailCore
import CurtailPolicyFiles
import CurtailSite
import CurtailTestSupport
import CurtailWire
import GridSimulator
import Testing

/// Two controllers of one site in process, on simulated time, around one in-memory broker that
/// delivers every message to everyone in publication order and keeps retained ones: the lease,
/// the takeover and fencing, deterministic. (The same with `curtail run` processes, SIGKILL and
/// SIGSTOP through mosquitto is in `FailoverTests`.)
@Suite("Controller pair in process")
struct ControllerPairTests {
    static let start = Timestamp(iso8601: "2023-09-06T15:00:00Z")!

    /// The broker, the controllers (`nil`: dead) and the miners.
    struct Site {
        let configuration: ControllerConfiguration
        var loops: [ControllerLoop?]
        var miners: SimulatedSite
        var retained: [String: [UInt8]] = [:]
        var now: Timestamp
        /// Every message published, in order: who published it (controller index, nil: the grid or the miners).
        var wire: [(at: Timestamp, from: Int?, topic: String, payload: [UInt8])] = []
        /// What the miners did with each command.
        var minerOutcomes: [(command: CommandPayload, outcome: SimulatedSite.CommandOutcome)] = []
        var notes: [[String]]

        init(names: [String]) throws {
            let settings = try SiteFile.load(path: TestRepository.exampleSite)
            let policy = try ConfigurationFiles.load(policyPath: TestRepository.path("Policies/breakeven.yaml"), sitePath: TestRepository.exampleSite)
                .policy
            configuration = ControllerConfiguration(settings: settings, policy: policy)
            var scenario = Scenario(
                name: "pair",
                start: ControllerPairTests.start,
                durationSeconds: 86_400,
                prices: .synthetic(.init()),
                hashPrice: .fixed(0.06)
            )
            scenario.frequencyInterval = 0
            miners = SimulatedSite(site: settings.site, scenario: scenario, topics: configuration.topics)
            now = ControllerPairTests.start
            loops = []
            notes = []
            for name in names { try start(name) }
        }

        var topics: ControllerTopics { configuration.topics }
        var wall: Duration { ControllerPairTests.start.duration(to: now) }

        /// Starts (or restarts) controller `name`: it connects and gets the retained messages.
        mutating func start(_ name: String, at index: Int? = nil) throws {
            let loop = ControllerLoop(
                core: try ControllerCore(configuration: configuration),
                observeWindow: .seconds(1),
                journaling: false,
                identity: name
            )
            let i: Int
            if let index {
                loops[index] = loop
                notes[index] = []
                i = index
            } else {
                loops.append(loop)
                notes.append([])
                i = loops.count - 1
            }
            handle(.connected, on: i)
            for (topic, payload) in retained.sorted(by: { $0.key < $1.key }) { handle(.message(topic: topic, payload: payload), on: i) }
        }

        mutating func handle(_ input: ControllerLoop.Input, on i: Int) {
            guard loops[i] != nil else { return }
            let effects = loops[i]!.handle(input, now: now, wall: wall)
            notes[i] += effects.notes
            for message in effects.publish { publish(message.topic, message.payload, retain: message.retain, from: i) }
        }

        /// The broker: keeps it if retained, hands it to the miners and to every live controller.
        mutating func publish(_ topic: String, _ payload: [UInt8], retain: Bool = false, from: Int? = nil) {
            wire.append((now, from, topic, payload))
            if retain { retained[topic] = payload }
            if let outcome = miners.receive(topic: topic, payload: payload, at: now), let command = try? CommandPayload(decoding: payload) {
                minerOutcomes.append((command, outcome))
            }
            for i in loops.indices where subscribed(i, to: topic) { handle(.message(topic: topic, payload: payload), on: i) }
        }

        /// What the service subscribes to: the inputs, the lease and the status always; the
        /// commands, state and reports while not active.
        func subscribed(_ i: Int, to topic: String) -> Bool {
            guard let loop = loops[i] else { return false }
            let t = topics
            if [t.price, t.events, t.alerts, t.frequency, t.hashPrice, t.meter, t.leader, t.status].contains(topic) { return true }
            if t.group(in: topic, leaf: "telemetry") != nil { return true }
            let own =
                t.group(in: topic, leaf: "command") != nil || topic == t.state
                || (topic.hasPrefix(t.siteBase + "/events/") && topic.hasSuffix("/report"))
            return own && !loop.lease.isActive
        }

        mutating func publish(_ topic: String, _ payload: some WirePayload) throws {
            publish(topic, try payload.encode())
        }

        /// Runs `seconds` of simulated time: a tick a second, telemetry every 10 s.
        mutating func run(for seconds: Int) throws {
            for _ in 0..<seconds {
                now = now.adding(seconds: 1)
                if Int(ControllerPairTests.start.duration(to: now).inSeconds) % 10 == 0 {
                    let readout = miners.readout(at: now)
                    for (topic, report) in readout.telemetry { publish(topic, try report.encode()) }
                    publish(readout.meter.topic, try readout.meter.payload.encode())
                }
                for i in loops.indices { handle(.tick, on: i) }
            }
        }

        var active: [Int] { loops.indices.filter { loops[$0]?.lease.isActive == true } }

        /// Commands on the wire for `group`, with their publisher.
        func commands(_ group: String) -> [(at: Timestamp, from: Int?, command: CommandPayload)] {
            wire.filter { $0.topic == topics.command(group: group) }.compactMap { w in
                (try? CommandPayload(decoding: w.payload)).map { (w.at, w.from, $0) }
            }
        }
    }

    @Test(
        "the standby takes over when the active dies: within lease + 5 s, seq continues, the event and its compliance resume, unchanged targets are not re-sent, and the old active comes back as a standby"
    )
    func takeover() throws {
        var site = try Site(names: ["box-a", "box-b"])
        let topics = site.topics
        try site.run(for: 3)
        #expect(site.active.count == 1)
        let first = try #require(site.active.first)
        let second = 1 - first
        #expect(site.loops[second]?.lease.role == .standby)
        #expect(site.notes[second].contains { $0.contains("standing by") }, "\(site.notes[second])")

        // Prices and an ERS-30 event: the active commands, acknowledges; the standby follows.
        try site.publish(topics.hashPrice, HashPricePayload(ts: site.now, usdPerTHDay: 0.06))
        try site.publish(topics.price, PricePayload(intervalStart: Self.start, intervalMinutes: 15, priceUSDPerMWh: 30))
        let eventStart = Self.start.adding(seconds: 600)
        let event = GridEvent(
            id: "ERS-P1",
            program: "ERS-30",
            start: eventStart,
            end: eventStart.adding(seconds: 1800),
            target: .maximum(Megawatts(0.5))
        )
        try site.publish(topics.events, EventPayload(event))
        try site.run(for: 900)  // the event is under way, the site shed
        let standbyCore = try #require(site.loops[second]?.core)
        #expect(standbyCore.obligations["ERS-P1"] != nil, "the standby follows the event")
        #expect(standbyCore.commands == site.loops[first]?.core.commands, "and the commands in force")
        #expect(standbyCore.decision.sitePower.value < 1, "the site is shed")
        let acks = site.wire.filter { $0.topic == topics.eventReport(id: "ERS-P1") }
        #expect(acks.count == 1 && acks[0].from == first, "acknowledged once, by the active")
        #expect(site.wire.allSatisfy { $0.from != second }, "the standby published nothing")
        let seqBefore = site.commands("s19jpro").map(\.command.seq).max() ?? 0
        let highestSeq = ["s19jpro", "s19xp", "s21"].flatMap { site.commands($0).map(\.command.seq) }.max() ?? 0

        // The active dies (power loss: nothing more from it). A deployment announced in the gap
        // reaches only the standby, which must acknowledge it once it takes charge.
        site.loops[first] = nil
        let diedAt = site.now
        let gapEvent = GridEvent(
            id: "ERS-P2",
            program: "ERS-30",
            start: Self.start.adding(seconds: 3600),
            end: Self.start.adding(seconds: 4200),
            target: .maximum(Megawatts(0.5))
        )
        try site.publish(topics.events, EventPayload(gapEvent))
        #expect(site.wire.filter { $0.topic == topics.eventReport(id: "ERS-P2") }.isEmpty, "no acknowledgement while nobody is active")
        var tookOverAt: Timestamp?
        for _ in 0..<40 where tookOverAt == nil {
            try site.run(for: 1)
            if site.active == [second] { tookOverAt = site.now }
        }
        let took = try #require(tookOverAt)
        #expect(diedAt.duration(to: took) <= .seconds(15 + 5), "took over after \(diedAt.duration(to: took))")
        let term = try #require(site.loops[second]?.lease.term)
        #expect(term == 2)

        let gapAcks = site.wire.filter { $0.topic == topics.eventReport(id: "ERS-P2") }
        #expect(gapAcks.count == 1 && gapAcks[0].from == second && gapAcks[0].at == took, "acknowledged at the takeover")

        // Unchanged targets are not re-sent at the takeover; re-issues later carry the new term and a higher seq.
        let atTakeover = ["s19jpro", "s19xp", "s21"].flatMap { site.commands($0).filter { $0.at == took } }
        #expect(atTakeover.isEmpty, "nothing differed, nothing re-sent: \(atTakeover.map(\.command))")
        try site.run(for: 1800)  // past the event's end and a few re-issues
        let after = ["s19jpro", "s19xp", "s21"].flatMap { site.commands($0).filter { $0.at > diedAt } }
        #expect(!after.isEmpty && after.allSatisfy { $0.from == second && $0.command.term == 2 && $0.command.seq > highestSeq })
        #expect(site.commands("s19jpro").last.map { $0.command.seq > seqBefore } == true)

        // The event's compliance report comes from the new active, with the bookkeeping from before the takeover.
        let reports: [(report: EventReportPayload, from: Int?)] = site.wire.filter { $0.topic == topics.eventReport(id: "ERS-P1") }.compactMap {
            w in (try? EventReportPayload(decoding: w.payload)).map { ($0, w.from) }
        }
        #expect(reports.map(\.report.status) == [.acknowledged, .completed], "\(reports.map(\.report.status))")
        let final = try #require(reports.last)
        #expect(final.from == second && final.report.met == true)
        #expect(final.report.secondsToTarget.map { $0 < 600 } == true, "reached under the first controller, remembered by the second")

        // The old active comes back: it finds the newer term and stands by.
        try site.start("box-a", at: first)
        try site.run(for: 120)
        #expect(site.active == [second])
        #expect(site.loops[first]?.lease.role == .standby)
        #expect(site.wire.filter { $0.at > took && $0.from == first }.isEmpty, "the old active published nothing")

        // A deposed controller's late command (term 1) is ignored by the miners.
        let late = CommandPayload(
            seq: highestSeq + 1000,
            term: 1,
            issuedAt: site.now,
            expiresAt: site.now.adding(seconds: 180),
            minersRunning: 1000,
            powerTargetW: 3250,
            targetKW: 3250,
            reason: "late"
        )
        let applied = site.minerOutcomes.count
        site.publish(topics.command(group: "s19jpro"), try late.encode(), retain: true)
        #expect(site.minerOutcomes.count == applied + 1 && site.minerOutcomes.last?.outcome == .ignored)
        #expect(site.minerOutcomes.filter { $0.outcome == .applied }.allSatisfy { $0.command.term >= 1 })
    }

    @Test("a standby's will (a retained offline on the status topic) is answered by the active one at once")
    func standbyWill() throws {
        var site = try Site(names: ["box-a", "box-b"])
        try site.run(for: 3)
        let topics = site.topics
        #expect(site.retained[topics.status] == ControllerStatus.online.encode())
        site.publish(topics.status, ControllerStatus.offline.encode(), retain: true)  // the standby died
        #expect(site.retained[topics.status] == ControllerStatus.online.encode(), "online again, in the same step")
        #expect(site.wire.last?.from == site.active.first)
    }

    @Test("a leader record stamped in the future or malformed is refused on 'rejected' and the active keeps the lease")
    func badLeaderRecords() throws {
        var site = try Site(names: ["box-a"])
        try site.run(for: 3)
        #expect(site.active == [0])
        let topics = site.topics
        let far = LeaderPayload(holder: "intruder", term: 99, expiresAt: site.now.adding(seconds: 86_400))
        site.publish(topics.leader, try far.encode(), retain: true)
        site.publish(topics.leader, Array("{\"holder\": \"intruder\", \"term\": \"ninety\"}".utf8), retain: true)
        site.publish(topics.leader, Array("{\"holder\": \"\", \"term\": 5, \"expires_at\": \"2023-09-06T15:00:20Z\"}".utf8), retain: true)
        site.publish(topics.leader, [], retain: true)  // cleared
        try site.run(for: 60)
        #expect(site.active == [0], "never steps down for an unusable record")
        let rejected = site.wire.filter { $0.topic == topics.rejected }.compactMap { try? RejectedPayload(decoding: $0.payload) }
        #expect(rejected.map(\.kind) == [.futureTimestamp, .wrongType, .outOfRange], "\(rejected.map(\.reason))")
        #expect(rejected.allSatisfy { $0.topic == topics.leader })
        let record = try LeaderPayload(decoding: try #require(site.retained[topics.leader]))
        #expect(record.holder == "box-a" && record.term == 1, "its own record is back on the broker")
    }

    @Test("a decision that changes commands right after a state shows in the next state within about a second, not at the next decision")
    func heldStateGoesOutBetweenDecisions() throws {
        var site = try Site(names: ["box-a"])
        let topics = site.topics
        try site.publish(topics.hashPrice, HashPricePayload(ts: site.now, usdPerTHDay: 0.06))
        try site.publish(topics.price, PricePayload(intervalStart: Self.start.adding(seconds: -900), intervalMinutes: 15, priceUSDPerMWh: 30))
        try site.run(for: 20)
        // On to a tick that publishes a state.
        var ticks = 0
        while site.wire.last?.topic != topics.state || site.wire.last?.at != site.now {
            try site.run(for: 1)
            ticks += 1
            try #require(ticks < 60, "no state in a minute")
        }
        // 0.2 s later a spike changes the commands; the state is held back (at most one a second).
        site.now = site.now.adding(seconds: 0.2)
        let spikeAt = site.now
        try site.publish(topics.price, PricePayload(intervalStart: Self.start, intervalMinutes: 15, priceUSDPerMWh: 5000))
        #expect(site.wire.contains { $0.at == spikeAt && topics.group(in: $0.topic, leaf: "command") != nil }, "the commands go out at once")
        #expect(!site.wire.contains { $0.at == spikeAt && $0.topic == topics.state })
        // The next tick a second after the last state publishes it, well before the next decision (5 s).
        site.now = site.now.adding(seconds: 0.9)
        site.handle(.tick, on: 0)
        let state = try #require(site.wire.last { $0.topic == topics.state })
        #expect(state.at == site.now)
        #expect(try StatePayload(decoding: state.payload).priceUSDPerMWh == 5000)
    }
}
