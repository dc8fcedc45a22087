/// Number formatting for command output, without locale surprises.
package enum Format {
    /// `value` rounded to `digits` decimals, e.g. `fixed(70.623, 1)` → `"70.6"`.
    package static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (abs(value) * scale).rounded() / scale
        let negative = value < 0 && rounded != 0
        var whole = rounded.rounded(.down)
        var fraction = ((rounded - whole) * scale).rounded()
        if fraction >= scale {
            whole += 1
            fraction -= scale
        }
        var text = String(Int(whole))
        if digits > 0 {
            let fractionText = String(Int(fraction))
            text += "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
        }
        return negative ? "-" + text : text
    }
}
