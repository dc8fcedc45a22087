import ArgumentParser
import CurtailCommandLine
import CurtailCore
import CurtailPolicyFiles

/// `curtail validate FILE...`: checks policy and site files.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check policy and site files.",
        discussion: """
            Each file is a policy (top-level 'policy:') or a site ('site:' and 'groups:'). A policy \
            that names a site, or a site that names a policy, is checked against it (group names). \
            With --miners INVENTORY, a miner inventory is checked against the (one) site file given: \
            groups, addresses, firmware, models, credentials by reference. \
            Problems are printed as file:line:col: message on stderr.

            Exit codes: 0 all valid, 1 problems found, 2 usage error.
            """
    )

    @Argument(help: "Policy or site files (YAML).")
    var files: [String]

    @Option(help: "A miner inventory (YAML) to check against the site file given.")
    var miners: String?

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one file to validate") }
        if miners != nil, files.count != 1 { throw ValidationError("--miners checks an inventory against one site file: give exactly one") }
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
        if let miners, !failed {
            do {
                let site = try SiteFile.load(path: files[0]).site
                let inventory = try MinerInventoryFile.load(path: miners, site: site)
                let counts = Dictionary(grouping: inventory.miners, by: \.group).mapValues(\.count)
                StandardStreams.out("\(miners): ok, \(inventory.miners.count) miners")
                for group in site.groups where counts[group.name, default: 0] != group.count {
                    StandardStreams.out(
                        "\(miners): note: group \(group.name) has \(group.count) miners in the site file and \(counts[group.name, default: 0]) here; "
                            + "the controller counts by the site file, the agent runs at most the miners it has"
                    )
                }
            } catch {
                failed = true
                StandardStreams.err(error.description)
            }
        }
        if failed { throw ExitCode.failure }
    }
}
