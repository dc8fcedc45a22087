/// A policy that cannot run as asked: it names something the site or the caller does not have.
public struct PolicyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong and what to do about it.
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }

    static func unknownGroup(_ name: String, rule: String, known: [String]) -> PolicyError {
        PolicyError("rule '\(rule)' names group '\(name)', which the site does not have; groups are \(known.joined(separator: ", "))")
    }

    static func unknownParameter(_ name: String, known: [String]) -> PolicyError {
        PolicyError(
            "no parameter '\(name)' in this policy; parameters are \(known.isEmpty ? "(none)" : known.joined(separator: ", "))"
        )
    }

    static func outOfRange(_ name: String, _ value: Double, _ range: ClosedRange<Double>) -> PolicyError {
        PolicyError("parameter '\(name)' = \(value) is outside its range \(range.lowerBound)...\(range.upperBound)")
    }
}
