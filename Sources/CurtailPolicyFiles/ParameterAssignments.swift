/// `--set NAME=VALUE` options (run, replay, tune, demo): the one parser of them.
public enum ParameterAssignments: Sendable {
    /// Why an assignment could not be read.
    public struct Malformed: Error, Hashable, Sendable, CustomStringConvertible {
        /// What was given.
        public var assignment: String
        public var description: String { "--set takes NAME=VALUE with a number, found '\(assignment)'" }
    }

    /// Parses every assignment; spaces around the value are allowed, a later one for the same
    /// name wins.
    ///
    /// - Throws: ``Malformed`` for an assignment without `=`, without a name or with a value
    ///   that is not a finite number.
    public static func parse(_ assignments: [String]) throws(Malformed) -> [String: Double] {
        var parameters: [String: Double] = [:]
        for assignment in assignments {
            let parts = assignment.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts.first.map { String($0).trimmed } ?? ""
            guard parts.count == 2, !name.isEmpty, let value = Double(String(parts[1]).trimmed), value.isFinite else {
                throw Malformed(assignment: assignment)
            }
            parameters[name] = value
        }
        return parameters
    }
}

extension String {
    fileprivate var trimmed: String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return String(text)
    }
}
