/// An expression parsed, type-checked and compiled to a small stack program, once, at load
/// time. Evaluating it never parses or allocates.
public struct CompiledExpression: Hashable, Sendable, CustomStringConvertible {
    enum Op: Hashable, Sendable {
        case constant(Double)
        case variable(Int)
        case parameter(Int)
        case aggregate(Int)
        case event(Int)
        case anyEvent
        case add, subtract, multiply, divide, negate
        case less, lessOrEqual, greater, greaterOrEqual, equal, notEqual
        case and, or, not
        /// Short-circuit: skip the next n ops when the top is 0 (`and`) or not 0 (`or`, which
        /// then leaves 1).
        case skipIfFalse(Int), skipIfTrue(Int)
        case minimum(Int), maximum(Int), absolute, clamp
        case inRange
        case inList(Int)
    }

    let ops: [Op]
    let lists: [[Double]]
    let stackDepth: Int
    /// The result type.
    public let type: ExpressionType
    /// The source text.
    public let source: String
    /// Names the expression reads (variables and parameters), for the rule trace.
    public let names: [String]

    /// Parses, checks and compiles `source`.
    ///
    /// - Parameters:
    ///   - source: the expression text.
    ///   - expected: the type the result must have; a bare number is accepted where a number with
    ///     a unit is expected.
    ///   - environment: parameters in scope; collects what the expression uses.
    /// - Throws: ``ExpressionError`` with the offset of the first problem.
    public init(_ source: String, expecting expected: ExpressionType, in environment: inout ExpressionEnvironment) throws(ExpressionError) {
        let tree = try Parser.parse(source)
        var compiler = Compiler(environment: environment)
        let type = try compiler.emit(tree)
        switch (expected, type) {
        case (.number(let want), .number(let have)) where have == want || have == .none:
            break
        default:
            if expected != type {
                throw ExpressionError(offset: 0, message: "expected \(expected), but this expression is \(type)")
            }
        }
        environment = compiler.environment
        ops = compiler.ops
        lists = compiler.lists
        stackDepth = compiler.maxDepth
        self.type = type
        self.source = source
        names = compiler.names
    }

    /// Evaluates the expression. Booleans are 1 (true) and 0 (false).
    public func evaluate(in context: ExpressionContext) -> Double {
        ops.withUnsafeBufferPointer { ops in
            context.withInputs { inputs in
                withUnsafeTemporaryAllocation(of: Double.self, capacity: max(stackDepth, 1)) { stack in
                    Self.run(ops, stack: stack, lists: lists, inputs: inputs)
                }
            }
        }
    }

    /// What a program reads, as buffers: borrowed from an ``ExpressionContext`` for one
    /// evaluation (see ``ExpressionContext/withInputs(_:)``).
    struct Inputs {
        var variables: UnsafeBufferPointer<Double>
        var parameters: UnsafeBufferPointer<Double>
        var aggregates: UnsafeBufferPointer<Double>
        var events: UnsafeBufferPointer<Double>
    }

