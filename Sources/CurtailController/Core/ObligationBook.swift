public import CurtailCore

/// The grid events a controller must honour, and the ids it must not honour again.
///
/// An event id that was cancelled or has ended is remembered until the event's end (an event
/// that has ended is refused by the decoder anyway, so nothing after that could start it
/// again); a cancellation for an id never seen is remembered for ``unknownCancellationHorizon``.
/// Ids are pruned by time, never wiped wholesale, so a redelivered copy of a cancelled event
/// is always recognised while it could still matter.
public struct ObligationBook: Sendable {
    /// How long a cancellation of an unknown event is remembered: events may be announced up to
    /// 7 days ahead, so a day more than that.
    public static let unknownCancellationHorizon: Duration = .seconds(8 * 86_400)

    /// Events in force (acknowledged, not ended or cancelled), by id.
    public private(set) var obligations: [String: Obligation] = [:]
    /// Cancelled or ended ids, with the time after which they can be forgotten.
    public private(set) var closed: [String: Timestamp] = [:]
    /// The earliest of those times: ``prune(at:)`` does nothing before it (it runs every decision).
    private var nextForget: Timestamp?

    public init() {}

    /// Whether `id` was cancelled or has ended.
    public func isClosed(_ id: String) -> Bool { closed[id] != nil }

    /// The obligation for `id`, if one is in force.
    public subscript(id: String) -> Obligation? { obligations[id] }

    /// Adds or replaces an obligation in force.
    public mutating func put(_ obligation: Obligation) {
        obligations[obligation.event.id] = obligation
    }

    /// Closes `id` (cancelled or ended): returns the obligation if one was in force.
    public mutating func close(_ id: String, at now: Timestamp) -> Obligation? {
        let obligation = obligations.removeValue(forKey: id)
        let forgetAfter = obligation?.event.end ?? now.advanced(by: Self.unknownCancellationHorizon)
        let forget = max(closed[id] ?? forgetAfter, forgetAfter)
        closed[id] = forget
        nextForget = min(nextForget ?? forget, forget)
        return obligation
    }

    /// Updates the obligation in force under `id` in place.
    public mutating func update(_ id: String, _ body: (inout Obligation) -> Void) {
        guard var obligation = obligations[id] else { return }
        body(&obligation)
        obligations[id] = obligation
    }

    /// Forgets closed ids whose time has passed.
    public mutating func prune(at now: Timestamp) {
        guard let due = nextForget, due <= now else { return }
        closed = closed.filter { $0.value > now }
        nextForget = closed.values.min()
    }

    /// Ids of obligations whose event has ended at `now`.
    public func ended(at now: Timestamp) -> [String] {
        obligations.values.filter { $0.event.end <= now }.map(\.event.id).sorted()
    }
}
