/// Why a tuning run cannot start. Each case says what to change.
public enum TuningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The policy declares nothing to search.
    case noTunableParameters(policy: String)
    /// A parameter's search range holds no value (after `--range` or `integer: true`).
    case emptyRange(parameter: String, range: String)
    /// `--tune` or `--range` names a parameter the policy does not declare.
    case unknownParameter(String, known: [String])
    /// A `--range` reaches outside the range the policy declares.
    case rangeOutsideDeclared(parameter: String, range: String, declared: String)
    /// Training and test windows share time.
    case overlappingWindows(train: String, test: String)
    /// The budget cannot cover even the defaults.
    case budget(Int)
    /// A `--train`/`--test` value that is not `A..B`.
    case windowSyntax(option: String, text: String)
    /// A window that does not fit the data.
    case window(option: String, text: String, reason: String)
    /// An output file or directory that could not be read or written.
    case output(path: String, reason: String)

    public var description: String {
        switch self {
        case .noTunableParameters(let policy):
            "policy '\(policy)' declares no tunable parameters: add one under `parameters:` with min below max (see docs/tuning.md)"
        case .emptyRange(let name, let range):
            "the search range of '\(name)' is empty (\(range)): widen it, or pin the parameter with --set instead"
        case .unknownParameter(let name, let known):
            known.isEmpty
                ? "unknown parameter '\(name)': the policy declares none"
                : "unknown parameter '\(name)': the policy declares \(known.joined(separator: ", "))"
        case .rangeOutsideDeclared(let name, let range, let declared):
            "--range \(name)=\(range) reaches outside the range the policy declares (\(declared)); stay inside it or widen it in the policy file"
        case .overlappingWindows(let train, let test):
            "the training window \(train) and the test window \(test) overlap: the test must be data the search never saw"
        case .budget(let budget):
            "--budget \(budget) is too small: it must be at least 2 (the defaults and one candidate)"
        case .windowSyntax(let option, let text):
            "\(option) takes A..B (e.g. 2021..2022 or 2021-01-01..2022-06-30), found '\(text)'"
        case .window(let option, let text, let reason):
            "\(option) \(text): \(reason)"
        case .output(let path, let reason):
            "\(path): \(reason)"
        }
    }
}
