/// A minimal line/area chart as inline SVG: x is a day index, y is linear. Enough for the
/// report's charts; no scripts, so the file opens anywhere.
struct SVGChart {
    struct Series {
        var label: String
        var color: String
        var values: [Double]
        var dashed = false
        var width = 1.6
    }

    struct Band {
        var label: String
        var color: String
        var low: [Double]
        var high: [Double]
    }

    var width = 960.0
    var height = 260.0
    var yLabel: String
    var yRange: ClosedRange<Double>
    var xLabels: [(index: Int, text: String)]
    var count: Int
    var series: [Series] = []
    var bands: [Band] = []
    /// Notes drawn top-left (e.g. "prices above 300 clipped").
    var note: String?

    private let left = 84.0
    private let right = 16.0
    private let top = 14.0
    private let bottom = 26.0

    init(yLabel: String, yRange: ClosedRange<Double>, xLabels: [(index: Int, text: String)], count: Int) {
        self.yLabel = yLabel
        self.yRange = yRange
        self.xLabels = xLabels
        self.count = count
    }

    func x(_ i: Int) -> Double {
        left + (width - left - right) * (count > 1 ? Double(i) / Double(count - 1) : 0.5)
    }

    func y(_ v: Double) -> Double {
        let span = yRange.upperBound - yRange.lowerBound
        let clamped = min(max(v, yRange.lowerBound), yRange.upperBound)
        return top + (height - top - bottom) * (1 - (clamped - yRange.lowerBound) / (span > 0 ? span : 1))
    }

    func render() -> String {
        var svg = "<svg viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" xmlns=\"http://www.w3.org/2000/svg\">"
        // Grid and y ticks.
        for tick in Self.ticks(yRange) {
            let ty = y(tick)
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(ty))\" y2=\"\(f(ty))\" class=\"grid\"/>"
            svg +=
                "<text x=\"\(f(left - 6))\" y=\"\(f(ty + 4))\" class=\"tick\" text-anchor=\"end\">\(Number.grouped(tick, Self.decimals(yRange)))</text>"
        }
        if yRange.lowerBound < 0 && yRange.upperBound > 0 {
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(0)))\" y2=\"\(f(y(0)))\" class=\"zero\"/>"
        }
        for label in xLabels {
            let tx = x(label.index)
            svg += "<line x1=\"\(f(tx))\" x2=\"\(f(tx))\" y1=\"\(f(top))\" y2=\"\(f(height - bottom))\" class=\"grid\"/>"
            svg += "<text x=\"\(f(tx + 3))\" y=\"\(f(height - 8))\" class=\"tick\">\(label.text)</text>"
        }
        svg +=
            "<text x=\"12\" y=\"\(f((height - bottom + top) / 2))\" class=\"axis\" transform=\"rotate(-90 12 \(f((height - bottom + top) / 2)))\" text-anchor=\"middle\">\(yLabel)</text>"
        for band in bands {
            var path = ""
            for i in 0..<count where band.high[i].isFinite {
                path += (path.isEmpty ? "M" : "L") + "\(f(x(i))),\(f(y(band.high[i])))"
            }
            for i in (0..<count).reversed() where band.low[i].isFinite {
                path += "L\(f(x(i))),\(f(y(band.low[i])))"
            }
            if !path.isEmpty { svg += "<path d=\"\(path)Z\" fill=\"\(band.color)\" stroke=\"none\"/>" }
        }
        for s in series {
            var path = ""
            var pen = false
            for i in 0..<min(count, s.values.count) {
                let v = s.values[i]
                guard v.isFinite else {
                    pen = false
                    continue
                }
                path += (pen ? "L" : "M") + "\(f(x(i))),\(f(y(v)))"
                pen = true
            }
            svg +=
                "<path d=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"\(f(s.width))\"\(s.dashed ? " stroke-dasharray=\"5 3\"" : "") stroke-linejoin=\"round\"/>"
        }
        if let note { svg += "<text x=\"\(f(left + 6))\" y=\"\(f(top + 12))\" class=\"note\">\(note)</text>" }
        svg += "</svg>"
        // Legend as HTML under the chart.
        var legend = "<div class=\"legend\">"
        for band in bands { legend += "<span><i style=\"background:\(band.color)\"></i>\(band.label)</span>" }
        for s in series {
            legend += "<span><i style=\"background:\(s.color)\(s.dashed ? ";opacity:.6" : "")\"></i>\(s.label)</span>"
        }
        return svg + legend + "</div>"
    }

    private func f(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// Round tick values covering `range` (about five).
    static func ticks(_ range: ClosedRange<Double>) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound] }
        let raw = span / 5
        var step = 1.0
        while step * 10 <= raw { step *= 10 }
        while step > raw { step /= 10 }
        if step * 5 <= raw { step *= 5 } else if step * 2 <= raw { step *= 2 }
        var ticks: [Double] = []
        var t = (range.lowerBound / step).rounded(.up) * step
        while t <= range.upperBound + step * 1e-9 {
            ticks.append(abs(t) < step * 1e-9 ? 0 : t)
            t += step
        }
        return ticks
    }

    static func decimals(_ range: ClosedRange<Double>) -> Int {
        let span = range.upperBound - range.lowerBound
        return span < 1 ? 2 : (span < 10 ? 1 : 0)
    }
}
