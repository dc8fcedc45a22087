/// A grid operator's deployment of a demand-response program (ERS-10, ERS-30, ECRS, …)
/// that obliges the site to hold its load at or below a target.
public struct GridEvent: Hashable, Sendable {
    /// The operator's event id, e.g. `ERS-0817`.
    public var id: String
    /// The program, e.g. `ERS-10`.
    public var program: String
    /// When the obligation starts and ends.
    public var start: Timestamp
    public var end: Timestamp
    /// The target.
    public var target: Target

    /// What the site must do during the event.
    public enum Target: Hashable, Sendable {
        /// Hold site load at or below this.
        case maximum(Megawatts)
        /// Reduce load by this much from the site load when the event was first seen.
        case reduction(Megawatts)
    }

    public init(id: String, program: String, start: Timestamp, end: Timestamp, target: Target) {
        self.id = id
        self.program = program
        self.start = start
        self.end = end
        self.target = target
    }

    /// Whether the event is in force at `time` (start inclusive, end exclusive).
    public func isActive(at time: Timestamp) -> Bool { start <= time && time < end }
}
