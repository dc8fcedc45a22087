import CurtailCore
import CurtailPolicy
package import Yams

/// Reads typed values out of a composed YAML tree, strictly, collecting every problem with
/// its position instead of stopping at the first.
package struct YAMLReader {
    package let file: String
    let lines: [Substring]
    package private(set) var diagnostics: [Diagnostic] = []
    /// Group names used by rules, with where they are, to check against a site.
    var groupReferences: [(name: String, line: Int, column: Int)] = []

    package init(file: String, text: String) {
        self.file = file
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// Parses the text into a root node, or records the YAML syntax error.
    package mutating func compose(_ text: String) -> Node? {
        do {
            guard let root = try Yams.compose(yaml: text) else {
                report(line: 1, column: 1, "the file is empty")
                return nil
            }
            return root
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                report(line: mark.line, column: mark.column, "YAML syntax: \(problem)")
            case .duplicatedKeysInMapping(let duplicates, let context):
                let (line, column) =
                    secondOccurrence(of: duplicates.first ?? "", after: context.mark.line) ?? (context.mark.line, context.mark.column)
                report(line: line, column: column, "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")): each key may appear once")
            case .reader(let problem, _, _, _):
                report(line: 1, column: 1, "cannot read the file as UTF-8 YAML: \(problem)")
            default:
                report(line: 1, column: 1, "YAML: \(error)")
            }
            return nil
        } catch {
            report(line: 1, column: 1, "YAML: \(error)")
            return nil
        }
    }

    /// Where a key is written the second time (libyaml reports only the mapping's start).
    func secondOccurrence(of key: String, after line: Int) -> (Int, Int)? {
        var seen = 0
        for (index, text) in lines.enumerated() where index + 1 >= line {
            let trimmed = text.drop { $0 == " " || $0 == "-" || $0 == "{" }
            guard trimmed.hasPrefix(key + ":") else { continue }
            seen += 1
            if seen == 2 { return (index + 1, text.count - trimmed.count + 1) }
        }
        return nil
    }

    // MARK: - Reporting

    package mutating func report(line: Int, column: Int, _ message: String) {
        diagnostics.append(Diagnostic(file: file, line: line, column: column, message: message))
    }

    package mutating func report(_ node: Node?, _ message: String) {
        let mark = node?.mark
        report(line: mark?.line ?? 1, column: mark?.column ?? 1, message)
    }

    // MARK: - Structure

    /// The entries of a mapping, checking keys strictly: unknown keys and missing required keys
    /// are reported. Returns `nil` (reported) when the node is not a mapping.
    package mutating func mapping(_ node: Node, _ what: String, allowed: [String], required: [String] = []) -> [String: Node]? {
        guard let mapping = node.mapping else {
            report(node, "\(what) must be a mapping of keys to values, found \(kind(node))")
            return nil
        }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                report(key, "keys must be plain names")
                continue
            }
            guard allowed.contains(name) else {
                var message = "unknown key '\(name)' in \(what)"
                if let close = NameSuggestion.closest(to: name, in: allowed) { message += "; did you mean '\(close)'?" }
                message += " (allowed: \(allowed.joined(separator: ", ")))"
                report(key, message)
                continue
            }
            result[name] = value
        }
        for name in required where result[name] == nil {
            report(node, "\(what) is missing required key '\(name)'")
        }
        return result
    }

    package mutating func sequence(_ node: Node, _ what: String) -> [Node]? {
        guard let sequence = node.sequence else {
            report(node, "\(what) must be a list, found \(kind(node))")
            return nil
        }
        return Array(sequence)
    }

    func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return scalar.string.isEmpty ? "nothing" : "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    // MARK: - Scalars

    package mutating func string(_ node: Node, _ what: String) -> String? {
        guard let scalar = node.scalar, !scalar.string.isEmpty else {
            report(node, "\(what) must be text, found \(kind(node))")
            return nil
        }
        return scalar.string
    }

    /// A topic-safe name: letters, digits, `-` and `_`.
    package mutating func identifier(_ node: Node, _ what: String) -> String? {
        guard let text = string(node, what) else { return nil }
        guard text.unicodeScalars.allSatisfy({ ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" })
        else {
            report(node, "\(what) '\(text)' may only contain letters, digits, '-' and '_' (it is used in MQTT topics)")
            return nil
        }
        return text
    }

    package mutating func number(_ node: Node, _ what: String, range: ClosedRange<Double>? = nil, rangeText: String? = nil) -> Double? {
        guard let scalar = node.scalar, scalar.style == .plain || scalar.style == .any, let value = Self.parseNumber(scalar.string) else {
            report(node, "\(what) must be a number, found \(kind(node))")
            return nil
        }
        if let range, !range.contains(value) {
            report(node, "\(what) = \(Self.format(value)) is out of range; allowed: \(rangeText ?? Self.format(range))")
            return nil
        }
        return value
    }

    package mutating func integer(_ node: Node, _ what: String, range: ClosedRange<Int>) -> Int? {
        guard let value = number(node, what) else { return nil }
        guard value == value.rounded(), let int = Int(exactly: value) else {
            report(node, "\(what) must be a whole number, found \(Self.format(value))")
            return nil
        }
        guard range.contains(int) else {
            report(node, "\(what) = \(int) is out of range; allowed: \(range.lowerBound)...\(range.upperBound == .max ? "" : "\(range.upperBound)")")
            return nil
        }
        return int
    }

    package mutating func boolean(_ node: Node, _ what: String) -> Bool? {
        switch node.scalar?.string {
        case "true": return true
        case "false": return false
        default:
            report(node, "\(what) must be true or false, found \(kind(node))")
            return nil
        }
    }

    /// A duration in seconds: `90s`, `15m`, `2h`, `1d`, or a plain number of seconds.
    package mutating func duration(_ node: Node, _ what: String) -> Double? {
        guard let text = node.scalar?.string, let seconds = Self.parseDuration(text) else {
            report(node, "\(what) must be a duration such as 30s, 15m, 2h or 1d, found \(kind(node))")
            return nil
        }
        guard seconds >= 0 else {
            report(node, "\(what) must not be negative")
            return nil
        }
        return seconds
    }

    package mutating func choice(_ node: Node, _ what: String, _ options: [String]) -> String? {
        guard let text = node.scalar?.string, options.contains(text) else {
            report(node, "\(what) must be one of \(options.joined(separator: ", ")), found \(kind(node))")
            return nil
        }
        return text
    }

    // MARK: - Expressions

    /// Compiles an expression scalar, mapping an error's offset to the file position.
    mutating func expression(_ node: Node, _ what: String, expecting type: ExpressionType, in environment: inout ExpressionEnvironment)
        -> CompiledExpression?
    {
        guard let scalar = node.scalar else {
            report(node, "\(what) must be an expression, found \(kind(node))")
            return nil
        }
        do {
            return try CompiledExpression(scalar.string, expecting: type, in: &environment)
        } catch {
            let (line, column) = position(of: error.offset, in: scalar)
            report(line: line, column: column, "\(what): \(error.message)")
            return nil
        }
    }

    /// File position of the scalar's `offset`-th Unicode scalar.
    func position(of offset: Int, in scalar: Node.Scalar) -> (Int, Int) {
        guard let mark = scalar.mark else { return (1, 1 + offset) }
        switch scalar.style {
        case .literal, .folded:
            // Content starts on the next line at the block's indentation; each content line
            // contributes its length plus one (newline, or the space folding put there).
            var remaining = offset
            var lineNumber = mark.line + 1
            while lineNumber - 1 < lines.count {
                let text = lines[lineNumber - 1]
                let indentation = text.prefix { $0 == " " }.count
                let length = text.unicodeScalars.count - indentation
                if remaining <= length { return (lineNumber, indentation + remaining + 1) }
                remaining -= length + 1
                lineNumber += 1
            }
            return (mark.line, mark.column)
        case .singleQuoted, .doubleQuoted:
            return (mark.line, mark.column + 1 + offset)
        default:
            return (mark.line, mark.column + offset)
        }
    }

    // MARK: - Helpers

    package static func parseNumber(_ text: String) -> Double? {
        let cleaned = text.replacing("_", with: "")
        guard !cleaned.isEmpty, let value = Double(cleaned), value.isFinite else { return nil }
        return value
    }

    package static func parseDuration(_ text: String) -> Double? {
        if let value = parseNumber(text) { return value }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("min", 60), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let value = parseNumber(String(text.dropLast(suffix.count)).trimmingSpaces) { return value * factor }
        }
        return nil
    }

    package static func format(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return abs(rounded - rounded.rounded()) < 1e-9 && abs(rounded) < 1e15 ? String(Int(rounded.rounded())) : String(rounded)
    }

    package static func format(_ range: ClosedRange<Double>) -> String {
        "\(format(range.lowerBound))...\(range.upperBound == .infinity ? "" : format(range.upperBound))"
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
