/// One line of `curtail doctor`'s checklist.
public struct DoctorCheck: Sendable, Hashable {
    /// How a check came out.
    public enum Outcome: String, Sendable, Hashable {
        /// What it checked holds.
        case passed
        /// It does not: the site is not ready (exit 1).
        case failed
        /// It could not run, and says why (an input was not given, the protocol cannot tell).
        /// Not a pass; not a failure either.
        case notRun = "not run"
    }

    /// What was checked, e.g. "broker reachable".
    public var name: String
    public var outcome: Outcome
    /// What was found.
    public var detail: String
    /// What to do about a failure (or how to make a check that did not run, run).
    public var fix: String?

    public init(_ name: String, _ outcome: Outcome, _ detail: String, fix: String? = nil) {
        self.name = name
        self.outcome = outcome
        self.detail = detail
        self.fix = fix
    }

    /// The checklist line(s): `✔ name: detail`, `✘ name: detail` with `→ fix`, `– name: not run: …`.
    public var text: String {
        let mark: String
        switch outcome {
        case .passed: mark = "✔"
        case .failed: mark = "✘"
        case .notRun: mark = "–"
        }
        var line = "\(mark) \(name): " + (outcome == .notRun ? "not run: " : "") + detail
        if let fix, outcome != .passed { line += "\n    → " + fix }
        return line
    }
}
