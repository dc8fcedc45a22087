/// Several compiled expressions flattened into one instruction array, so the engine evaluates
/// all rule conditions of a tick without touching per-rule storage (no reference counting in
/// the hot loop).
public struct ProgramSet: Sendable {
    private let ops: [CompiledExpression.Op]
    private let ranges: [Range<Int>]
    private let lists: [[Double]]
    private let depth: Int
    /// Per program: whether it reads only constants and parameters.
    public let dependsOnlyOnParameters: [Bool]

    /// Flattens `expressions`, in order; evaluate them by index.
    public init(_ expressions: [CompiledExpression]) {
        var ops: [CompiledExpression.Op] = []
        var ranges: [Range<Int>] = []
        var lists: [[Double]] = []
        var depth = 1
        dependsOnlyOnParameters = expressions.map(\.dependsOnlyOnParameters)
        for expression in expressions {
            let start = ops.count
            let listBase = lists.count
            for op in expression.ops {
                if case .inList(let index) = op { ops.append(.inList(index + listBase)) } else { ops.append(op) }
            }
            lists += expression.lists
            ranges.append(start..<ops.count)
            depth = max(depth, expression.stackDepth)
        }
        self.ops = ops
        self.ranges = ranges
        self.lists = lists
        self.depth = depth
    }

    /// Number of programs.
    public var count: Int { ranges.count }

    /// Evaluates every program, writing program `i`'s value to `results[i]` (resized when
    /// needed): one setup and one interpreter stack for all of them.
    public func evaluateAll(in context: ExpressionContext, into results: inout [Double]) {
        if results.count != ranges.count { results = Array(repeating: 0, count: ranges.count) }
        results.withUnsafeMutableBufferPointer { results in
            ops.withUnsafeBufferPointer { ops in
                context.withInputs { inputs in
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: max(depth, 1)) { stack in
                        for (index, range) in ranges.enumerated() {
                            results[index] = CompiledExpression.run(
                                UnsafeBufferPointer(rebasing: ops[range]),
                                stack: stack,
                                lists: lists,
                                inputs: inputs
                            )
                        }
                    }
                }
            }
        }
    }

    /// Evaluates program `index`. Booleans are 1 and 0.
    public func evaluate(_ index: Int, in context: ExpressionContext) -> Double {
        ops.withUnsafeBufferPointer { ops in
            context.withInputs { inputs in
                withUnsafeTemporaryAllocation(of: Double.self, capacity: max(depth, 1)) { stack in
                    CompiledExpression.run(UnsafeBufferPointer(rebasing: ops[ranges[index]]), stack: stack, lists: lists, inputs: inputs)
                }
            }
        }
    }
}
