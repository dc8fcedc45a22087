package import ArgumentParser
package import CurtailPolicyFiles

/// The policy, its site and `--set` overrides, as `curtail replay` and `curtail tune` take them.
package struct PolicySiteOptions: ParsableArguments {
    @Option(help: "Policy file (YAML).")
    package var policy: String

    @Option(help: "Site file (YAML); default: the site the policy names.")
    package var site: String?

    @Option(name: .customLong("set"), help: "Set a policy parameter: NAME=VALUE (repeatable).")
    package var settings: [String] = []

    package init() {}

    /// Loads the policy and its site.
    ///
    /// - Throws: ``InvalidInput`` with every `file:line:col` problem.
    package func load() throws -> ConfigurationFiles.Loaded {
        do {
            return try ConfigurationFiles.load(policyPath: policy, sitePath: site)
        } catch {
            throw InvalidInput(error.diagnostics.map(\.description).joined(separator: "\n"))
        }
    }

    /// The `--set` overrides by name; a malformed one is a usage error (exit 2).
    package func parameters() throws -> [String: Double] {
        do {
            return try ParameterAssignments.parse(settings)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
