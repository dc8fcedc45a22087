/// Why a feed refused what a server sent: the payload is never published, the reason is logged
/// and counted (`curtail_feed_refused_total{reason}`).
public struct FeedInputError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of fault, for the counter's label.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// Not JSON, or not the shape the API documents.
        case malformed
        /// A field the product must have is absent.
        case missingField = "missing_field"
        /// A field of the wrong type.
        case wrongType = "wrong_type"
        /// A value outside the contract's or reason's range.
        case outOfRange = "out_of_range"
        /// A time that is not on the market's interval grid (a nonexistent hour, a bad interval).
        case offGrid = "off_grid"
    }

    /// The fault's kind.
    public var kind: Kind
    /// What was wrong, naming the product, the field and the value.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
