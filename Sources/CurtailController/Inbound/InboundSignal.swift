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
    /// Ancillary capacity awarded.
    case award(AncillaryAward)
    /// A 4CP alert.
    case alert(GridAlert)
    /// An EEA level (0 ends the emergency).
    case eea(level: Int)
    case frequency(hz: Double, at: Timestamp)
    case hashPrice(USDPerTerahashDay, at: Timestamp)
    /// What the price feed says of itself.
    case priceFeed(PriceFeedStatusPayload.State)
    /// A group's telemetry (group index in site order), its time checked.
    case telemetry(group: Int, TelemetryPayload)
    /// The site meter.
    case meter(kilowatts: Double, at: Timestamp)
    /// A command on a group's command topic (this controller's own from before a restart, or
    /// the active controller's, followed while in standby).
    case command(group: Int, CommandPayload)
    /// The site's state (retained from before a restart, or the active controller's).
    case state(RetainedState)
    /// A grid event report (the active controller's, followed while in standby).
    case eventReport(EventReportPayload)
}

/// The parts of a published state that a restarted or standby controller resumes from.
public struct RetainedState: Hashable, Sendable {
    /// Highest command `seq` issued.
    public var seq: Int64
    /// The publisher's fencing term.
    public var term: Int64
    /// The publishing controller's instance, if it said.
    public var controller: String?
    /// Obligations in force, with their compliance bookkeeping.
    public var obligations: [Obligation]
    /// When the state was published.
    public var time: Timestamp
    /// Ancillary awards held.
    public var awards: [AncillaryAward]

    public init(seq: Int64, term: Int64 = 0, controller: String? = nil, obligations: [Obligation], time: Timestamp, awards: [AncillaryAward] = []) {
        self.seq = seq
        self.term = term
        self.controller = controller
        self.obligations = obligations
        self.time = time
        self.awards = awards
    }
}
