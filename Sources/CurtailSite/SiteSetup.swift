public import CurtailController
public import CurtailCore
public import CurtailPolicy
public import CurtailPolicyFiles

/// The composition root of a site: its file, the policy it runs and the parameter overrides,
/// loaded and checked together, and the controller built from them. `curtail run`, the demo, the
/// benchmarks and the tests start a controller through it, so every edge builds the same thing.
public struct SiteSetup: Sendable {
    /// The site file, as given (relative paths in it resolve against it).
    public var sitePath: String
    /// The site file's contents.
    public var settings: SiteConfiguration
    /// The policy file used (the site file's `policy:` unless overridden).
    public var policyPath: String
    /// The policy.
    public var policy: Policy
    /// `--set` overrides, by parameter name.
    public var parameters: [String: Double]

    /// Loads a site file, its policy (or `policyPath`) and `--set` assignments.
    ///
    /// - Throws: ``SiteSetupError`` naming the file, line and column of a problem in either file,
    ///   a malformed assignment, or a parameter the policy does not declare or whose value is
    ///   outside its range.
    public static func load(sitePath: String, policyPath: String? = nil, assignments: [String] = []) throws(SiteSetupError) -> SiteSetup {
        let parameters: [String: Double]
        do {
            parameters = try ParameterAssignments.parse(assignments)
        } catch {
            throw .usage(error.description)
        }
        do {
            let settings = try SiteFile.load(path: sitePath)
            guard let policyFile = policyPath ?? settings.policyReference.map({ ConfigurationFiles.resolve($0, relativeTo: sitePath) }) else {
                throw SiteSetupError.invalid("\(sitePath):1:1: the site file names no policy: add 'policy: PATH' or pass --policy FILE")
            }
            let loaded = try ConfigurationFiles.load(policyPath: policyFile, sitePath: sitePath)
            _ = try PolicyEngine(policy: loaded.policy, site: loaded.site.site, parameters: parameters)
            return SiteSetup(sitePath: sitePath, settings: loaded.site, policyPath: policyFile, policy: loaded.policy, parameters: parameters)
        } catch let error as SiteSetupError {
            throw error
        } catch let error as FileDiagnostics {
            throw .invalid(error.description)
        } catch {
            throw .invalid("\(error)")
        }
    }

    /// The site.
    public var site: Site { settings.site }

    /// The controller's configuration: site, policy, overrides, topics and `controller:` timing.
    public var controllerConfiguration: ControllerConfiguration {
        ControllerConfiguration(settings: settings, policy: policy, parameters: parameters)
    }
}

/// Why a site cannot be set up; the text says what to change.
public enum SiteSetupError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A command-line value that is malformed (exit code 2).
    case usage(String)
    /// A file or value that is wrong (exit code 1).
    case invalid(String)

    public var description: String {
        switch self {
        case .usage(let text), .invalid(let text): text
        }
    }
}
