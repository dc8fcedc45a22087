/// An advisory signal: a coincident-peak (4CP) warning for a time window.
public struct GridAlert: Hashable, Sendable {
    /// What an alert warns of.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// A likely coincident peak: the one rules read (`cp_alert`, `cp_probability`).
        case fourCP = "4cp"
    }

    /// What the alert warns of.
    public var kind: Kind
    /// Probability that the window holds the peak, 0...1.
    public var probability: Double
    /// The window the alert is about.
    public var start: Timestamp
    public var end: Timestamp

    public init(kind: Kind, probability: Double, start: Timestamp, end: Timestamp) {
        self.kind = kind
        self.probability = probability
        self.start = start
        self.end = end
    }

    /// Whether `time` is inside the alert window.
    public func isActive(at time: Timestamp) -> Bool { start <= time && time < end }
}
