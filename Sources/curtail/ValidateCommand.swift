import ArgumentParser
import CurtailCommandLine
import CurtailPolicyFiles

/// `curtail validate FILE...`: checks policy and site files.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check policy and site files.",
        discussion: """
            Each file is a policy (top-level 'policy:') or a site ('site:' and 'groups:'). A policy \
            that names a site, or a site that names a policy, is checked against it (group names). \
            Problems are printed as file:line:col: message on stderr.

            Exit codes: 0 all valid, 1 problems found, 2 usage error.
            """
    )

    @Argument(help: "Policy or site files (YAML).")
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one file to validate") }
    }

    func run() throws {
        var failed = false
        for file in files {
            let problems = ConfigurationFiles.validate(path: file)
            if problems.isEmpty {
                StandardStreams.out("\(file): ok")
            } else {
                failed = true
                for problem in problems { StandardStreams.err(problem.description) }
            }
        }
        if failed { throw ExitCode.failure }
    }
}
