/// Type-checks a syntax tree and emits stack code.
struct Compiler {
    static let functions: Set<String> = [
        "avg", "lowest", "highest", "percentile", "min", "max", "abs", "clamp", "event_active",
    ]

    var environment: ExpressionEnvironment
    var ops: [CompiledExpression.Op] = []
    var lists: [[Double]] = []
    var names: [String] = []
    private var depth = 0
    private(set) var maxDepth = 0

    init(environment: ExpressionEnvironment) { self.environment = environment }

    private mutating func push(_ op: CompiledExpression.Op, net: Int) {
        ops.append(op)
        depth += net
        maxDepth = max(maxDepth, depth)
    }

    private mutating func note(_ name: String) {
        if !names.contains(name) { names.append(name) }
    }

    mutating func emit(_ tree: SyntaxTree) throws(ExpressionError) -> ExpressionType {
        switch tree {
        case .number(let value, let dimension, _):
            push(.constant(value), net: 1)
            return .number(dimension)
        case .boolean(let value, _):
            push(.constant(value ? 1 : 0), net: 1)
            return .boolean
        case .string(_, let offset):
            throw ExpressionError(offset: offset, message: "a string can only be an argument of event_active(\"PROGRAM\")")
        case .name(let name, let offset):
            if let variable = Variable.byName[name] {
                environment.use(variable)
                note(name)
                push(variable == .eventActive ? .anyEvent : .variable(variable.rawValue), net: 1)
                return variable.type
            }
            if let parameter = environment.parameters[name] {
                note(name)
                push(.parameter(parameter.index), net: 1)
                return .number(parameter.dimension)
            }
            if let constant = Variable.constants[name] {
                push(.constant(constant), net: 1)
                return .number(.none)
            }
            if Self.functions.contains(name) {
                throw ExpressionError(offset: offset, message: "'\(name)' is a function: call it as \(name)(…)")
            }
            throw ExpressionError(offset: offset, message: "undefined name '\(name)'\(Self.suggestion(for: name, in: environment))")
        case .unary(let op, let operand, let offset):
            let type = try emit(operand)
            if op == "not" {
                guard type == .boolean else {
                    throw ExpressionError(offset: offset, message: "'not' needs true/false, but its operand is \(type)")
                }
                push(.not, net: 0)
                return .boolean
            }
            guard case .number = type else {
                throw ExpressionError(offset: offset, message: "'-' needs a number, but its operand is \(type)")
            }
            push(.negate, net: 0)
            return type
        case .binary(let op, let left, let right, let offset):
            return try emitBinary(op, left, right, offset: offset)
        case .inList(let value, let items, let offset):
            let type = try emit(value)
            guard case .number(let dimension) = type else {
                throw ExpressionError(offset: offset, message: "'in' needs a number on its left, found \(type)")
            }
            var constants: [Double] = []
            for item in items {
                guard let (constant, itemDimension) = Self.constantValue(item) else {
                    throw ExpressionError(offset: item.offset, message: "list elements must be constants such as 6, 7 or mon")
                }
                guard itemDimension == .none || dimension == .none || itemDimension == dimension else {
                    throw ExpressionError(offset: item.offset, message: "list element is \(itemDimension), but the value is \(dimension)")
                }
                constants.append(constant)
            }
            lists.append(constants)
            push(.inList(lists.count - 1), net: 0)
            return .boolean
        case .inRange(let value, let low, let high, let offset):
            let types = [try emit(value), try emit(low), try emit(high)]
            _ = try Self.unify(types[0], types[1], offset: offset, what: "'in'")
            _ = try Self.unify(types[0], types[2], offset: offset, what: "'in'")
            push(.inRange, net: -2)
            return .boolean
        case .call(let name, let arguments, let offset):
            return try emitCall(name, arguments, offset: offset)
        }
    }

    private mutating func emitBinary(_ op: String, _ left: SyntaxTree, _ right: SyntaxTree, offset: Int) throws(ExpressionError) -> ExpressionType {
        let a = try emit(left)
        // `and`/`or` short-circuit: when the left side decides, skip the right side and the
        // operator (the left value, 0 or 1, is the result).
        let jump = ops.count
        if op == "and" || op == "or" { push(op == "and" ? .skipIfFalse(0) : .skipIfTrue(0), net: 0) }
        let b = try emit(right)
        switch op {
        case "and", "or":
            guard a == .boolean, b == .boolean else {
                let bad = a == .boolean ? b : a
                throw ExpressionError(offset: offset, message: "'\(op)' needs true/false on both sides, found \(bad)")
            }
            push(op == "and" ? .and : .or, net: -1)
            let distance = ops.count - jump - 1
            ops[jump] = op == "and" ? .skipIfFalse(distance) : .skipIfTrue(distance)
            return .boolean
        case "==", "!=":
            if a == .boolean && b == .boolean {
                push(op == "==" ? .equal : .notEqual, net: -1)
                return .boolean
            }
            _ = try Self.unify(a, b, offset: offset, what: "'\(op)'")
            push(op == "==" ? .equal : .notEqual, net: -1)
            return .boolean
        case "<", "<=", ">", ">=":
            _ = try Self.unify(a, b, offset: offset, what: "'\(op)'")
            let code: CompiledExpression.Op =
                switch op {
                case "<": .less
                case "<=": .lessOrEqual
                case ">": .greater
                default: .greaterOrEqual
                }
            push(code, net: -1)
            return .boolean
        case "+", "-":
            let dimension = try Self.unify(a, b, offset: offset, what: "'\(op)'")
            push(op == "+" ? .add : .subtract, net: -1)
            return .number(dimension)
        case "*":
            guard case .number(let x) = a, case .number(let y) = b else {
                throw ExpressionError(offset: offset, message: "'*' needs numbers on both sides")
            }
            guard x == .none || y == .none else {
                throw ExpressionError(offset: offset, message: "cannot multiply \(x) by \(y); one side must be a plain number")
            }
            push(.multiply, net: -1)
            return .number(x == .none ? y : x)
        default:
            guard case .number(let x) = a, case .number(let y) = b else {
                throw ExpressionError(offset: offset, message: "'/' needs numbers on both sides")
            }
            let result: Dimension
            if x == y {
                result = .none
            } else if y == .none {
                result = x
            } else {
                throw ExpressionError(offset: offset, message: "cannot divide \(x) by \(y)")
            }
            push(.divide, net: -1)
            return .number(result)
        }
    }

