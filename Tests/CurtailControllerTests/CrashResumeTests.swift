import CurtailAudit
import CurtailController
import CurtailCore
import CurtailPolicyFiles
import CurtailSite
import CurtailTestSupport
import CurtailWire
import Foundation
import Testing

/// A controller that dies and comes back with only its audit database (the broker lost every
/// retained message): in process, on simulated time, through ``ControllerLoop`` and a real
/// ``AuditLog`` file. (The same through mosquitto and the `curtail run` process is in `EndToEndTests`.)
@Suite("Crash and resume from the audit log")
struct CrashResumeTests {
    /// Feeds inputs to a loop at simulated times and writes what it journals.
    struct Life {
        var loop: ControllerLoop
        var now: Timestamp
        let start: Timestamp
        let journal: AuditLog
        var published: [(at: Timestamp, message: OutgoingMessage)] = []

        mutating func handle(_ input: ControllerLoop.Input) throws {
            for effects in loop.handleEchoingLease(input, now: now, wall: start.duration(to: now)) {
                published += effects.publish.map { (now, $0) }
                if let entry = effects.journal {
                    try journal.append(entry)
                    if effects.flushJournal { try journal.flush() }
                }
            }
        }

        mutating func send(_ topic: String, _ payload: some WirePayload) throws {
            try handle(.message(topic: topic, payload: try payload.encode()))
        }

        /// Ticks every 5 s for `seconds`, reporting obedient telemetry for the commands in force.
        mutating func run(for seconds: Double, topics: ControllerTopics, groups: [String]) throws {
            let end = now.adding(seconds: seconds)
            while now < end {
                now = now.adding(seconds: 5)
                for (g, name) in groups.enumerated() {
                    guard let command = loop.core.commands[g] else { continue }
                    let report = TelemetryPayload(
                        ts: now,
                        powerKW: command.targetKW,
                        hashrateTH: 0,
                        minersRunning: command.minersRunning,
                        appliedSeq: command.seq
                    )
                    try send(topics.telemetry(group: name), report)
                }
                try handle(.tick)
            }
        }

        func commands(_ topic: String) -> [CommandPayload] {
            published.filter { $0.message.topic == topic }.compactMap { try? CommandPayload(decoding: $0.message.payload) }
        }
    }

    @Test("the second life resumes commands, seq and the event from the journal alone, without a flap, and completes the event's report")
    func resumeFromJournal() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "curtail-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appending(path: "audit.sqlite").path

        let settings = try SiteFile.load(path: TestRepository.exampleSite)
        let policy = try PolicyFile.parse(ControllerCoreRestoreHysteresisTests.sticky, file: "sticky.yaml")
        let configuration = ControllerConfiguration(settings: settings, policy: policy)
        let topics = configuration.topics
        let groups = settings.site.groups.map(\.name)
        let start = Timestamp(iso8601: "2023-09-06T15:00:00Z")!
        let eventStart = start.adding(seconds: 1800)
        let event = GridEvent(
            id: "ERS-K1",
            program: "ERS-30",
            start: eventStart,
            end: eventStart.adding(seconds: 600),
            target: .maximum(Megawatts(0.5))
        )

        // First life: everything runs at 30 $/MWh; at 85 the S19j Pro (break-even 83) stays on
        // inside the ±10 $/MWh band; the event is announced for later. Then it dies.
        var first = Life(
            loop: ControllerLoop(core: try ControllerCore(configuration: configuration), observeWindow: .zero, journaling: true),
            now: start,
            start: start,
            journal: try AuditLog(path: path)
        )
        try first.handle(.connected)
        try first.handle(.tick)
        try first.send(topics.hashPrice, HashPricePayload(ts: start, usdPerTHDay: 0.06))
        try first.send(topics.price, PricePayload(intervalStart: start.adding(seconds: -900), intervalMinutes: 15, priceUSDPerMWh: 30))
        try first.run(for: 900, topics: topics, groups: groups)
        try first.send(topics.price, PricePayload(intervalStart: start, intervalMinutes: 15, priceUSDPerMWh: 85))
        try first.send(topics.events, EventPayload(event))
        try first.run(for: 300, topics: topics, groups: groups)
        let before = first.loop.core.commands
        let seqBefore = first.loop.core.seq
        #expect(before[0]?.minersRunning == 1000, "the S19j Pro runs at 85 inside the band")
        try first.journal.sync()  // what a crash leaves: every record committed so far

        // Second life: a new loop, a new journal handle, an empty broker (no retained messages).
        let resumedAt = first.now.adding(seconds: 30)
        var second = Life(
            loop: ControllerLoop(core: try ControllerCore(configuration: configuration), observeWindow: .seconds(1), journaling: true),
            now: resumedAt,
            start: resumedAt,
            journal: try AuditLog(path: path)
        )
        let notes = second.loop.resume(from: try second.journal.recover(at: resumedAt), at: resumedAt)
        #expect(notes.contains { $0.contains("ERS-K1") }, "\(notes)")
        try second.handle(.connected)
        try second.send(topics.hashPrice, HashPricePayload(ts: resumedAt, usdPerTHDay: 0.06))
        try second.send(topics.price, PricePayload(intervalStart: start, intervalMinutes: 15, priceUSDPerMWh: 85))
        second.now = second.now.adding(seconds: 2)
        try second.handle(.tick)  // the start-up window is over: it claims the lease ...
        second.now = second.now.adding(seconds: 1)
        try second.handle(.tick)  // ... which settles: it takes charge
        #expect(!second.loop.core.following)
        #expect(second.loop.lease.term == 2, "the second life's term is above the first's, from the journal")
        for (g, name) in groups.enumerated() {
            let sent = second.commands(topics.command(group: name))
            #expect(sent.allSatisfy { $0.minersRunning == before[g]?.minersRunning }, "\(name): no flap after the restart")
            #expect(sent.allSatisfy { $0.seq > seqBefore }, "\(name): seq continues above the first life's")
        }
        #expect(second.loop.core.obligations["ERS-K1"] != nil, "the event came back from the journal")

        // The event runs and ends: the site is shed and the report completes.
        let untilAfterTheEvent = Double(second.now.duration(to: event.end.adding(seconds: 600)).components.seconds)
        try second.run(for: untilAfterTheEvent, topics: topics, groups: groups)
        #expect(second.commands(topics.command(group: "s19jpro")).contains { $0.minersRunning == 0 }, "shed during the event")
        let reports = second.published.filter { $0.message.topic == topics.eventReport(id: "ERS-K1") }.compactMap {
            try? EventReportPayload(decoding: $0.message.payload)
        }
        let final = try #require(reports.last)
        #expect(final.status == .completed && final.met == true)
        try second.journal.sync()
        let rows = try second.journal.rows(.events, from: start, to: event.end)
        #expect(rows.rows.count == 1 && rows.rows[0].contains("completed"), "the audit log closes the event")
    }
}
