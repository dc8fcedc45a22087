import CurtailPolicy
import Yams

/// Writes a tuned policy file: the original text with the tuned parameters' `default:` values
/// replaced in place (comments, order and layout kept) and a header comment saying how it was
/// tuned. The result is parsed back before it is returned, so what is written always loads and
/// always carries exactly the tuned values.
public enum TunedPolicyFile: Sendable {
    /// First line of the header; a file that starts with it is a tuned file, whose old header is
    /// replaced when it is tuned again.
    public static let headerMarker = "# Tuned by `curtail tune`"

    /// The tuned file's text.
    ///
    /// - Parameters:
    ///   - text: the original policy file.
    ///   - file: its path, for diagnostics.
    ///   - values: new defaults by parameter name.
    ///   - header: comment lines (without `#`) put after ``headerMarker``.
    ///   - siteReference: a new `site:` value (when the tuned file lives elsewhere), or `nil`.
    /// - Throws: ``FileDiagnostics`` when the original does not parse or a value cannot be placed.
    public static func render(
        _ text: String,
        file: String,
        values: [String: Double],
        header: [String],
        siteReference: String? = nil
    ) throws(FileDiagnostics) -> String {
        let policy = try PolicyFile.parse(text, file: file)
        var reader = YAMLReader(file: file, text: text)
        guard let root = reader.compose(text), let top = root.mapping else { throw FileDiagnostics(reader.diagnostics) }

        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var edits: [(line: Int, column: Int, text: String)] = []
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            guard let index = policy.parameterIndex(name), let entry = top["parameters"]?.mapping?[name],
                let node = entry.mapping?["default"], let mark = node.mark
            else {
                throw FileDiagnostics([Diagnostic(file: file, line: 1, column: 1, message: "no parameter '\(name)' with a default to replace")])
            }
            edits.append((mark.line, mark.column, literal(value, duration: policy.parameters[index].dimension == .duration)))
        }
        if let siteReference {
            if let node = top["site"], let mark = node.mark {
                edits.append((mark.line, mark.column, siteReference))
            } else {
                // No `site:` line: add one after the `policy:` line.
                let at = (top["policy"]?.mark?.line ?? 1)
                lines.insert("site: \(siteReference)", at: min(at, lines.count))
                edits = edits.map { $0.line > at ? ($0.line + 1, $0.column, $0.text) : $0 }
            }
        }
        // Right to left within a line, so earlier columns stay valid.
        for edit in edits.sorted(by: { ($0.line, -$0.column) < ($1.line, -$1.column) }) {
            let lineIndex = edit.line - 1
            guard lines.indices.contains(lineIndex) else { continue }
            lines[lineIndex] = replacingScalar(in: lines[lineIndex], at: edit.column - 1, with: edit.text)
        }

        // Drop an earlier tuning header, then put the new one on top.
        if lines.first?.hasPrefix(headerMarker) == true {
            while let first = lines.first, first.hasPrefix("#") { lines.removeFirst() }
            while lines.first?.isEmpty == true { lines.removeFirst() }
        }
        let headerLines = [headerMarker + (header.first.map { " " + $0 } ?? "")] + header.dropFirst().map { "# " + $0 }
        let result = (headerLines + [""] + lines).joined(separator: "\n")

        // The written file must load and carry exactly the tuned values.
        let check = try PolicyFile.parse(result, file: file)
        for (name, value) in values {
            guard let index = check.parameterIndex(name), check.parameters[index].value == value else {
                throw FileDiagnostics([
                    Diagnostic(file: file, line: 1, column: 1, message: "the tuned file does not carry \(name) = \(value); please report this")
                ])
            }
        }
        return result
    }

    /// The YAML text of a value: the shortest form that reads back exactly; durations in the
    /// largest whole unit.
    static func literal(_ value: Double, duration: Bool) -> String {
        if duration && value > 0 {
            for (unit, seconds) in [("d", 86_400.0), ("h", 3600), ("m", 60)] where (value / seconds).rounded() * seconds == value {
                return "\(Int(value / seconds))\(unit)"
            }
            if value == value.rounded() { return "\(Int(value))s" }
        }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        return "\(value)"
    }

    /// `line` with the plain or quoted scalar starting at `offset` replaced by `text`.
    static func replacingScalar(in line: String, at offset: Int, with text: String) -> String {
        let characters = Array(line)
        guard offset < characters.count else { return line + text }
        var end = offset
        if characters[offset] == "\"" || characters[offset] == "'" {
            end += 1
            while end < characters.count && characters[end] != characters[offset] { end += 1 }
            end = min(end + 1, characters.count)
        } else {
            while end < characters.count {
                let c = characters[end]
                if c == "," || c == "}" || c == "]" { break }
                if c == "#" && end > offset && characters[end - 1] == " " { break }
                end += 1
            }
            while end > offset && characters[end - 1] == " " { end -= 1 }
        }
        return String(characters[..<offset]) + text + String(characters[end...])
    }
}
