/// A policy setting: a fixed value or a reference to a tunable parameter.
public enum Setting: Hashable, Sendable, CustomStringConvertible {
    case value(Double)
    /// Index into the policy's parameters.
    case parameter(Int, name: String)

    /// The value with the given parameter values.
    public func resolve(_ parameters: [Double]) -> Double {
        switch self {
        case .value(let value): return value
        case .parameter(let index, _): return parameters[index]
        }
    }

    public var description: String {
        switch self {
        case .value(let value): return "\(value)"
        case .parameter(_, let name): return name
        }
    }
}
