/// A parsed expression, before type checking.
indirect enum SyntaxTree: Hashable, Sendable {
    case number(Double, Dimension, offset: Int)
    case boolean(Bool, offset: Int)
    case string(String, offset: Int)
    case name(String, offset: Int)
    case call(String, [SyntaxTree], offset: Int)
    case unary(String, SyntaxTree, offset: Int)
    case binary(String, SyntaxTree, SyntaxTree, offset: Int)
    case inList(SyntaxTree, [SyntaxTree], offset: Int)
    case inRange(SyntaxTree, SyntaxTree, SyntaxTree, offset: Int)

    var offset: Int {
        switch self {
        case .number(_, _, let o), .boolean(_, let o), .string(_, let o), .name(_, let o), .call(_, _, let o),
            .unary(_, _, let o), .binary(_, _, _, let o), .inList(_, _, let o), .inRange(_, _, _, let o):
            return o
        }
    }
}

/// Recursive-descent parser. Precedence, loosest first: `or`, `and`, `not`, comparisons and
/// `in`, `+ -`, `* /`, unary `-`, calls and atoms.
struct Parser {
    private var tokens: [Token]
    private var index = 0

    static func parse(_ text: String) throws(ExpressionError) -> SyntaxTree {
        var parser = Parser(tokens: try Lexer.tokens(text))
        if case .end = parser.peek.kind {
            throw ExpressionError(offset: 0, message: "empty expression")
        }
        let tree = try parser.orExpression()
        guard case .end = parser.peek.kind else {
            throw ExpressionError(offset: parser.peek.offset, message: "unexpected \(parser.peek.kind.text) after a complete expression")
        }
        return tree
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    private var peek: Token { tokens[index] }

    private mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private mutating func accept(symbol: String) -> Token? {
        if case .symbol(symbol) = peek.kind { return advance() }
        return nil
    }

    private mutating func accept(keyword: String) -> Token? {
        if case .identifier(keyword) = peek.kind { return advance() }
        return nil
    }

    private mutating func expect(symbol: String, _ context: String) throws(ExpressionError) {
        guard accept(symbol: symbol) != nil else {
            throw ExpressionError(offset: peek.offset, message: "expected '\(symbol)' \(context), found \(peek.kind.text)")
        }
    }

    private mutating func orExpression() throws(ExpressionError) -> SyntaxTree {
        var left = try andExpression()
        while let token = accept(keyword: "or") {
            left = .binary("or", left, try andExpression(), offset: token.offset)
        }
        return left
    }

    private mutating func andExpression() throws(ExpressionError) -> SyntaxTree {
        var left = try notExpression()
        while let token = accept(keyword: "and") {
            left = .binary("and", left, try notExpression(), offset: token.offset)
        }
        return left
    }

    private mutating func notExpression() throws(ExpressionError) -> SyntaxTree {
        if let token = accept(keyword: "not") {
            return .unary("not", try notExpression(), offset: token.offset)
        }
        return try comparison()
    }

    private mutating func comparison() throws(ExpressionError) -> SyntaxTree {
        let left = try additive()
        for op in ["<=", ">=", "==", "!=", "<", ">"] {
            if let token = accept(symbol: op) {
                let right = try additive()
                if case .symbol(let next) = peek.kind, ["<=", ">=", "==", "!=", "<", ">"].contains(next) {
                    throw ExpressionError(
                        offset: peek.offset,
                        message: "comparisons do not chain; write 'a < b and b < c' or 'b in a..c'"
                    )
                }
                return .binary(op, left, right, offset: token.offset)
            }
        }
        if let token = accept(keyword: "in") {
            if accept(symbol: "[") != nil {
                var items: [SyntaxTree] = []
                if accept(symbol: "]") == nil {
                    repeat { items.append(try additive()) } while accept(symbol: ",") != nil
                    try expect(symbol: "]", "to close the list")
                }
                return .inList(left, items, offset: token.offset)
            }
            let low = try additive()
            try expect(symbol: "..", "in a range such as 'hour in 14..18'")
            let high = try additive()
            return .inRange(left, low, high, offset: token.offset)
        }
        return left
    }

    private mutating func additive() throws(ExpressionError) -> SyntaxTree {
        var left = try multiplicative()
        while true {
            if let token = accept(symbol: "+") {
                left = .binary("+", left, try multiplicative(), offset: token.offset)
            } else if let token = accept(symbol: "-") {
                left = .binary("-", left, try multiplicative(), offset: token.offset)
            } else {
                return left
            }
        }
    }

    private mutating func multiplicative() throws(ExpressionError) -> SyntaxTree {
        var left = try unary()
        while true {
            if let token = accept(symbol: "*") {
                left = .binary("*", left, try unary(), offset: token.offset)
            } else if let token = accept(symbol: "/") {
                left = .binary("/", left, try unary(), offset: token.offset)
            } else {
                return left
            }
        }
    }

    private mutating func unary() throws(ExpressionError) -> SyntaxTree {
        if let token = accept(symbol: "-") {
            return .unary("-", try unary(), offset: token.offset)
        }
        return try primary()
    }

    private mutating func primary() throws(ExpressionError) -> SyntaxTree {
        let token = advance()
        switch token.kind {
        case .number(let value):
            if case .unit(let word) = peek.kind, let (dimension, factor) = Dimension.unit(named: word) {
                _ = advance()
                return .number(value * factor, dimension, offset: token.offset)
            }
            return .number(value, .none, offset: token.offset)
        case .string(let text):
            return .string(text, offset: token.offset)
        case .identifier(let name):
            switch name {
            case "true": return .boolean(true, offset: token.offset)
            case "false": return .boolean(false, offset: token.offset)
            case "and", "or", "not", "in":
                throw ExpressionError(offset: token.offset, message: "expected a value before '\(name)'")
            default: break
            }
            if accept(symbol: "(") != nil {
                var arguments: [SyntaxTree] = []
                if accept(symbol: ")") == nil {
                    repeat { arguments.append(try orExpression()) } while accept(symbol: ",") != nil
                    try expect(symbol: ")", "to close the call to \(name)")
                }
                return .call(name, arguments, offset: token.offset)
            }
            return .name(name, offset: token.offset)
        case .symbol("("):
            let inner = try orExpression()
            try expect(symbol: ")", "to close '('")
            return inner
        case .unit(let word):
            throw ExpressionError(offset: token.offset, message: "unit '\(word)' must follow a number")
        case .end:
            throw ExpressionError(offset: token.offset, message: "expression ends too early: expected a value")
        case .symbol(let symbol):
            throw ExpressionError(offset: token.offset, message: "expected a value, found '\(symbol)'")
        }
    }
}

extension Token.Kind {
    var text: String {
        switch self {
        case .number(let value): return "number \(value)"
        case .identifier(let name): return "'\(name)'"
        case .string(let text): return "string \"\(text)\""
        case .unit(let word): return "unit '\(word)'"
        case .symbol(let symbol): return "'\(symbol)'"
        case .end: return "end of expression"
        }
    }
}
