/// Why an input was refused. Published on `site/{site}/rejected`, counted per ``Kind``.
public struct Rejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// The class of problem: the metric label and the key of the once-a-minute log.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// Not UTF-8 JSON, or not a JSON object.
        case malformed = "malformed"
        case missingField = "missing_field"
        case wrongType = "wrong_type"
        /// A number outside its allowed range (a price outside `USDPerMWh.plausibleRange`, ...).
        case outOfRange = "out_of_range"
        /// Stamped further in the future than the allowed clock skew.
        case futureTimestamp = "future_timestamp"
        /// Too old to act on.
        case staleTimestamp = "stale_timestamp"
        /// Older than an input already applied.
        case outOfOrder = "out_of_order"
        case unknownProgram = "unknown_program"
        case unknownKind = "unknown_kind"
        case unknownGroup = "unknown_group"
        case unknownTopic = "unknown_topic"
        /// A command or lease record from a controller whose fencing term is not the current one.
        case staleTerm = "stale_term"
    }

    /// The class of problem.
    public var kind: Kind
    /// A sentence for the operator: what was wrong and what was expected.
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "\(kind.rawValue): \(reason)" }
}