    private mutating func emitCall(_ name: String, _ arguments: [SyntaxTree], offset: Int) throws(ExpressionError) -> ExpressionType {
        switch name {
        case "avg", "lowest", "highest", "percentile":
            let usage = name == "percentile" ? "percentile(price, 24h, 90)" : "\(name)(price, 4h)"
            guard arguments.count == (name == "percentile" ? 3 : 2) else {
                throw ExpressionError(offset: offset, message: "\(name) takes \(name == "percentile" ? 3 : 2) arguments: \(usage)")
            }
            guard case .name("price", _) = arguments[0] else {
                throw ExpressionError(offset: arguments[0].offset, message: "the first argument of \(name) must be 'price': \(usage)")
            }
            guard let (window, dimension) = Self.constantValue(arguments[1]), dimension == .duration, window > 0 else {
                throw ExpressionError(offset: arguments[1].offset, message: "the window of \(name) must be a positive duration such as 4h or 90m")
            }
            var percentile = 0.0
            if name == "percentile" {
                guard let (value, _) = Self.constantValue(arguments[2]), (0...100).contains(value) else {
                    throw ExpressionError(offset: arguments[2].offset, message: "the percentile must be a constant from 0 to 100")
                }
                percentile = value
            }
            let kind = Aggregate.Kind(rawValue: name) ?? .average
            let slot = environment.slot(for: Aggregate(kind: kind, windowSeconds: window, percentile: percentile))
            note("\(name)(price, …)")
            push(.aggregate(slot), net: 1)
            return .number(.price)
        case "min", "max":
            guard arguments.count >= 2 else {
                throw ExpressionError(offset: offset, message: "\(name) takes two or more numbers, e.g. \(name)(price, 100)")
            }
            var dimension = Dimension.none
            for argument in arguments {
                let type = try emit(argument)
                dimension = try Self.unify(.number(dimension), type, offset: argument.offset, what: name)
            }
            push(name == "min" ? .minimum(arguments.count) : .maximum(arguments.count), net: 1 - arguments.count)
            return .number(dimension)
        case "abs":
            guard arguments.count == 1 else { throw ExpressionError(offset: offset, message: "abs takes one number") }
            let type = try emit(arguments[0])
            guard case .number = type else { throw ExpressionError(offset: arguments[0].offset, message: "abs needs a number, found \(type)") }
            push(.absolute, net: 0)
            return type
        case "clamp":
            guard arguments.count == 3 else {
                throw ExpressionError(offset: offset, message: "clamp takes three numbers: clamp(value, low, high)")
            }
            var dimension = Dimension.none
            for argument in arguments {
                dimension = try Self.unify(.number(dimension), try emit(argument), offset: argument.offset, what: "clamp")
            }
            push(.clamp, net: -2)
            return .number(dimension)
        case "event_active":
            if arguments.isEmpty {
                environment.use(.eventActive)
                note("event_active")
                push(.anyEvent, net: 1)
                return .boolean
            }
            guard arguments.count == 1, case .string(let program, _) = arguments[0] else {
                throw ExpressionError(
                    offset: offset,
                    message: "event_active takes no argument or one program in quotes, e.g. event_active(\"ERS-10\")"
                )
            }
            let slot = environment.slot(forEvent: program)
            note("event_active(\"\(program)\")")
            push(.event(slot), net: 1)
            return .boolean
        default:
            if Variable.byName[name] != nil || environment.parameters[name] != nil {
                throw ExpressionError(offset: offset, message: "'\(name)' is a value, not a function")
            }
            throw ExpressionError(
                offset: offset,
                message: "unknown function '\(name)'; functions are \(Self.functions.sorted().joined(separator: ", "))"
            )
        }
    }

    /// The common unit of two numbers (a plain number adopts the other's unit).
    static func unify(_ a: ExpressionType, _ b: ExpressionType, offset: Int, what: String) throws(ExpressionError) -> Dimension {
        guard case .number(let x) = a, case .number(let y) = b else {
            let bad: ExpressionType
            if case .number = a { bad = b } else { bad = a }
            throw ExpressionError(offset: offset, message: "\(what) needs numbers, found \(bad)")
        }
        if x == y || y == .none { return x }
        if x == .none { return y }
        throw ExpressionError(offset: offset, message: "\(what) mixes \(x) and \(y)")
    }

    /// The value of a constant syntax tree (numbers, weekday names, negation), else nil.
    static func constantValue(_ tree: SyntaxTree) -> (Double, Dimension)? {
        switch tree {
        case .number(let value, let dimension, _): return (value, dimension)
        case .name(let name, _): return Variable.constants[name].map { ($0, .none) }
        case .unary("-", let inner, _): return constantValue(inner).map { (-$0.0, $0.1) }
        default: return nil
        }
    }

    /// "; did you mean 'x'?" for a close known name.
    static func suggestion(for name: String, in environment: ExpressionEnvironment) -> String {
        let candidates = Array(Variable.byName.keys) + Array(environment.parameters.keys) + Array(Variable.constants.keys)
        return NameSuggestion.closest(to: name, in: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }
}
