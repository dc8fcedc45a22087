import CurtailCore
public import CurtailPolicy
import CurtailPolicyFiles
import CurtailReplay
import Foundation

/// Writes what `curtail tune` produces: the tuned policy file (the original text with the tuned
/// defaults, a header saying how it was tuned, and a `site:` that names the tuned site from where
/// the file is written) and the optional report directory.
public enum TunedPolicyOutput: Sendable {
    /// `dir/name.yaml` → `dir/name.tuned.yaml`.
    public static func defaultPath(forPolicy policy: String) -> String {
        let url = URL(fileURLWithPath: policy)
        let base = url.deletingPathExtension().lastPathComponent
        let directory = (policy as NSString).deletingLastPathComponent
        return (directory.isEmpty ? "" : directory + "/") + base + ".tuned.yaml"
    }

    /// Writes the tuned file atomically (a `.partial` file renamed into place); nothing is written
    /// when the file cannot be rendered.
    ///
    /// - Parameters:
    ///   - report: the tuning run.
    ///   - policyPath: the policy file that was tuned (read again, so comments and layout are kept).
    ///   - policy: that policy, as loaded.
    ///   - sitePath: the site file that was tuned (the one `--site` named, or the policy's own).
    ///   - path: where to write.
    /// - Throws: ``TuningError/output(path:reason:)`` saying what could not be read or written.
    public static func write(report: TuningReport, policyPath: String, policy: Policy, sitePath: String, to path: String) throws(TuningError) {
        let text: String
        do {
            text = try String(contentsOfFile: policyPath, encoding: .utf8)
        } catch {
            throw .output(path: policyPath, reason: "cannot read the policy again to write the tuned file: \(error.localizedDescription)")
        }
        var values: [String: Double] = [:]
        for change in report.changes { values[change.name] = change.tunedValue }
        let rendered: String
        do {
            rendered = try TunedPolicyFile.render(
                text,
                file: policyPath,
                values: values,
                header: header(report, policyFileName: (policyPath as NSString).lastPathComponent),
                siteReference: siteReference(policy: policy, policyPath: policyPath, sitePath: sitePath, outPath: path)
            )
        } catch {
            throw .output(path: policyPath, reason: error.diagnostics.map(\.description).joined(separator: "\n"))
        }
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(rendered.utf8).write(to: URL(fileURLWithPath: path + ".partial"))
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: path + ".partial", toPath: path)
        } catch {
            throw .output(path: path, reason: "cannot write the tuned policy: \(error.localizedDescription)")
        }
    }

    /// The `site:` the tuned file needs so that it loads the site that was tuned, from where it is
    /// written; `nil` when the policy's own reference already does.
    static func siteReference(policy: Policy, policyPath: String, sitePath: String, outPath: String) -> String? {
        let policyDirectory = URL(fileURLWithPath: policyPath).deletingLastPathComponent().standardizedFileURL
        let outDirectory = URL(fileURLWithPath: outPath).deletingLastPathComponent().standardizedFileURL
        let site = URL(fileURLWithPath: sitePath).standardizedFileURL
        if let reference = policy.siteReference, outDirectory == policyDirectory,
            URL(fileURLWithPath: reference, relativeTo: policyDirectory).standardizedFileURL == site
        {
            return nil
        }
        return relativePath(from: outDirectory.path, to: site.path)
    }

    /// The header comment: source, seed, budget, strategy, objectives, baselines, changes and
    /// warnings, and no date, so one seed gives one file.
    static func header(_ report: TuningReport, policyFileName: String) -> [String] {
        let t = report.tuned
        let d = report.defaults
        let searched = report.changes.filter(\.searched)
        let changed = report.changes.filter { $0.tunedValue != $0.defaultValue }.map {
            "\($0.name) \(Number.plain($0.defaultValue)) -> \(Number.plain($0.tunedValue))"
        }
        return [
            "from \(policyFileName), seed \(report.seed), budget \(report.budget): \(report.strategy.rawValue) search over \(searched.map(\.name).joined(separator: ", ")), \(report.evaluated.count) candidates.",
            "Site \(report.siteID). Objective = profit minus the penalties under `tuning:` (USD).",
            "Train \(report.train): objective \(Number.grouped(t.train.objective, 0)) (defaults \(Number.grouped(d.train.objective, 0))).",
            "Test  \(report.test): objective \(Number.grouped(t.test.objective, 0)) (defaults \(Number.grouped(d.test.objective, 0)), always-on \(Number.grouped(t.test.replay.alwaysOn.profitUSD, 0)), oracle \(Number.grouped(t.test.replay.oracleProfitUSD, 0)), capture \(Number.grouped(t.test.replay.captureRatio, 3))).",
            "Changed: " + (changed.isEmpty ? "nothing (the defaults scored best)" : changed.joined(separator: ", ")) + ".",
        ] + report.warnings.map { "Warning: \($0)" }
    }

    /// A relative path from directory `from` to `to` (both absolute, standardized).
    static func relativePath(from: String, to: String) -> String {
        let a = from.split(separator: "/")
        let b = to.split(separator: "/")
        var common = 0
        while common < a.count && common < b.count - 1 && a[common] == b[common] { common += 1 }
        return (Array(repeating: "..", count: a.count - common) + b[common...].map(String.init)).joined(separator: "/")
    }

    /// Writes `tuning.html` (a chart of the objective across each main parameter) and
    /// `candidates.csv` (every candidate) into `directory`.
    ///
    /// - Throws: ``TuningError/output(path:reason:)`` when the directory cannot be written.
    public static func writeReport(_ report: TuningReport, directory: String) throws(TuningError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let columns = report.space.axes.map(\.name) + ["objective_usd", "profit_usd", "penalty_usd", "cycles", "unmet_obligations"]
            var csv = columns.joined(separator: ",") + "\n"
            for candidate in report.evaluated {
                let score = candidate.score
                let values = report.space.axes.map { Number.plain(score.values[$0.parameterIndex]) }
                let figures = [
                    "\(score.objective)", "\(score.profitUSD)", "\(score.penaltyUSD)", "\(score.ledger.totals.cycles)",
                    "\(score.ledger.unmetObligations)",
                ]
                csv += (values + figures).joined(separator: ",") + "\n"
            }
            try Data(csv.utf8).write(to: URL(fileURLWithPath: directory + "/candidates.csv"))
            try Data(TuningHTML.render(report).utf8).write(to: URL(fileURLWithPath: directory + "/tuning.html"))
        } catch {
            throw .output(path: directory, reason: "cannot write the report: \(error.localizedDescription)")
        }
    }
}
