import CurtailCore
public import CurtailPolicy
import Foundation
import Yams

/// Loads and validates policy and site files together: a policy that names a site (or a site
/// that names a policy) is checked against it, so a rule naming a group the site lacks is an
/// error at the rule's position.
public enum ConfigurationFiles: Sendable {
    /// A policy with the site it runs on.
    public struct Loaded: Sendable {
        public var policy: Policy
        public var site: SiteConfiguration
        /// The files read, as paths relative to the caller's.
        public var policyPath: String
        public var sitePath: String
    }

    /// Loads a policy and its site: `sitePath` if given, otherwise the policy's `site:`.
    ///
    /// - Throws: ``FileDiagnostics`` for any problem in either file, or when no site is known.
    public static func load(policyPath: String, sitePath: String? = nil) throws(FileDiagnostics) -> Loaded {
        let (policy, references) = try PolicyFile.parseWithReferences(try FileText.read(policyPath), file: policyPath)
        let resolvedSite: String
        if let sitePath {
            resolvedSite = sitePath
        } else if let reference = policy.siteReference {
            resolvedSite = resolve(reference, relativeTo: policyPath)
        } else {
            throw FileDiagnostics([
                Diagnostic(file: policyPath, line: 1, column: 1, message: "the policy names no site: add 'site: PATH' or pass --site FILE")
            ])
        }
        let site = try SiteFile.load(path: resolvedSite)
        let problems = groupProblems(references, policyPath: policyPath, site: site.site)
        guard problems.isEmpty else { throw FileDiagnostics(problems) }
        return Loaded(policy: policy, site: site, policyPath: policyPath, sitePath: resolvedSite)
    }

    /// Validates any number of policy and site files; returns every problem (empty: all valid).
    public static func validate(paths: [String]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for path in paths {
            diagnostics += validate(path: path)
        }
        return diagnostics
    }

    /// What kind of file a path holds.
    public enum Kind: String, Sendable {
        case policy, site
    }

    /// Validates one file (and the file it refers to, checking group names across them).
    public static func validate(path: String) -> [Diagnostic] {
        let text: String
        do { text = try FileText.read(path) } catch { return error.diagnostics }
        switch kind(of: text) {
        case .policy:
            do {
                let (policy, references) = try PolicyFile.parseWithReferences(text, file: path)
                guard let reference = policy.siteReference else { return [] }
                let sitePath = resolve(reference, relativeTo: path)
                guard FileManager.default.fileExists(atPath: sitePath) else {
                    return [referenceProblem(text: text, key: "site", file: path, message: "site file '\(sitePath)' does not exist")]
                }
                let site: SiteConfiguration
                do { site = try SiteFile.load(path: sitePath) } catch { return error.diagnostics }
                return groupProblems(references, policyPath: path, site: site.site)
            } catch {
                return error.diagnostics
            }
        case .site:
            do {
                let site = try SiteFile.parse(text, file: path)
                guard let reference = site.policyReference else { return [] }
                let policyPath = resolve(reference, relativeTo: path)
                guard FileManager.default.fileExists(atPath: policyPath) else {
                    return [referenceProblem(text: text, key: "policy", file: path, message: "policy file '\(policyPath)' does not exist")]
                }
                do {
                    let (_, references) = try PolicyFile.parseWithReferences(try FileText.read(policyPath), file: policyPath)
                    return groupProblems(references, policyPath: policyPath, site: site.site)
                } catch {
                    return error.diagnostics
                }
            } catch {
                return error.diagnostics
            }
        case nil:
            var reader = YAMLReader(file: path, text: text)
            guard reader.compose(text) != nil else { return reader.diagnostics }
            return [
                Diagnostic(
                    file: path,
                    line: 1,
                    column: 1,
                    message: "neither a policy file (top-level 'policy:') nor a site file (top-level 'site:' and 'groups:')"
                )
            ]
        }
    }

    /// A site file has top-level `groups:` (it may also name a `policy:` file); otherwise a file
    /// with `policy:` or `rules:` is a policy.
    static func kind(of text: String) -> Kind? {
        guard let root = try? Yams.compose(yaml: text), let mapping = root.mapping else {
            // Let the policy reader report the syntax error with its position.
            return text.contains("groups:") ? .site : .policy
        }
        let keys = Set(mapping.keys.compactMap { $0.scalar?.string })
        if keys.contains("groups") { return .site }
        if keys.contains("policy") || keys.contains("rules") { return .policy }
        return nil
    }

    /// `reference` relative to the directory of `file` (absolute references stay as they are).
    public static func resolve(_ reference: String, relativeTo file: String) -> String {
        if reference.hasPrefix("/") { return reference }
        var components = file.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast()
        for part in reference.split(separator: "/").map(String.init) {
            switch part {
            case ".": continue
            case "..":
                if let last = components.last, !last.isEmpty, last != "..", last != "." {
                    components.removeLast()
                } else {
                    components.append("..")
                }
            default: components.append(part)
            }
        }
        let joined = components.joined(separator: "/")
        return joined.isEmpty ? "." : joined
    }

    static func groupProblems(_ references: [(name: String, line: Int, column: Int)], policyPath: String, site: Site) -> [Diagnostic] {
        let names = site.groups.map(\.name)
        return references.filter { !names.contains($0.name) }.map { reference in
            Diagnostic(
                file: policyPath,
                line: reference.line,
                column: reference.column,
                message: "group '\(reference.name)' is not in site '\(site.id)'; its groups are \(names.joined(separator: ", "))"
            )
        }
    }

    static func referenceProblem(text: String, key: String, file: String, message: String) -> Diagnostic {
        var line = 1
        var column = 1
        if let root = try? Yams.compose(yaml: text), let mapping = root.mapping {
            for (k, v) in mapping where k.scalar?.string == key {
                line = v.mark?.line ?? 1
                column = v.mark?.column ?? 1
            }
        }
        return Diagnostic(file: file, line: line, column: column, message: message)
    }
}
