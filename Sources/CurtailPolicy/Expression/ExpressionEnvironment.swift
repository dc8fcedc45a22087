/// What expressions of one policy may refer to, and what they use: collects the window
/// statistics and event programs referenced, so the engine computes only those.
public struct ExpressionEnvironment: Sendable {
    /// Declared parameters: name → (index into the parameter values, unit).
    public private(set) var parameters: [String: (index: Int, dimension: Dimension)] = [:]
    /// Window statistics referenced, each computed once per price interval.
    public private(set) var aggregates: [Aggregate] = []
    /// Event programs or ids referenced by `event_active("…")`.
    public private(set) var eventPrograms: [String] = []
    /// Variables referenced.
    public private(set) var usedVariables: Set<Variable> = []

    public init() {}

    /// Declares a parameter; returns its index.
    @discardableResult
    public mutating func declareParameter(_ name: String, dimension: Dimension) -> Int {
        let index = parameters.count
        parameters[name] = (index, dimension)
        return index
    }

    /// Whether a name is taken by a variable, constant or function (parameters may not shadow them).
    public static func isReserved(_ name: String) -> Bool {
        Variable.byName[name] != nil || Variable.constants[name] != nil || Compiler.functions.contains(name)
            || ["true", "false", "and", "or", "not", "in"].contains(name)
    }

    mutating func slot(for aggregate: Aggregate) -> Int {
        if let index = aggregates.firstIndex(of: aggregate) { return index }
        aggregates.append(aggregate)
        return aggregates.count - 1
    }

    mutating func slot(forEvent program: String) -> Int {
        if let index = eventPrograms.firstIndex(of: program) { return index }
        eventPrograms.append(program)
        return eventPrograms.count - 1
    }

    mutating func use(_ variable: Variable) { usedVariables.insert(variable) }
}

/// The values an expression reads at one tick, filled by the engine.
public struct ExpressionContext: Sendable {
    /// Indexed by ``Variable/rawValue``.
    public var variables: [Double]
    /// Indexed by parameter index.
    public var parameters: [Double]
    /// Indexed by aggregate slot.
    public var aggregates: [Double]
    /// 1 when the event program at that slot is active, else 0.
    public var events: [Double]

    public init(parameterCount: Int, aggregateCount: Int, eventCount: Int) {
        variables = Array(repeating: .nan, count: Variable.allCases.count)
        parameters = Array(repeating: .nan, count: parameterCount)
        aggregates = Array(repeating: .nan, count: aggregateCount)
        events = Array(repeating: 0, count: eventCount)
    }

    /// Reads a variable.
    public subscript(variable: Variable) -> Double {
        get { variables[variable.rawValue] }
        set { variables[variable.rawValue] = newValue }
    }
}
