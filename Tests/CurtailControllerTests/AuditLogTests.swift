import CurtailAudit
import CurtailController
import CurtailCore
import CurtailWire
import Foundation
import Testing

/// The audit database on its own: what goes in comes back, and a broken file is kept, not lost.
@Suite("AuditLog")
struct AuditLogTests {
    static func temporaryPath() throws -> (directory: URL, path: String) {
        let directory = FileManager.default.temporaryDirectory.appending(path: "curtail-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (directory, directory.appending(path: "audit.sqlite").path)
    }

    static let t0 = Timestamp(iso8601: "2023-09-06T23:00:00Z")!

    static func command(_ seq: Int64, running: Int, at time: Timestamp) -> CommandPayload {
        CommandPayload(
            seq: seq,
            issuedAt: time,
            expiresAt: time.adding(seconds: 180),
            minersRunning: running,
            powerTargetW: running > 0 ? 3068 : 0,
            targetKW: running > 0 ? 3068 : 25,
            reason: "test \(seq)"
        )
    }

    @Test("entries written and reopened: last command per group, seq, obligations in force, rows by time")
    func roundTrip() throws {
        let (directory, path) = try Self.temporaryPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        let event = GridEvent(id: "ERS-9", program: "ERS-10", start: Self.t0, end: Self.t0.adding(seconds: 3600), target: .maximum(Megawatts(0.5)))
        var obligation = Obligation(event: event, responseSeconds: 600, baselineMW: 9.6, targetMW: 0.5, acknowledgedAt: Self.t0)
        obligation.record(measuredMW: 0.3, at: Self.t0.adding(seconds: 20), siteSleepMW: 0.075)
        do {
            let log = try AuditLog(path: path)
            #expect(log.recoveryNote?.contains("created") == true)
            try log.append(
                JournalEntry(
                    time: Self.t0,
                    input: .init(
                        topic: "grid/ercot/HB_WEST/price",
                        payload: Array("{\"price\":\"x\"}".utf8),
                        outcome: .rejected(Rejection(.wrongType, "bad price"))
                    ),
                    decision: .init(
                        siteMW: 0.3,
                        measuredMW: 9.6,
                        effectivePrice: 5000,
                        hashPrice: 0.06,
                        capMW: 0.5,
                        constraints: ["cap"],
                        rules: ["grid-event"]
                    ),
                    commands: [("s19jpro", Self.command(7, running: 0, at: Self.t0)), ("s21", Self.command(8, running: 100, at: Self.t0))],
                    obligations: [obligation],
                    notes: ["grid event ERS-9 acknowledged"]
                )
            )
            try log.append(
                JournalEntry(time: Self.t0.adding(seconds: 60), commands: [("s19jpro", Self.command(9, running: 0, at: Self.t0.adding(seconds: 60)))])
            )
            try log.flush()
        }
        let reopened = try AuditLog(path: path)
        #expect(reopened.recoveryNote == nil)
        let recovery = try reopened.recover(at: Self.t0.adding(seconds: 90))
        #expect(recovery.seq == 9)
        #expect(recovery.commands["s19jpro"]?.seq == 9 && recovery.commands["s21"]?.minersRunning == 100)
        let resumed = try #require(recovery.obligations.first)
        #expect(resumed.event.id == "ERS-9" && resumed.targetMW == 0.5 && resumed.baselineMW == 9.6 && resumed.reachedAt == obligation.reachedAt)
        #expect(try reopened.recover(at: Self.t0.adding(seconds: 4000)).obligations.isEmpty, "ended events are not resumed")

        let inputs = try reopened.rows(.inputs, from: Self.t0, to: Self.t0.adding(seconds: 1))
        #expect(inputs.rows.count == 1 && inputs.rows[0].contains("rejected:wrong_type") && inputs.rows[0].contains("bad price"))
        let decisions = try reopened.rows(.decisions, from: Self.t0, to: Self.t0.adding(seconds: 3600))
        #expect(decisions.rows.count == 1 && decisions.rows[0].contains("grid-event"))
        let commands = try reopened.rows(.commands, from: Self.t0.adding(seconds: 30), to: Self.t0.adding(seconds: 3600))
        #expect(commands.rows.map { $0[0] } == ["9"], "time range")
        #expect(commands.rows[0][1] == "2023-09-06T23:01:00Z", "times come back as ISO-8601")
    }

    @Test("released without sync: the last batch is written, including entries never flushed")
    func releaseWritesLastBatch() throws {
        let (directory, path) = try Self.temporaryPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            let log = try AuditLog(path: path)
            for seq in Int64(1)...300 {
                try log.append(
                    JournalEntry(time: Self.t0.adding(seconds: Double(seq)), commands: [("s21", Self.command(seq, running: 10, at: Self.t0))])
                )
                if seq == 200 { try log.flush() }  // handed to the writer, not waited for
            }
            // 100 entries still buffered; the log goes out of scope here without sync().
        }
        let reopened = try AuditLog(path: path)
        let recovery = try reopened.recover(at: Self.t0)
        #expect(recovery.seq == 300, "every appended command reached the database")
        #expect(try reopened.rows(.commands, from: Self.t0, to: Self.t0.adding(seconds: 400)).rows.count == 300)
    }

    @Test("sync waits for the writes handed over before it")
    func syncIsABarrier() throws {
        let (directory, path) = try Self.temporaryPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = try AuditLog(path: path)
        let reader = try AuditLog(path: path)
        for round in Int64(0)..<20 {
            for k in Int64(1)...50 {
                let seq = round * 50 + k
                try log.append(JournalEntry(time: Self.t0, commands: [("s21", Self.command(seq, running: 1, at: Self.t0))]))
            }
            try log.flush()
            try log.sync()
            // A second connection sees the commit at once: sync returned only after it.
            #expect(try reader.recover(at: Self.t0).seq == (round + 1) * 50)
        }
    }

    @Test("an unreadable database is kept aside, never deleted, and a new one started")
    func corrupt() throws {
        let (directory, path) = try Self.temporaryPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        let garbage = Data("this is not SQLite, it is a flipped disk sector".utf8 + Array(repeating: 0xFF, count: 8192))
        try garbage.write(to: URL(fileURLWithPath: path))
        let log = try AuditLog(path: path)
        let note = try #require(log.recoveryNote)
        #expect(note.contains("unreadable") && note.contains(".corrupt-"))
        let kept = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains(".corrupt-") }
        #expect(kept.count == 1)
        #expect(try Data(contentsOf: directory.appending(path: kept[0])) == garbage, "the broken file is kept byte for byte")
        #expect(try log.recover(at: Self.t0).seq == 0, "a safe start: nothing invented")
    }

    @Test("a database that cannot be created is a clear error")
    func cannotCreate() {
        #expect {
            _ = try AuditLog(path: "/nonexistent-curtail-directory/audit.sqlite")
        } throws: { error in
            "\(error)".contains("cannot create the audit database") && "\(error)".contains("directory exists")
        }
    }
}
