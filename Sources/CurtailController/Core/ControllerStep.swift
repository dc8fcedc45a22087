public import CurtailWire

/// What one call into ``ControllerCore`` produced: messages to publish and things to report.
public struct ControllerStep: Sendable {
    /// To publish, in order.
    public var messages: [OutgoingMessage] = []
    /// Inputs refused (each also has its message on `rejected` in ``messages``), with their topic.
    public var rejections: [(topic: String, rejection: Rejection)] = []
    /// Operator-level news: event acknowledged, under-frequency trip, failsafe entered, ...
    public var notes: [String] = []
    /// Whether a decision was made.
    public var decided = false
    /// Commands issued in this step (each also has its message in ``messages``), by group index.
    public var issuedCommands: [(group: Int, command: CommandPayload)] = []
    /// Grid events that ended or were cancelled, with their final bookkeeping and status.
    public var closedObligations: [(obligation: Obligation, status: ObligationStatus)] = []

    public init() {}

    mutating func append(_ other: ControllerStep) {
        messages += other.messages
        rejections += other.rejections
        notes += other.notes
        closedObligations += other.closedObligations
        issuedCommands += other.issuedCommands
        decided = decided || other.decided
    }
}

/// Running counts, published in the state and read by tests and the demo.
public struct ControllerCounters: Hashable, Sendable {
    public var decisions = 0
    public var commands = 0
    public var accepted = 0
    /// Exact repeats of inputs already applied (QoS 1 redeliveries, retained copies): ignored.
    public var duplicates = 0
    /// Refused inputs by ``Rejection/Kind`` raw value.
    public var rejected: [String: Int] = [:]
    /// Outgoing messages not published because their payload could not be encoded (a
    /// non-finite number); each is also a note.
    public var unencodable = 0

    public init() {}

    public var rejectedTotal: Int { rejected.values.reduce(0, +) }
}
