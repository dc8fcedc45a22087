public import CurtailController
public import CurtailCore
import CurtailWire
import Foundation
import GRDB
import Synchronization

/// The controller's audit journal: an SQLite database in WAL mode (GRDB) holding every input,
/// decision (with its rule trace), command, grid event and notice, by the controller's clock.
///
/// Entries are buffered and handed to the database's writer thread in one transaction by
/// ``flush()`` (the controller calls it right after publishing a step's messages, on its timer,
/// and when 512 entries are waiting), so recording never delays a command; ``sync()`` waits for
/// the disk. After a crash, ``recover(at:)`` gives back the last command of each group, the
/// `seq` counter and the obligations in force.
///
/// Opening: a missing file is created. A file that is not a readable audit database is moved
/// aside to `<path>.corrupt-<time>` (never deleted) and a new one is started; ``recoveryNote``
/// says so, and the controller then resumes only what the broker retained.
public final class AuditLog: ControllerJournal, Sendable {
    /// The database file.
    public let path: String
    /// What happened when the file was opened, for the operator (`nil`: opened as it was).
    public let recoveryNote: String?
    private let pool: DatabasePool
    /// Entries not yet handed to the writer, and the failure of an earlier write. A box of its own,
    /// so a write's completion can report into it without keeping the log alive.
    private let buffer = WriteBuffer()

