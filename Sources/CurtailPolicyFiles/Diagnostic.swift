/// A problem in a policy or site file, at a position.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The file as given by the caller.
    public var file: String
    /// 1-based line and column (columns count Unicode scalars).
    public var line: Int
    public var column: Int
    /// What is wrong and what was expected.
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:col: message`, the format editors and CI annotate.
    public var description: String { "\(file):\(line):\(column): \(message)" }

    public static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        (lhs.file, lhs.line, lhs.column, lhs.message) < (rhs.file, rhs.line, rhs.column, rhs.message)
    }
}

/// Every problem found in a file; thrown when a file cannot be loaded.
public struct FileDiagnostics: Error, Hashable, Sendable, CustomStringConvertible {
    /// Sorted by position.
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics.sorted() }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
