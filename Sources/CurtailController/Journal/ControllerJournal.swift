public import CurtailCore
public import CurtailWire

/// Where the controller records, as it publishes, every input it heard, every decision
/// (with its rule trace) and every command, so that it can resume after a crash and an operator
/// can prove what was curtailed when. `CurtailAudit.AuditLog` is the SQLite implementation.
public protocol ControllerJournal: Sendable {
    /// Appends the record of one step. Called right after the step's messages are handed to the
    /// MQTT client (publishing comes first: the latency budget), before the next input.
    func append(_ entry: JournalEntry) throws(JournalError)
    /// Starts writing the buffered entries (called as a step's messages are published, and on a
    /// timer); may return before they are on disk.
    func flush() throws(JournalError)
    /// Waits until everything appended is on disk (at shutdown).
    func sync() throws(JournalError)
    /// What to resume at start-up.
    func recover(at now: Timestamp) throws(JournalError) -> JournalRecovery
}

/// One step of the controller, as recorded.
public struct JournalEntry: Sendable {
    /// What happened to a received message.
    public enum Outcome: Sendable, Hashable {
        case accepted
        case duplicate
        case rejected(Rejection)
    }

    /// A received message and what became of it.
    public struct Input: Sendable {
        public var topic: String
        public var payload: [UInt8]
        public var outcome: Outcome

        public init(topic: String, payload: [UInt8], outcome: Outcome) {
            self.topic = topic
            self.payload = payload
            self.outcome = outcome
        }
    }

    /// A decision, with its rule trace.
    public struct DecisionRecord: Sendable {
        public var siteMW: Double
        public var measuredMW: Double?
        /// The price the economics compared against (after adders and rule overrides).
        public var effectivePrice: Double?
        public var hashPrice: Double
        public var capMW: Double
        /// Site constraints that bound (`cap`, `ramp_up`, `stale_price`, ...).
        public var constraints: [String]
        /// Rules that fired, in priority order.
        public var rules: [String]

        public init(
            siteMW: Double,
            measuredMW: Double?,
            effectivePrice: Double?,
            hashPrice: Double,
            capMW: Double,
            constraints: [String],
            rules: [String]
        ) {
            self.siteMW = siteMW
            self.measuredMW = measuredMW
            self.effectivePrice = effectivePrice
            self.hashPrice = hashPrice
            self.capMW = capMW
            self.constraints = constraints
            self.rules = rules
        }
    }

    /// The controller's clock when the step happened.
    public var time: Timestamp
    public var input: Input?
    public var decision: DecisionRecord?
    /// Commands issued in the step, by group name.
    public var commands: [(group: String, command: CommandPayload)]
    /// Obligations in force after the step (their bookkeeping changes as load is measured).
    public var obligations: [Obligation]
    /// Obligations that ended or were cancelled in the step, with their final status.
    public var closedObligations: [(obligation: Obligation, status: ObligationStatus)]
    /// Operator-level notices.
    public var notes: [String]

    public init(
        time: Timestamp,
        input: Input? = nil,
        decision: DecisionRecord? = nil,
        commands: [(group: String, command: CommandPayload)] = [],
        obligations: [Obligation] = [],
        closedObligations: [(obligation: Obligation, status: ObligationStatus)] = [],
        notes: [String] = []
    ) {
        self.time = time
        self.input = input
        self.decision = decision
        self.commands = commands
        self.obligations = obligations
        self.closedObligations = closedObligations
        self.notes = notes
    }
}

/// What a journal gives back at start-up.
public struct JournalRecovery: Sendable {
    /// Highest `seq` recorded.
    public var seq: Int64
    /// Highest fencing term recorded on a command.
    public var term: Int64
    /// The last command recorded per group (expired ones included; the core drops them).
    public var commands: [String: CommandPayload]
    /// Obligations recorded as in force.
    public var obligations: [Obligation]

    public init(seq: Int64 = 0, term: Int64 = 0, commands: [String: CommandPayload] = [:], obligations: [Obligation] = []) {
        self.seq = seq
        self.term = term
        self.commands = commands
        self.obligations = obligations
    }
}

/// A journal that cannot be written or read. The message says what to do.
public struct JournalError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
