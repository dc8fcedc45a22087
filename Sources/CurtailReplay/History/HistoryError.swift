/// A problem with a history file or a replay window, with where it is.
///
/// Printed as `file:line:col: message` (line and column when they apply), like the policy
/// file diagnostics, so editors and CI logs link to the spot.
public struct HistoryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file concerned (as given on the command line), or empty for a window problem.
    public var file: String
    /// 1-based line, when the problem is on one line.
    public var line: Int?
    /// 1-based column (byte), when known.
    public var column: Int?
    /// What is wrong and what to do about it.
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        return text.isEmpty ? message : "\(text): \(message)"
    }
}
