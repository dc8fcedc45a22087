public import CurtailPolicy

/// The parameters a tuning run searches, each as a lattice of values: its declared step, whole
/// numbers for `integer: true`, or a thousandth of its range when it declares neither.
///
/// The search works on lattice indices; values are rounded to the decimals of the range and
/// step, so `59.3 + 3 × 0.05` is written back to the policy file as `59.45`.
public struct TuningSpace: Sendable {
    /// One searched parameter.
    public struct Axis: Hashable, Sendable {
        /// The parameter's name and its index in the policy's parameters.
        public var name: String
        public var parameterIndex: Int
        /// The searched range (the declared one, or narrower with `--range`).
        public var range: ClosedRange<Double>
        /// The distance between neighbouring values.
        public var step: Double
        /// Number of values on the lattice.
        public var count: Int
        /// Decimals values are rounded to.
        public var decimals: Int
        /// Whether the policy gave no step (continuous, sampled at a thousandth of the range).
        public var isContinuous: Bool

        /// The value at lattice index `k`.
        public func value(_ k: Int) -> Double {
            let raw = range.lowerBound + Double(k) * step
            return min(range.upperBound, Self.round(raw, decimals))
        }

        /// The lattice index nearest to `value`.
        public func index(nearest value: Double) -> Int {
            min(count - 1, max(0, Int(((value - range.lowerBound) / step).rounded())))
        }

        static func round(_ value: Double, _ decimals: Int) -> Double {
            var scale = 1.0
            for _ in 0..<decimals { scale *= 10 }
            return (value * scale).rounded() / scale
        }
    }

    /// The searched parameters, in policy order.
    public let axes: [Axis]
    /// Every parameter's value when not searched (defaults, with `--set` applied), policy order.
    public let baseValues: [Double]

    /// The space of `policy`'s tunable parameters.
    ///
    /// - Parameters:
    ///   - only: search just these (default: every tunable parameter).
    ///   - fixed: pin these to a value (not searched; the tuned file keeps the value).
    ///   - ranges: narrow these parameters' ranges.
    /// - Throws: ``TuningError`` when nothing is left to search, a name is unknown, or a range is
    ///   empty or reaches outside the declared one.
    public init(
        policy: Policy,
        only: [String] = [],
        fixed: [String: Double] = [:],
        ranges: [String: ClosedRange<Double>] = [:]
    ) throws(TuningError) {
        let known = policy.parameters.map(\.name)
        for name in only + Array(fixed.keys) + Array(ranges.keys) where !known.contains(name) {
            throw .unknownParameter(name, known: known)
        }
        var base = policy.parameters.map(\.value)
        for (name, value) in fixed {
            let index = policy.parameterIndex(name)!
            let declared = policy.parameters[index].range
            guard declared.contains(value) else {
                throw .rangeOutsideDeclared(parameter: name, range: Self.text(value...value), declared: Self.text(declared))
            }
            base[index] = value
        }
        var axes: [Axis] = []
        for (index, parameter) in policy.parameters.enumerated() {
            let named = only.contains(parameter.name) || ranges[parameter.name] != nil
            if fixed[parameter.name] != nil { continue }
            if !only.isEmpty && !only.contains(parameter.name) { continue }
            if !parameter.isTunable && !named { continue }
            var range = parameter.range
            if let narrowed = ranges[parameter.name] {
                guard narrowed.lowerBound >= parameter.range.lowerBound, narrowed.upperBound <= parameter.range.upperBound else {
                    throw .rangeOutsideDeclared(parameter: parameter.name, range: Self.text(narrowed), declared: Self.text(parameter.range))
                }
                range = narrowed
            }
            if parameter.isInteger {
                let low = range.lowerBound.rounded(.up)
                let high = range.upperBound.rounded(.down)
                guard low <= high else { throw .emptyRange(parameter: parameter.name, range: Self.text(range) + ", no whole number") }
                range = low...high
            }
            // A single value has nothing to search: an error when asked for by name, else skipped.
            guard range.upperBound > range.lowerBound else {
                if named { throw .emptyRange(parameter: parameter.name, range: Self.text(range)) }
                continue
            }
            let span = range.upperBound - range.lowerBound
            var step = parameter.step ?? (parameter.isInteger ? 1 : span / 1000)
            if parameter.isInteger { step = max(1, step.rounded()) }
            let count = Int((span / step + 1e-9).rounded(.down)) + 1
            guard count >= 2 else {
                throw .emptyRange(parameter: parameter.name, range: Self.text(range) + " with step \(Self.number(step))")
            }
            let decimals = max(Self.decimals(range.lowerBound), Self.decimals(step))
            axes.append(
                Axis(
                    name: parameter.name,
                    parameterIndex: index,
                    range: range,
                    step: step,
                    count: count,
                    decimals: decimals,
                    isContinuous: parameter.step == nil && !parameter.isInteger
                )
            )
        }
        guard !axes.isEmpty else { throw .noTunableParameters(policy: policy.name) }
        self.axes = axes
        baseValues = base
    }

    /// Number of points on the lattice (saturates at `Int.max`).
    public var size: Int {
        var total = 1
        for axis in axes {
            let (product, overflow) = total.multipliedReportingOverflow(by: axis.count)
            if overflow { return .max }
            total = product
        }
        return total
    }

    /// All parameter values (policy order) for a point given as lattice indices.
    public func values(at point: [Int]) -> [Double] {
        var values = baseValues
        for (axis, k) in zip(axes, point) { values[axis.parameterIndex] = axis.value(k) }
        return values
    }

    /// The lattice point nearest to the base values (the defaults).
    public var basePoint: [Int] { axes.map { $0.index(nearest: baseValues[$0.parameterIndex]) } }

    /// Decimals needed to write `value` exactly (up to 9).
    static func decimals(_ value: Double) -> Int {
        var scaled = abs(value)
        for d in 0...9 {
            if abs(scaled - scaled.rounded()) < 1e-9 * max(1, scaled) { return d }
            scaled *= 10
        }
        return 9
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }

    static func text(_ range: ClosedRange<Double>) -> String { "\(number(range.lowerBound))..\(number(range.upperBound))" }
}
