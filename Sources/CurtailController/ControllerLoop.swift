public import CurtailCore
public import CurtailWire

/// The controller service's loop body as a value: one input in, the effects out. No I/O and no
/// clock: the service passes the site clock's time and the wall time elapsed since it started,
/// then performs the effects (publish, journal, unsubscribe, log, metrics, health). Tests drive
/// it directly, in process and deterministically.
public struct ControllerLoop: Sendable {
    /// What the service hands the loop.
    public enum Input: Sendable, Equatable {
        /// A message received on a subscribed topic.
        case message(topic: String, payload: [UInt8])
        /// The broker connection is up.
        case connected
        /// The broker connection was lost.
        case disconnected(reason: String)
        /// The service's timer.
        case tick

        var isTick: Bool { if case .tick = self { true } else { false } }
    }

    /// What the service must do for one input.
    public struct Effects: Sendable {
        /// To publish, in order (one burst when more than one).
        public var publish: [OutgoingMessage] = []
        /// The step's record for the journal (`nil`: nothing to record, or no journal).
        public var journal: JournalEntry?
        /// Hand the journal's buffer to its writer now (notices at once, routine steps batched).
        public var flushJournal = false
        /// Start-up is over: stop reading back this controller's own retained topics (before
        /// publishing this step, whose state would otherwise come back as an input).
        public var unsubscribeOwnTopics = false
        /// Operator notices (log at notice level).
        public var notes: [String] = []
        /// Refused inputs, with their topic (count, log once a minute).
        public var rejections: [(topic: String, rejection: Rejection)] = []
        /// Whether a decision was made.
        public var decided = false
        /// Commands issued.
        public var commandsIssued = 0
        /// The connection changed to this (for health).
        public var connection: Bool?
        /// Start-up ended in this step (for health).
        public var restoreEnded = false
    }

    /// The controller's logic.
    public private(set) var core: ControllerCore
    /// How long to read back retained commands and state after the first connection (wall time).
    public let restoreWindow: Duration
    /// Whether a journal records the steps.
    public let journaling: Bool
    /// Routine journal records are handed to the writer at most this often (wall time).
    public let journalBatch: Duration

    private var nextDecision: Timestamp?
    private var restoreDeadline: Duration?
    private var lastJournalFlush: Duration = .zero

    /// A loop around `core`.
    public init(core: ControllerCore, restoreWindow: Duration, journaling: Bool, journalBatch: Duration = .milliseconds(50)) {
        self.core = core
        self.restoreWindow = restoreWindow
        self.journaling = journaling
        self.journalBatch = journalBatch
    }

    /// Resumes from the journal's recovery (start-up only); returns the notes to log.
    public mutating func resume(from recovery: JournalRecovery, at now: Timestamp) -> [String] {
        core.resume(from: recovery, at: now).notes
    }

    /// Handles one input at site time `now`, `wall` after the service started.
    public mutating func handle(_ input: Input, now: Timestamp, wall: Duration) -> Effects {
        var effects = Effects()
        var step = ControllerStep()
        var received: JournalEntry.Input?
        switch input {
        case .message(let topic, let payload):
            let duplicates = core.counters.duplicates
            step = core.receive(topic: topic, payload: payload, at: now)
            let outcome: JournalEntry.Outcome =
                if let rejection = step.rejections.first?.rejection {
                    .rejected(rejection)
                } else if core.counters.duplicates > duplicates {
                    .duplicate
                } else {
                    .accepted
                }
            received = JournalEntry.Input(topic: topic, payload: payload, outcome: outcome)
        case .connected:
            effects.connection = true
            effects.publish.append(core.onlineStatus)
            step = core.connectionRestored(at: now)
            if core.restoring, restoreDeadline == nil { restoreDeadline = wall + restoreWindow }
        case .disconnected:
            effects.connection = false
            core.connectionLost(at: now)
        case .tick:
            if core.restoring, let deadline = restoreDeadline, wall >= deadline {
                step = core.finishRestore(at: now)
                effects.restoreEnded = true
                effects.unsubscribeOwnTopics = true
                nextDecision = now.advanced(by: core.configuration.decisionInterval)
            } else if !core.restoring, now >= nextDecision ?? now {
                step = core.tick(at: now)
                nextDecision = now.advanced(by: core.configuration.decisionInterval)
            }
        }
        effects.publish += step.messages
        effects.notes = step.notes
        effects.rejections = step.rejections
        effects.decided = step.decided
        effects.commandsIssued = step.issuedCommands.count
        if journaling {
            // Recorded as it is published: the messages go to the MQTT client first (the latency
            // budget), then the record to the journal's writer, at once for notices and at most
            // `journalBatch` later for routine steps, so a burst of signals costs one transaction.
            var entry = JournalEntry(time: now, input: received, notes: step.notes)
            if step.decided {
                entry.decision = core.decisionRecord(at: now)
                entry.obligations = Array(core.obligations.values)
            }
            entry.closedObligations = step.closedObligations
            entry.commands = step.issuedCommands.map { (core.site.groups[$0.group].name, $0.command) }
            effects.journal = entry
            if !step.notes.isEmpty || !step.closedObligations.isEmpty || input.isTick || wall - lastJournalFlush >= journalBatch {
                effects.flushJournal = true
                lastJournalFlush = wall
            }
        }
        return effects
    }
}
