import CurtailCore
import CurtailReplay

/// The terminal form of a ``TuningReport``.
public enum TuningTable: Sendable {
    public static func render(_ report: TuningReport) -> String {
        var lines: [String] = []
        let years = report.candidateYearsPerMinute
        lines.append("curtail tune: \(report.policyName) on \(report.siteID), seed \(report.seed)")
        let lattice = report.space.size == .max ? "more than 9e18" : Number.grouped(Double(report.space.size), 0)
        lines.append(
            "search: \(report.strategy.rawValue), \(Number.grouped(Double(report.evaluated.count), 0)) candidates (lattice \(lattice)\(report.exhaustive ? ", all of it" : "")) in \(Number.grouped(report.searchSeconds, 1)) s: \(Number.grouped(years, 0)) candidate-years/min"
        )
        lines.append("train \(report.train)   test \(report.test)")
        lines.append("")

        var parameters = [["parameter", "default", "tuned", "searched range"]]
        for change in report.changes {
            let axis = report.space.axes.first { $0.name == change.name }
            let range =
                axis.map { "\(Number.plain($0.range.lowerBound))..\(Number.plain($0.range.upperBound)) step \(Number.plain($0.step))" }
                ?? "(not searched)"
            parameters.append([change.name, Number.plain(change.defaultValue), Number.plain(change.tunedValue), range])
        }
        lines += Table.render(parameters)
        lines.append("")

        let tuned = report.tuned
        let defaults = report.defaults
        var rows = [["USD", "train profit", "train objective", "test profit", "test objective", "test capture", "test cycles/day"]]
        func row(_ name: String, _ windows: TuningReport.Windows) -> [String] {
            [
                name,
                Number.grouped(windows.train.replay.policy.profitUSD, 0),
                Number.grouped(windows.train.objective, 0),
                Number.grouped(windows.test.replay.policy.profitUSD, 0),
                Number.grouped(windows.test.objective, 0),
                Number.grouped(windows.test.replay.captureRatio, 3),
                Number.grouped(windows.test.cyclesPerDay, 2),
            ]
        }
        rows.append(row("tuned", tuned))
        rows.append(row("defaults", defaults))
        rows.append([
            "always-on", Number.grouped(tuned.train.replay.alwaysOn.profitUSD, 0), "", Number.grouped(tuned.test.replay.alwaysOn.profitUSD, 0), "",
            "",
            "",
        ])
        rows.append([
            "oracle", Number.grouped(tuned.train.replay.oracleProfitUSD, 0), "", Number.grouped(tuned.test.replay.oracleProfitUSD, 0), "", "1.000",
            "",
        ])
        lines += Table.render(rows)
        let gain = tuned.test.objective - defaults.test.objective
        lines.append("")
        lines.append(
            "out of sample the tuned parameters \(gain >= 0 ? "gain" : "lose") $\(Number.grouped(abs(gain), 0)) against the defaults (training: \(Number.signed(tuned.train.objective - defaults.train.objective)))"
        )
        if tuned.test.replay.obligationIntervals > 0 {
            lines.append(
                "4CP obligations on test: tuned missed \(tuned.test.replay.unmetObligations) of \(tuned.test.replay.obligationIntervals) intervals, defaults \(defaults.test.replay.unmetObligations)"
            )
        }

        if !report.folds.isEmpty {
            lines.append("")
            lines.append("walk-forward folds (tune on the years before, test on the year):")
            var folds = [["test year", "candidates", "tuned train obj.", "tuned test obj.", "defaults test obj.", "gain"]]
            for fold in report.folds {
                folds.append([
                    String(fold.test.from.iso8601.prefix(10)) + ".." + String(fold.test.to.iso8601.prefix(10)),
                    Number.grouped(Double(fold.candidates), 0),
                    Number.grouped(fold.tuned.objective, 0),
                    Number.grouped(fold.tunedTest.objective, 0),
                    Number.grouped(fold.defaultsTest.objective, 0),
                    Number.signed(fold.tunedTest.objective - fold.defaultsTest.objective),
                ])
            }
            lines += Table.render(folds)
        }
        for warning in report.warnings {
            lines.append("")
            lines.append("warning: \(warning)")
        }
        return lines.joined(separator: "\n")
    }
}
