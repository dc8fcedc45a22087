public import CurtailCore
public import CurtailWire

/// The controller service's loop body as a value: one input in, the effects out. No I/O and no
/// clock: the service passes the site clock's time and the wall time elapsed since it started,
/// then performs the effects (publish, journal, (un)subscribe, log, metrics, health). Tests drive
/// it directly, in process and deterministically.
///
/// It joins the ``ControllerCore`` (the site's logic) and the ``LeaderLease`` (whether this
/// controller is the site's active one): records on the leader topic go to the lease; when the
/// lease makes this controller active the core takes charge with its term; when it steps down
/// the core stops commanding and follows again.
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
        /// This controller took charge: stop following the commands, state and reports (before
        /// publishing this step, whose messages would otherwise come back as inputs).
        public var unsubscribeOwnTopics = false
        /// This controller stepped down: follow the commands, state and reports again.
        public var subscribeOwnTopics = false
        /// The lease role changed to this (for health, metrics and the log).
        public var role: LeaderLease.Role?
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
    }

    /// The controller's logic.
    public private(set) var core: ControllerCore
    /// Whether this controller is the site's active one.
    public private(set) var lease: LeaderLease
    /// Whether a journal records the steps.
    public let journaling: Bool
    /// Routine journal records are handed to the writer at most this often (wall time).
    public let journalBatch: Duration

    private var nextDecision: Timestamp?
    private var lastJournalFlush: Duration = .zero
    /// The lease and status topics, compared with every message's topic.
    private let leaderTopic: String
    private let statusTopic: String

    /// A loop around `core`, holding the site through `lease` (whose observation window is also
    /// how long retained commands and state are read back at start-up).
    public init(core: ControllerCore, lease: LeaderLease, journaling: Bool, journalBatch: Duration = .milliseconds(50)) {
        self.core = core
        self.core.instance = lease.identity
        self.lease = lease
        leaderTopic = core.configuration.topics.leader
        statusTopic = core.configuration.topics.status
        self.journaling = journaling
        self.journalBatch = journalBatch
    }

    /// Resumes from the journal's recovery (start-up only); returns the notes to log.
    public mutating func resume(from recovery: JournalRecovery, at now: Timestamp) -> [String] {
        let notes = core.resume(from: recovery, at: now).notes
        _ = lease.noteTerm(recovery.term, wall: .zero)
        return notes
    }

    /// Handles one input at site time `now`, `wall` after the service started.
    public mutating func handle(_ input: Input, now: Timestamp, wall: Duration) -> Effects {
        var effects = Effects()
        var step = ControllerStep()
        var received: JournalEntry.Input?
        // A lease that lapsed (a frozen process, a lost connection) stops the controller before
        // it acts on anything.
        apply(lease.checkLapse(wall: wall), now: now, into: &step, effects: &effects)
        switch input {
        case .message(let topic, let payload) where topic == leaderTopic:
            let outcome = receiveLeader(payload, topic: topic, now: now, wall: wall, into: &step, effects: &effects)
            received = JournalEntry.Input(topic: topic, payload: payload, outcome: outcome)
        case .message(let topic, let payload) where topic == statusTopic:
            // Every instance's will is `offline` here; the active one answers a standby's at once.
            if lease.isActive, core.isConnected, payload != core.onlineStatus.payload { effects.publish.append(core.onlineStatus) }
        case .message(let topic, let payload):
            let duplicates = core.counters.duplicates
            step.append(core.receive(topic: topic, payload: payload, at: now))
            let outcome: JournalEntry.Outcome =
                if let rejection = step.rejections.first?.rejection {
                    .rejected(rejection)
                } else if core.counters.duplicates > duplicates {
                    .duplicate
                } else {
                    .accepted
                }
            received = JournalEntry.Input(topic: topic, payload: payload, outcome: outcome)
            if core.followedTerm > lease.highestTerm {
                apply(lease.noteTerm(core.followedTerm, wall: wall), now: now, into: &step, effects: &effects)
            }
        case .connected:
            effects.connection = true
            lease.connectionChanged(up: true, wall: wall)
            if lease.isActive { effects.publish.append(core.onlineStatus) }
            step.append(core.connectionRestored(at: now))
        case .disconnected:
            effects.connection = false
            lease.connectionChanged(up: false, wall: wall)
            core.connectionLost(at: now)
        case .tick:
            let wasActive = lease.isActive
            apply(lease.tick(wall: wall, now: now), now: now, into: &step, effects: &effects)
            if wasActive, lease.isActive, now >= nextDecision ?? now {
                step.append(core.tick(at: now))
                nextDecision = now.advanced(by: core.configuration.decisionInterval)
            } else if lease.isActive {
                step.append(core.publishHeldState(at: now))
            }
        }
        effects.publish += step.messages
        effects.notes = step.notes
        effects.rejections = step.rejections
        effects.decided = step.decided
        effects.commandsIssued = step.issuedCommands.count
        if journaling {
            // Recorded as it is published: the messages go to the MQTT client first (the latency
            // budget), then the record to the journal's writer, at once for notices and commands
            // and at most `journalBatch` later for routine steps, so a burst of signals that change
            // nothing costs one transaction.
            var entry = JournalEntry(time: now, input: received, notes: step.notes)
            if step.decided {
                entry.decision = core.decisionRecord(at: now)
                entry.obligations = Array(core.obligations.values)
            }
            entry.closedObligations = step.closedObligations
            entry.commands = step.issuedCommands.map { (core.site.groups[$0.group].name, $0.command) }
            effects.journal = entry
            if !step.notes.isEmpty || !step.closedObligations.isEmpty || !step.issuedCommands.isEmpty || input.isTick
                || wall - lastJournalFlush >= journalBatch
            {
                effects.flushJournal = true
                lastJournalFlush = wall
            }
        }
        return effects
    }

    /// Graceful shutdown: what to publish on the way out. The active controller releases its
    /// lease (a standby takes over at once) and says `offline`; a standby publishes nothing (the
    /// status belongs to the active one).
    public mutating func shutdown(now: Timestamp) -> [OutgoingMessage] {
        guard lease.isActive || lease.role == .claiming, let record = lease.release(now: now) else { return [] }
        core.stepDown()
        var messages: [OutgoingMessage] = []
        if let payload = try? record.encode() { messages.append(OutgoingMessage(topic: leaderTopic, payload: payload, retain: true)) }
        messages.append(core.offlineStatus)
        return messages
    }

    /// A record (or an empty payload) on the leader topic: refused with a reason when malformed
    /// or stamped in the future, else handed to the lease.
    private mutating func receiveLeader(
        _ payload: [UInt8],
        topic: String,
        now: Timestamp,
        wall: Duration,
        into step: inout ControllerStep,
        effects: inout Effects
    ) -> JournalEntry.Outcome {
        if payload.isEmpty {
            apply(lease.receiveUnusable(refused: false, wall: wall, now: now), now: now, into: &step, effects: &effects)
            return .accepted
        }
        let record: LeaderPayload
        do throws(Rejection) {
            record = try LeaderPayload(decoding: payload)
            let limit = lease.settings.siteLease + core.configuration.maximumFutureSkew + core.configuration.transitAllowance
            if now.duration(to: record.expiresAt) > limit {
                throw Rejection(
                    .futureTimestamp,
                    "leader record of \(record.holder) (term \(record.term)) expires \(record.expiresAt), further ahead of this controller's clock (\(now)) than a lease and the allowed skew"
                )
            }
        } catch {
            core.reject(error, topic: topic, payload: payload, at: now, into: &step)
            apply(lease.receiveUnusable(refused: true, wall: wall, now: now), now: now, into: &step, effects: &effects)
            return .rejected(error)
        }
        let stale = lease.current.map { record.term < $0.term } ?? false
        apply(lease.receive(record, wall: wall, now: now), now: now, into: &step, effects: &effects)
        return stale ? .duplicate : .accepted
    }

    /// Carries out what the lease says: publish its record, take charge, step down.
    private mutating func apply(_ actions: [LeaderLease.Action], now: Timestamp, into step: inout ControllerStep, effects: inout Effects) {
        for action in actions {
            switch action {
            case .publish(let record):
                let topic = leaderTopic
                let message = Result { () throws(WireError) in OutgoingMessage(topic: topic, payload: try record.encode(), retain: true) }
                core.emit("leader record", message, into: &step)
            case .becameActive(let term):
                effects.role = .active
                effects.unsubscribeOwnTopics = true
                step.notes.append("active: this controller holds the site's lease with term \(term)")
                if core.isConnected { step.messages.append(core.onlineStatus) }
                step.append(core.takeCharge(term: term, at: now))
                nextDecision = now.advanced(by: core.configuration.decisionInterval)
            case .steppedDown(let reason):
                effects.role = .standby
                effects.subscribeOwnTopics = true
                core.stepDown()
                step.notes.append("standing by: \(reason); publishing nothing that commands miners")
            case .standingBy(let holder, let term):
                effects.role = .standby
                step.notes.append(
                    holder.map { "standing by: \($0) holds the site's lease (term \(term)); following the site" }
                        ?? "standing by: the site's lease record is unreadable; following the site until a lease passes without one"
                )
            }
        }
    }
}
