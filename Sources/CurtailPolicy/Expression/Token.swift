/// A lexical token of the expression language.
struct Token: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        case number(Double)
        case identifier(String)
        case string(String)
        case unit(String)
        case symbol(String)
        case end
    }

    var kind: Kind
    /// Offset of the first scalar, from 0.
    var offset: Int
}

/// Splits expression text into tokens.
enum Lexer {
    static let symbols = ["<=", ">=", "==", "!=", "..", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ","]

    static func tokens(_ text: String) throws(ExpressionError) -> [Token] {
        let scalars = Array(text.unicodeScalars)
        var tokens: [Token] = []
        var index = 0
        func isDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 48 && s.value <= 57 }
        func isIdentifierStart(_ s: Unicode.Scalar) -> Bool { s.properties.isAlphabetic || s == "_" }
        func isIdentifierPart(_ s: Unicode.Scalar) -> Bool { isIdentifierStart(s) || isDigit(s) }
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar.properties.isWhitespace {
                index += 1
                continue
            }
            let start = index
            if isDigit(scalar) || (scalar == "." && index + 1 < scalars.count && isDigit(scalars[index + 1])) {
                var text = ""
                while index < scalars.count, isDigit(scalars[index]) || scalars[index] == "_" {
                    if scalars[index] != "_" { text.unicodeScalars.append(scalars[index]) }
                    index += 1
                }
                // A fraction, but not the start of a range `1..5`.
                if index + 1 < scalars.count, scalars[index] == ".", isDigit(scalars[index + 1]) {
                    text.unicodeScalars.append(".")
                    index += 1
                    while index < scalars.count, isDigit(scalars[index]) {
                        text.unicodeScalars.append(scalars[index])
                        index += 1
                    }
                }
                if index < scalars.count, scalars[index] == "e" || scalars[index] == "E",
                    index + 1 < scalars.count, isDigit(scalars[index + 1]) || scalars[index + 1] == "-" || scalars[index + 1] == "+"
                {
                    text.unicodeScalars.append("e")
                    index += 1
                    text.unicodeScalars.append(scalars[index])
                    index += 1
                    while index < scalars.count, isDigit(scalars[index]) {
                        text.unicodeScalars.append(scalars[index])
                        index += 1
                    }
                }
                guard let value = Double(text) else {
                    throw ExpressionError(offset: start, message: "'\(text)' is not a number")
                }
                tokens.append(Token(kind: .number(value), offset: start))
                // An attached or following unit word: 15m, 2h, 80 $/MWh, 5 MW.
                var look = index
                while look < scalars.count, scalars[look] == " " { look += 1 }
                if look < scalars.count, scalars[look] == "$" || isIdentifierStart(scalars[look]) {
                    var word = ""
                    var end = look
                    while end < scalars.count, isIdentifierPart(scalars[end]) || scalars[end] == "$" || scalars[end] == "/" {
                        word.unicodeScalars.append(scalars[end])
                        end += 1
                    }
                    if Dimension.unit(named: word) != nil {
                        tokens.append(Token(kind: .unit(word), offset: look))
                        index = end
                    } else if look == index, word != "and", word != "or", word != "in", word != "not" {
                        throw ExpressionError(
                            offset: look,
                            message: "unknown unit '\(word)' after a number; units are s, m, h, d, MW, kW, Hz, $/MWh"
                        )
                    }
                }
                continue
            }
            if isIdentifierStart(scalar) {
                var word = ""
                while index < scalars.count, isIdentifierPart(scalars[index]) {
                    word.unicodeScalars.append(scalars[index])
                    index += 1
                }
                tokens.append(Token(kind: .identifier(word), offset: start))
                continue
            }
            if scalar == "\"" || scalar == "'" {
                index += 1
                var text = ""
                while index < scalars.count, scalars[index] != scalar {
                    text.unicodeScalars.append(scalars[index])
                    index += 1
                }
                guard index < scalars.count else {
                    throw ExpressionError(offset: start, message: "unterminated string: add the closing \(scalar)")
                }
                index += 1
                tokens.append(Token(kind: .string(text), offset: start))
                continue
            }
            var matched = false
            for symbol in symbols {
                let symbolScalars = Array(symbol.unicodeScalars)
                if index + symbolScalars.count <= scalars.count, Array(scalars[index..<(index + symbolScalars.count)]) == symbolScalars {
                    tokens.append(Token(kind: .symbol(symbol), offset: start))
                    index += symbolScalars.count
                    matched = true
                    break
                }
            }
            if !matched {
                let hint: String
                switch scalar {
                case "&": hint = "; write 'and'"
                case "|": hint = "; write 'or'"
                case "!": hint = "; write 'not'"
                case "=": hint = "; compare with '=='"
                default: hint = ""
                }
                throw ExpressionError(offset: start, message: "unexpected character '\(scalar)'\(hint)")
            }
        }
        tokens.append(Token(kind: .end, offset: scalars.count))
        return tokens
    }
}
