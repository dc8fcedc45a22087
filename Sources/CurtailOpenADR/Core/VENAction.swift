public import CurtailCore
public import CurtailWire

/// What the VEN core asks its service to do: publish into the grid contract, or answer the VTN.
public enum VENAction: Hashable, Sendable {
    /// A site cap on `grid/{market}/events` (new, or the same id with a new target or end).
    case publishEvent(GridEvent)
    /// `{"id": ..., "status": "cancelled"}` on `grid/{market}/events`.
    case cancelEvent(id: String)
    /// `{"kind": "eea", "level": N}` on `grid/{market}/alerts` (0 when the alert ends).
    case publishEEA(level: Int)
    /// A price on `grid/{market}/{node}/price`.
    case publishPrice(PricePayload)
    /// The VEN's answer to one event (2.0b `oadrCreatedEvent`; 3.1 has no opt message, the answer
    /// shows in the reports).
    case respond(EventResponse)
}

/// An opt-in or opt-out for one version of an event, with the 2.0b response code and the reason.
public struct EventResponse: Hashable, Sendable {
    public var eventID: String
    public var modification: Int
    public var optIn: Bool
    /// 200, or a 2.0b status code: 450 out of sequence, 452 invalid id, 454 invalid data, 460
    /// signal not supported.
    public var code: Int
    /// Why, in words (logged; the VTN gets it as the response description).
    public var reason: String

    public init(eventID: String, modification: Int, optIn: Bool, code: Int, reason: String) {
        self.eventID = eventID
        self.modification = modification
        self.optIn = optIn
        self.code = code
        self.reason = reason
    }
}

/// One step of the core: its actions, and lines for the log.
public struct VENStep: Sendable {
    public var actions: [VENAction] = []
    /// What happened, one line each (logged at info).
    public var notes: [String] = []
    /// Events refused, one line each (logged at warning, counted).
    public var refusals: [String] = []

    public init() {}
}