    /// The interpreter on a stack the caller provides (at least the program's depth).
    @inline(__always)
    static func run(_ ops: UnsafeBufferPointer<Op>, stack: UnsafeMutableBufferPointer<Double>, lists: [[Double]], inputs: Inputs) -> Double {
        let (variables, parameters, aggregates, events) = (inputs.variables, inputs.parameters, inputs.aggregates, inputs.events)
        do {
            var top = -1
            var pc = 0
            while pc < ops.count {
                let op = ops[pc]
                pc += 1
                switch op {
                case .constant(let value):
                    top += 1
                    stack[top] = value
                case .variable(let index):
                    top += 1
                    stack[top] = variables[index]
                case .parameter(let index):
                    top += 1
                    stack[top] = parameters[index]
                case .aggregate(let index):
                    top += 1
                    stack[top] = aggregates[index]
                case .event(let index):
                    top += 1
                    stack[top] = events[index]
                case .anyEvent:
                    top += 1
                    stack[top] = variables[Variable.eventActive.rawValue]
                case .add:
                    top -= 1
                    stack[top] += stack[top + 1]
                case .subtract:
                    top -= 1
                    stack[top] -= stack[top + 1]
                case .multiply:
                    top -= 1
                    stack[top] *= stack[top + 1]
                case .divide:
                    top -= 1
                    stack[top] /= stack[top + 1]
                case .negate:
                    stack[top] = -stack[top]
                case .less:
                    top -= 1
                    stack[top] = stack[top] < stack[top + 1] ? 1 : 0
                case .lessOrEqual:
                    top -= 1
                    stack[top] = stack[top] <= stack[top + 1] ? 1 : 0
                case .greater:
                    top -= 1
                    stack[top] = stack[top] > stack[top + 1] ? 1 : 0
                case .greaterOrEqual:
                    top -= 1
                    stack[top] = stack[top] >= stack[top + 1] ? 1 : 0
                case .equal:
                    top -= 1
                    stack[top] = stack[top] == stack[top + 1] ? 1 : 0
                case .notEqual:
                    top -= 1
                    stack[top] = stack[top] != stack[top + 1] ? 1 : 0
                case .and:
                    top -= 1
                    stack[top] = stack[top] != 0 && stack[top + 1] != 0 ? 1 : 0
                case .or:
                    top -= 1
                    stack[top] = stack[top] != 0 || stack[top + 1] != 0 ? 1 : 0
                case .not:
                    stack[top] = stack[top] != 0 ? 0 : 1
                case .skipIfFalse(let count):
                    if stack[top] == 0 { pc += count }
                case .skipIfTrue(let count):
                    if stack[top] != 0 {
                        stack[top] = 1
                        pc += count
                    }
                case .minimum(let count):
                    var value = stack[top]
                    for offset in 1..<count { value = Swift.min(value, stack[top - offset]) }
                    top -= count - 1
                    stack[top] = value
                case .maximum(let count):
                    var value = stack[top]
                    for offset in 1..<count { value = Swift.max(value, stack[top - offset]) }
                    top -= count - 1
                    stack[top] = value
                case .absolute:
                    stack[top] = Swift.abs(stack[top])
                case .clamp:
                    top -= 2
                    stack[top] = Swift.min(Swift.max(stack[top], stack[top + 1]), stack[top + 2])
                case .inRange:
                    top -= 2
                    let value = stack[top]
                    stack[top] = value >= stack[top + 1] && value <= stack[top + 2] ? 1 : 0
                case .inList(let index):
                    let value = stack[top]
                    stack[top] = lists[index].contains(value) ? 1 : 0
                }
            }
            return stack[0]
        }
    }

    /// Whether the value depends only on constants and parameters (not on any input), so it is
    /// fixed until a parameter changes.
    public var dependsOnlyOnParameters: Bool {
        ops.allSatisfy { op in
            switch op {
            case .variable, .aggregate, .event, .anyEvent: return false
            default: return true
            }
        }
    }

    /// Evaluates a boolean expression.
    public func isTrue(in context: ExpressionContext) -> Bool { evaluate(in: context) != 0 }

    public var description: String { source }
}

extension ExpressionContext {
    /// Calls `body` with the context's values as buffers, for the interpreter.
    @inline(__always)
    func withInputs<Result>(_ body: (CompiledExpression.Inputs) -> Result) -> Result {
        variables.withUnsafeBufferPointer { variables in
            parameters.withUnsafeBufferPointer { parameters in
                aggregates.withUnsafeBufferPointer { aggregates in
                    events.withUnsafeBufferPointer { events in
                        body(
                            CompiledExpression.Inputs(
                                variables: variables,
                                parameters: parameters,
                                aggregates: aggregates,
                                events: events
                            )
                        )
                    }
                }
            }
        }
    }
}
