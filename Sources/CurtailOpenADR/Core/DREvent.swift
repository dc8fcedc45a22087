public import CurtailCore

/// A VTN's event in the terms both OpenADR versions share: what the VEN core decides on.
///
/// The 2.0b and 3.1 readers build it; times are absolute (UTC), durations resolved.
public struct DREvent: Hashable, Sendable {
    /// Where the VTN says the event stands.
    public enum Status: String, Hashable, Sendable {
        /// Announced, not started (2.0b `none`, `far`, `near`; 3.1 before its first interval).
        case scheduled
        /// In progress.
        case active
        /// Over (2.0b `completed`).
        case completed
        /// Called off (2.0b `cancelled`; 3.1 the zero-length "now" form or a deletion).
        case cancelled
    }

    /// The VTN's event id (it becomes the contract event's id).
    public var id: String
    /// Grows with every change (2.0b `modificationNumber`; 3.1 counts `modificationDateTime` changes).
    public var modification: Int
    /// The program: a 2.0b market context, a 3.1 program id or name.
    public var program: String
    public var status: Status
    /// Lower is more important (0 is the highest).
    public var priority: Int
    /// A test event: answered, never acted on.
    public var testEvent: Bool
    /// Whether the VTN wants an opt-in or opt-out answer (2.0b `oadrResponseRequired`).
    public var responseRequired: Bool
    /// Seconds the start may be delayed at random (2.0b `tolerance.startafter`, 3.1 `randomizeStart`).
    public var randomizeSeconds: Double
    /// Seconds before the start during which the load should move (2.0b `x-eiRampUp`).
    public var rampUpSeconds: Double
    /// The intervals, in time order, back to back or with gaps.
    public var intervals: [DRInterval]

    public init(
        id: String,
        modification: Int = 0,
        program: String = "",
        status: Status = .scheduled,
        priority: Int = 0,
        testEvent: Bool = false,
        responseRequired: Bool = true,
        randomizeSeconds: Double = 0,
        rampUpSeconds: Double = 0,
        intervals: [DRInterval]
    ) {
        self.id = id
        self.modification = modification
        self.program = program
        self.status = status
        self.priority = priority
        self.testEvent = testEvent
        self.responseRequired = responseRequired
        self.randomizeSeconds = randomizeSeconds
        self.rampUpSeconds = rampUpSeconds
        self.intervals = intervals
    }

    /// The first interval's start.
    public var start: Timestamp? { intervals.map(\.start).min() }
    /// The last interval's end.
    public var end: Timestamp? { intervals.map(\.end).max() }
}

/// One interval of an event and what it asks for.
public struct DRInterval: Hashable, Sendable {
    public var start: Timestamp
    public var end: Timestamp
    public var signals: [DRSignal]

    public init(start: Timestamp, end: Timestamp, signals: [DRSignal]) {
        self.start = start
        self.end = end
        self.signals = signals
    }
}

/// A signal value the VEN understands, or one it does not (which refuses the event).
public enum DRSignal: Hashable, Sendable {
    /// SIMPLE: 0 normal, 1 moderate, 2 high, 3 emergency shed (the raw value, checked by the core).
    case simple(Double)
    /// LOAD_DISPATCH setpoint (2.0b) or IMPORT_CAPACITY_LIMIT (3.1): the site's import at most this.
    case importLimit(kilowatts: Double)
    /// A price for the interval (ELECTRICITY_PRICE, ENERGY_PRICE, PRICE).
    case price(usdPerMWh: Double)
    /// What shedding in this interval pays (2.0b BID_PRICE).
    case payment(usdPerMWh: Double)
    /// ALERT_GRID_EMERGENCY.
    case gridEmergency
    /// A signal this VEN does not act on: its name and type as sent.
    case unsupported(String)
}