    /// Opens (or creates) the audit database at `path`.
    ///
    /// - Throws: ``JournalError`` when the file can be neither opened nor moved aside and
    ///   recreated (a directory that does not exist, no permission).
    public init(path: String) throws(JournalError) {
        self.path = path
        var note: String? = nil
        let exists = FileManager.default.fileExists(atPath: path)
        do {
            pool = try Self.open(path)
        } catch {
            guard exists else {
                throw JournalError("cannot create the audit database \(path): \(error); check that the directory exists and is writable")
            }
            let aside = "\(path).corrupt-\(WallClock().now.iso8601.replacingOccurrences(of: ":", with: ""))"
            do {
                try FileManager.default.moveItem(atPath: path, toPath: aside)
                for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
                    try? FileManager.default.moveItem(atPath: path + suffix, toPath: aside + suffix)
                }
                pool = try Self.open(path)
            } catch {
                throw JournalError("the audit database \(path) is unreadable and could not be moved aside: \(error)")
            }
            note = "the audit database \(path) was unreadable (\(error)); it was kept as \(aside) and a new one started"
        }
        if !exists { note = "created the audit database \(path)" }
        recoveryNote = note
    }

    private static func open(_ path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.label = "curtail.audit"
        // The journal must not compete with publishing commands: its writer runs at utility QoS.
        configuration.qos = .utility
        // `curtail log` may open the database while `curtail run` writes it: wait for the lock.
        configuration.busyMode = .timeout(10)
        // WAL with synchronous=NORMAL: a commit survives the controller crashing (the case the
        // journal is for) without an fsync per step; a power cut can lose the last commits.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        let pool = try DatabasePool(path: path, configuration: configuration)
        let check = try pool.read { db in try String.fetchOne(db, sql: "PRAGMA quick_check") }
        guard check == "ok" else { throw JournalError("integrity check failed: \(check ?? "no answer")") }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE inputs (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL,
                                         outcome TEXT NOT NULL, reason TEXT);
                    CREATE INDEX inputs_ts ON inputs(ts);
                    CREATE TABLE decisions (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, site_mw REAL NOT NULL, measured_mw REAL,
                                            price REAL, hash_price REAL NOT NULL, cap_mw REAL NOT NULL, constraints TEXT NOT NULL,
                                            rules TEXT NOT NULL);
                    CREATE INDEX decisions_ts ON decisions(ts);
                    CREATE TABLE commands (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, grp TEXT NOT NULL, issued_at INTEGER NOT NULL,
                                           expires_at INTEGER NOT NULL, miners_running INTEGER NOT NULL, power_target_w REAL NOT NULL,
                                           target_kw REAL NOT NULL, reason TEXT NOT NULL);
                    CREATE TABLE events (id TEXT PRIMARY KEY, program TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
                                         response_seconds REAL NOT NULL, target_mw REAL NOT NULL, baseline_mw REAL NOT NULL,
                                         acknowledged_at INTEGER NOT NULL, reached_at INTEGER,
                                         measured_mw_seconds REAL NOT NULL, measured_seconds REAL NOT NULL,
                                         whole_mw_seconds REAL NOT NULL, whole_seconds REAL NOT NULL,
                                         reached_mw_seconds REAL NOT NULL, reached_seconds REAL NOT NULL,
                                         achieved_mw REAL, performance_factor REAL,
                                         status TEXT NOT NULL, updated_at INTEGER NOT NULL);
                    CREATE TABLE notes (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, text TEXT NOT NULL);
                    CREATE INDEX notes_ts ON notes(ts);
                    """
            )
        }
        // v2: the fencing term of each command (0 for commands recorded before leases).
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "ALTER TABLE commands ADD COLUMN term INTEGER NOT NULL DEFAULT 0")
        }
        try migrator.migrate(pool)
        return pool
    }

    // MARK: - Writing

    public func append(_ entry: JournalEntry) throws(JournalError) {
        if buffer.append(entry) >= 512 { try flush() }
    }

    /// Hands the buffered entries to the database's writer thread, which commits them in one
    /// transaction within milliseconds; the caller does not wait for the disk. A failure of an
    /// earlier write is thrown by the next call.
    public func flush() throws(JournalError) {
        let entries = try buffer.takeForWriting()
        guard !entries.isEmpty else { return }
        let buffer = self.buffer
        let path = self.path
        pool.asyncWrite(
            { db in
                for entry in entries { try Self.write(entry, db) }
            },
            completion: { _, result in
                if case .failure(let error) = result {
                    buffer.recordFailure(JournalError("could not write to the audit database \(path): \(error)"))
                }
            }
        )
    }

    /// Writes everything appended and waits until it is committed: every earlier ``flush()`` has
    /// then reached the database too, since its writer is serial. Throws the failure of any of them.
    public func sync() throws(JournalError) {
        let entries = try buffer.takeForWriting()
        do {
            try pool.write { db in
                for entry in entries { try Self.write(entry, db) }
            }
        } catch {
            throw JournalError("could not write to the audit database \(path): \(error)")
        }
        try buffer.throwFailure()  // a failure of the writes just waited for
    }

    /// The last line of defence when the owner forgot ``sync()``: what is still buffered is
    /// written, and the release waits for every write handed over before it, so a log that goes
    /// out of scope never loses its last batch (a failure here can only be dropped: call `sync()`
    /// to see it).
    deinit {
        let entries = (try? buffer.takeForWriting()) ?? []
        try? pool.write { db in
            for entry in entries { try Self.write(entry, db) }
        }
    }

    private static func write(_ entry: JournalEntry, _ db: Database) throws {
        let ts = entry.time.millisecondsSinceEpoch
        if let input = entry.input {
            let (outcome, reason): (String, String?) =
                switch input.outcome {
                case .accepted: ("accepted", nil)
                case .duplicate: ("duplicate", nil)
                case .rejected(let rejection): ("rejected:\(rejection.kind.rawValue)", rejection.reason)
                }
            try db.cachedStatement(sql: "INSERT INTO inputs (ts, topic, payload, outcome, reason) VALUES (?, ?, ?, ?, ?)")
                .execute(arguments: [ts, input.topic, Data(input.payload), outcome, reason])
        }
        if let d = entry.decision {
            try db.execute(
                sql:
                    "INSERT INTO decisions (ts, site_mw, measured_mw, price, hash_price, cap_mw, constraints, rules) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    ts, d.siteMW, d.measuredMW, d.effectivePrice, d.hashPrice, d.capMW.isFinite ? d.capMW : nil, d.constraints.joined(separator: ","),
                    d.rules.joined(separator: ","),
                ]
            )
        }
        if !entry.commands.isEmpty {
            // One statement for all the step's commands (a price signal can change every group).
            let rows = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: entry.commands.count).joined(separator: ", ")
            var values: [any DatabaseValueConvertible] = []
            values.reserveCapacity(entry.commands.count * 10)
            for (group, c) in entry.commands {
                values +=
                    [
                        c.seq, ts, group, c.issuedAt.millisecondsSinceEpoch, c.expiresAt.millisecondsSinceEpoch, c.minersRunning, c.powerTargetW,
                        c.targetKW, c.reason, c.term,
                    ] as [any DatabaseValueConvertible]
            }
            try db.cachedStatement(
                sql:
                    "INSERT OR REPLACE INTO commands (seq, ts, grp, issued_at, expires_at, miners_running, power_target_w, target_kw, reason, term) VALUES \(rows)"
            ).execute(arguments: StatementArguments(values))
        }
        for obligation in entry.obligations { try upsert(obligation, status: nil, ts, db) }
        for (obligation, status) in entry.closedObligations { try upsert(obligation, status: status, ts, db) }
        for note in entry.notes {
            try db.cachedStatement(sql: "INSERT INTO notes (ts, text) VALUES (?, ?)").execute(arguments: [ts, note])
        }
    }

    /// Writes an event's row: `status` `nil` while it is in force (`active`), else how it closed.
    private static func upsert(_ o: Obligation, status closed: ObligationStatus?, _ ts: Int64, _ db: Database) throws {
        let status = closed?.rawValue ?? "active"
        // A closed event keeps its final row; a late "active" write must not reopen it.
        if closed == nil,
            let current = try String.fetchOne(db.cachedStatement(sql: "SELECT status FROM events WHERE id = ?"), arguments: [o.event.id]),
            current != "active"
        {
            return
        }
        let achieved = o.achievedMW
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO events (id, program, start, end, response_seconds, target_mw, baseline_mw, acknowledged_at, reached_at,
                    measured_mw_seconds, measured_seconds, whole_mw_seconds, whole_seconds, reached_mw_seconds, reached_seconds,
                    achieved_mw, performance_factor, status, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                o.event.id, o.event.program, o.event.start.millisecondsSinceEpoch, o.event.end.millisecondsSinceEpoch, o.responseSeconds,
                o.targetMW, o.baselineMW, o.acknowledgedAt.millisecondsSinceEpoch, o.reachedAt?.millisecondsSinceEpoch,
                o.measuredMWSeconds, o.measuredSeconds, o.wholeMWSeconds, o.wholeSeconds, o.reachedMWSeconds, o.reachedSeconds,
                achieved.isFinite ? achieved : nil, nil as Double?, status, ts,
            ]
        )
    }

    // MARK: - Recovery

    public func recover(at now: Timestamp) throws(JournalError) -> JournalRecovery {
        try sync()
        do {
            return try pool.read { db in
                var recovery = JournalRecovery()
                recovery.seq = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM commands") ?? 0
                recovery.term = try Int64.fetchOne(db, sql: "SELECT MAX(term) FROM commands") ?? 0
                // The newest command of each group: walk back from the newest (no index on groups,
                // which would cost every insert); a live command is never older than its lifetime.
                let groups =
                    try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT grp) FROM (SELECT grp FROM commands ORDER BY seq DESC LIMIT 100000)") ?? 0
                let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM commands ORDER BY seq DESC")
                while recovery.commands.count < groups, let row = try cursor.next() {
                    let group: String = row["grp"]
                    guard recovery.commands[group] == nil else { continue }
                    recovery.commands[group] = CommandPayload(
                        seq: row["seq"],
                        term: row["term"],
                        issuedAt: Timestamp(millisecondsSinceEpoch: row["issued_at"]),
                        expiresAt: Timestamp(millisecondsSinceEpoch: row["expires_at"]),
                        minersRunning: row["miners_running"],
                        powerTargetW: row["power_target_w"],
                        targetKW: row["target_kw"],
                        reason: row["reason"]
                    )
                }
                let events = try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM events WHERE status = 'active' AND end > ?",
                    arguments: [now.millisecondsSinceEpoch]
                )
                for row in events {
                    let target: Double = row["target_mw"]
                    var o = Obligation(
                        event: GridEvent(
                            id: row["id"],
                            program: row["program"],
                            start: Timestamp(millisecondsSinceEpoch: row["start"]),
                            end: Timestamp(millisecondsSinceEpoch: row["end"]),
                            target: .maximum(Megawatts(target))
                        ),
                        responseSeconds: row["response_seconds"],
                        baselineMW: row["baseline_mw"],
                        targetMW: target,
                        acknowledgedAt: Timestamp(millisecondsSinceEpoch: row["acknowledged_at"])
                    )
                    o.reachedAt = (row["reached_at"] as Int64?).map(Timestamp.init(millisecondsSinceEpoch:))
                    o.measuredMWSeconds = row["measured_mw_seconds"]
                    o.measuredSeconds = row["measured_seconds"]
                    o.wholeMWSeconds = row["whole_mw_seconds"]
                    o.wholeSeconds = row["whole_seconds"]
                    o.reachedMWSeconds = row["reached_mw_seconds"]
                    o.reachedSeconds = row["reached_seconds"]
                    recovery.obligations.append(o)
                }
                return recovery
            }
        } catch let error as JournalError {
            throw error
        } catch {
            throw JournalError("could not read the audit database \(path): \(error)")
        }
    }

    // MARK: - Reading

    /// What ``rows(_:from:to:)`` reads.
    public enum Table: String, Sendable, CaseIterable {
        case inputs, decisions, commands, events, notes
    }

    /// Rows of `table` with `ts` (for events: `start`) in `from..<to`, oldest first, as column
    /// names and text values (times as ISO-8601).
    public func rows(_ table: Table, from: Timestamp, to: Timestamp) throws(JournalError) -> (columns: [String], rows: [[String]]) {
        let timeColumn = table == .events ? "start" : "ts"
        let order = table == .commands ? "seq" : table == .events ? "start" : "id"
        let timeColumns: Set<String> = ["ts", "issued_at", "expires_at", "start", "end", "acknowledged_at", "reached_at", "updated_at"]
        try sync()
        do {
            return try pool.read { db in
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM \(table.rawValue) WHERE \(timeColumn) >= ? AND \(timeColumn) < ? ORDER BY \(order)",
                    arguments: [from.millisecondsSinceEpoch, to.millisecondsSinceEpoch]
                )
                let columns = rows.first.map { Array($0.columnNames) } ?? []
                let values = rows.map { row in
                    columns.map { name -> String in
                        let value = row[name] as DatabaseValue
                        switch value.storage {
                        case .null: return ""
                        case .int64(let number):
                            return timeColumns.contains(name) ? Timestamp(millisecondsSinceEpoch: number).iso8601 : String(number)
                        case .double(let number): return String(number)
                        case .string(let text): return text
                        case .blob(let data): return String(decoding: data, as: UTF8.self)
                        }
                    }
                }
                return (columns, values)
            }
        } catch {
            throw JournalError("could not read the audit database \(path): \(error)")
        }
    }
}

/// The journal's buffered entries and the failure of an earlier background write, under one lock.
private final class WriteBuffer: Sendable {
    private struct State {
        var pending: [JournalEntry] = []
        var failure: JournalError?
    }
    private let state = Mutex(State())

    /// Buffers an entry; returns how many are waiting.
    func append(_ entry: JournalEntry) -> Int {
        state.withLock {
            $0.pending.append(entry)
            return $0.pending.count
        }
    }

    /// Takes the waiting entries, or throws (and clears) the failure of an earlier write; the
    /// entries then stay buffered for the next call.
    func takeForWriting() throws(JournalError) -> [JournalEntry] {
        try throwFailure()
        return state.withLock { state in
            defer { state.pending.removeAll(keepingCapacity: true) }
            return state.pending
        }
    }

    /// Throws (and clears) the failure of an earlier write.
    func throwFailure() throws(JournalError) {
        if let failure = state.withLock({ state in
            defer { state.failure = nil }
            return state.failure
        }) {
            throw failure
        }
    }

    func recordFailure(_ error: JournalError) {
        state.withLock { $0.failure = error }
    }
}
