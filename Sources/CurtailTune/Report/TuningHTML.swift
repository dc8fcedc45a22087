import CurtailCore
import CurtailReplay

/// The HTML page of a ``TuningReport``: the result tables and, for the parameters that matter
/// most, a chart of the training objective across the parameter's range (every candidate, the
/// best value seen at each setting, the tuned and default values). Self-contained, no scripts.
public enum TuningHTML: Sendable {
    public static func render(_ report: TuningReport) -> String {
        var html =
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>curtail tune: \(HTMLReport.escape(report.policyName))</title>"
        html += "<style>\(style)</style></head><body>"
        html += "<h1>Tuning \(HTMLReport.escape(report.policyName)) on \(HTMLReport.escape(report.siteID))</h1>"
        html +=
            "<p>\(report.strategy.rawValue) search, \(Number.grouped(Double(report.evaluated.count), 0)) candidates, seed \(report.seed); training \(report.train), test \(report.test) (never seen by the search).</p>"
        let gain = report.tuned.test.objective - report.defaults.test.objective
        html +=
            "<p class=\"headline \(gain >= 0 ? "good" : "bad")\">Out of sample the tuned parameters \(gain >= 0 ? "gain" : "lose") $\(Number.grouped(abs(gain), 0)) against the defaults.</p>"
        for warning in report.warnings { html += "<p class=\"warning\">\(HTMLReport.escape(warning))</p>" }
        html += "<pre>\(HTMLReport.escape(TuningTable.render(report)))</pre>"
        html += "<h2>Objective across the main parameters (training window)</h2>"
        html +=
            "<p>Each dot is a candidate; the line is the best objective seen at each value (the other parameters free). Green: tuned; orange: defaults. The worst tenth of the candidates sit on the bottom edge.</p>"
        for axis in mainAxes(report).prefix(4) {
            html += "<h3>\(HTMLReport.escape(axis.name))</h3>" + chart(report, axis: axis)
        }
        html += "</body></html>\n"
        return html
    }

    /// Axes ordered by how much the best objective moves across them.
    static func mainAxes(_ report: TuningReport) -> [TuningSpace.Axis] {
        report.space.axes.enumerated().map { d, axis in
            let envelope = self.envelope(report, d)
            let spread = (envelope.map(\.1).max() ?? 0) - (envelope.map(\.1).min() ?? 0)
            return (axis, spread)
        }.sorted { $0.1 > $1.1 }.map(\.0)
    }

    /// Best objective at each lattice index of axis `d` that was evaluated.
    static func envelope(_ report: TuningReport, _ d: Int) -> [(Int, Double)] {
        var best: [Int: Double] = [:]
        for candidate in report.evaluated.dropFirst() {
            let k = candidate.point[d]
            best[k] = max(best[k] ?? -.infinity, candidate.score.objective)
        }
        return best.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    static func chart(_ report: TuningReport, axis: TuningSpace.Axis) -> String {
        guard let d = report.space.axes.firstIndex(of: axis) else { return "" }
        let width = 720.0
        let height = 260.0
        let left = 90.0
        let right = 16.0
        let top = 12.0
        let bottom = 34.0
        let objectives = report.evaluated.map(\.score.objective).filter(\.isFinite).sorted()
        // The worst tenth of the candidates would squash the region that matters: they are drawn
        // on the bottom edge instead.
        guard !objectives.isEmpty, var high = objectives.last else { return "" }
        var low = objectives[objectives.count / 10]
        if high - low < 1 {
            low -= 1
            high += 1
        }
        let xLow = axis.range.lowerBound
        let xSpan = max(axis.range.upperBound - xLow, 1e-12)
        func x(_ value: Double) -> Double { left + (width - left - right) * (value - xLow) / xSpan }
        func y(_ value: Double) -> Double { top + (height - top - bottom) * (1 - (max(value, low) - low) / (high - low)) }
        func f(_ v: Double) -> String { Number.grouped(v, 1).withoutThousandsSeparators }

        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">"
        for i in 0...4 {
            let value = low + (high - low) * Double(i) / 4
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(value)))\" y2=\"\(f(y(value)))\" class=\"grid\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y(value) + 4))\" text-anchor=\"end\" class=\"tick\">$\(Number.grouped(value, 0))</text>"
        }
        for i in 0...4 {
            let value = xLow + xSpan * Double(i) / 4
            svg +=
                "<text x=\"\(f(x(value)))\" y=\"\(f(height - 14))\" text-anchor=\"middle\" class=\"tick\">\(Number.plain((value * 1000).rounded() / 1000))</text>"
        }
        // Thin the dots to at most 3,000 so the page stays small.
        let stride = max(1, report.evaluated.count / 3000)
        for (i, candidate) in report.evaluated.enumerated() where i % stride == 0 && candidate.score.objective.isFinite {
            svg += "<circle cx=\"\(f(x(axis.value(candidate.point[d]))))\" cy=\"\(f(y(candidate.score.objective)))\" r=\"2\" class=\"dot\"/>"
        }
        let line = envelope(report, d).map { "\(f(x(axis.value($0.0)))),\(f(y($0.1)))" }.joined(separator: " ")
        svg += "<polyline points=\"\(line)\" class=\"envelope\"/>"
        let tuned = report.best.values[axis.parameterIndex]
        let defaults = report.space.baseValues[axis.parameterIndex]
        svg += "<line x1=\"\(f(x(defaults)))\" x2=\"\(f(x(defaults)))\" y1=\"\(f(top))\" y2=\"\(f(height - bottom))\" class=\"defaults\"/>"
        svg += "<line x1=\"\(f(x(tuned)))\" x2=\"\(f(x(tuned)))\" y1=\"\(f(top))\" y2=\"\(f(height - bottom))\" class=\"tuned\"/>"
        svg += "<text x=\"\(f(width - right))\" y=\"\(f(height - 2))\" text-anchor=\"end\" class=\"tick\">\(HTMLReport.escape(axis.name))</text>"
        return svg + "</svg>"
    }

    static let style = """
        body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:980px;color:#1d2430;padding:0 16px}
        h1{font-size:22px}h2{font-size:17px;margin-top:28px}h3{font-size:14px;margin:18px 0 4px}
        pre{background:#f5f6f8;padding:12px;overflow-x:auto;font-size:12px}
        .headline{font-size:16px;font-weight:600}.good{color:#1b7f3b}.bad{color:#b3261e}
        .warning{background:#fff4e5;border-left:4px solid #e8a33d;padding:8px 12px}
        svg{width:100%;height:auto;background:#fff}.grid{stroke:#e4e7ec}.tick{font-size:11px;fill:#5b6472}
        .dot{fill:#8a94a6;fill-opacity:.45}.envelope{fill:none;stroke:#2b5fd9;stroke-width:1.8}
        .tuned{stroke:#1b7f3b;stroke-width:2}.defaults{stroke:#e8a33d;stroke-width:2;stroke-dasharray:5 4}
        """
}

extension String {
    /// Without thousands separators (for SVG coordinates).
    var withoutThousandsSeparators: String { filter { $0 != "," } }
}
