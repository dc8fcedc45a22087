import ArgumentParser
package import CurtailSite

extension SiteSetup {
    /// ``load(sitePath:policyPath:assignments:)`` with the command line's exit codes: a malformed
    /// `--set` is a usage error (exit 2), anything else invalid input (exit 1).
    package static func loadForCommand(sitePath: String, policyPath: String? = nil, assignments: [String] = []) throws -> SiteSetup {
        do {
            return try load(sitePath: sitePath, policyPath: policyPath, assignments: assignments)
        } catch .usage(let text) {
            throw ValidationError(text)
        } catch .invalid(let text) {
            throw InvalidInput(text)
        }
    }
}
