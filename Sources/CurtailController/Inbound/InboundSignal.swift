public import CurtailCore
public import CurtailWire

/// One validated input, decoded from an MQTT message.
public enum InboundSignal: Sendable, Equatable {
    /// A price; `dayAhead` for `"kind": "da"`.
    case price(PriceObservation, dayAhead: Bool)
    /// A deployment (new or updated).
    case event(GridEvent)
    /// `"status": "cancelled"` for an event id.
    case eventCancelled(id: String)
    /// A 4CP alert.
    case alert(GridAlert)
    /// An EEA level (0 ends the emergency).
    case eea(level: Int)
    case frequency(hz: Double, at: Timestamp)
    case hashPrice(USDPerTerahashDay, at: Timestamp)
    /// A group's telemetry (group index in site order), its time checked.
    case telemetry(group: Int, TelemetryPayload)
    /// The site meter.
    case meter(kilowatts: Double, at: Timestamp)
    /// A command this controller published before (read back from the broker at start-up).
    case retainedCommand(group: Int, CommandPayload)
    /// The state this controller published before (read back at start-up).
    case retainedState(RetainedState)
}

/// The parts of a previously published state that a restarted controller resumes from.
public struct RetainedState: Hashable, Sendable {
    /// Highest command `seq` issued.
    public var seq: Int64
    /// Obligations in force, with their compliance bookkeeping.
    public var obligations: [Obligation]
    /// When the state was published.
    public var time: Timestamp

    public init(seq: Int64, obligations: [Obligation], time: Timestamp) {
        self.seq = seq
        self.obligations = obligations
        self.time = time
    }
}
