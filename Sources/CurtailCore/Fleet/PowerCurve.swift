#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a miner's hash rate depends on the power it is given.
///
/// Either measured points (piecewise linear between them, e.g. from Braiins
/// `GetMinerEfficiencyProfile` or LuxOS `profiles`), or the default power law
/// `H = H_nom · (P / P_nom)^0.62` on `[0.55, 1.1] · P_nom`, which matches tuned S19j Pro data
/// (−33 % power gives −22 % hash rate and 0.86× J/TH).
public enum PowerCurve: Hashable, Sendable {
    /// A power law through the nameplate point.
    case powerLaw(nominalPower: Watts, nominalHashrate: TerahashPerSecond, exponent: Double, range: ClosedRange<Double>)
    /// Measured (power, hash rate) points, strictly increasing in power.
    case points([Point])

    /// One measured point of a curve.
    public struct Point: Hashable, Sendable {
        public var power: Watts
        public var hashrate: TerahashPerSecond
        public init(power: Watts, hashrate: TerahashPerSecond) {
            self.power = power
            self.hashrate = hashrate
        }
    }

    /// The default exponent of the power law.
    public static let defaultExponent = 0.62
    /// The default power range of the power law, as fractions of nameplate power.
    public static let defaultRange: ClosedRange<Double> = 0.55...1.1

    /// The default power law for a miner with the given nameplate.
    public static func powerLaw(nominalPower: Watts, nominalHashrate: TerahashPerSecond) -> PowerCurve {
        .powerLaw(nominalPower: nominalPower, nominalHashrate: nominalHashrate, exponent: defaultExponent, range: defaultRange)
    }

    /// Checks measured points: at least two, finite, positive, strictly increasing power,
    /// non-decreasing hash rate.
    ///
    /// - Returns: `nil` when valid, otherwise what is wrong, for an error message.
    public static func problem(with points: [Point]) -> String? {
        guard points.count >= 2 else { return "a curve needs at least 2 points, found \(points.count)" }
        for (index, point) in points.enumerated() {
            guard point.power.isFinite, point.power.value > 0, point.hashrate.isFinite, point.hashrate.value > 0 else {
                return "point \(index + 1): power and hash rate must be positive numbers"
            }
            if index > 0 {
                let previous = points[index - 1]
                if point.power <= previous.power { return "point \(index + 1): power must increase from point to point" }
                if point.hashrate < previous.hashrate {
                    return "point \(index + 1): hash rate must not fall as power rises"
                }
            }
        }
        return nil
    }

    /// The power range the curve covers.
    public var powerRange: ClosedRange<Watts> {
        switch self {
        case .powerLaw(let nominal, _, _, let range):
            return (nominal * range.lowerBound)...(nominal * range.upperBound)
        case .points(let points):
            return points[0].power...points[points.count - 1].power
        }
    }

    /// Hash rate at `power`, or `nil` outside ``powerRange``.
    public func hashrate(at power: Watts) -> TerahashPerSecond? {
        let range = powerRange
        // Tolerate rounding at the ends (e.g. 0.55 · P computed twice).
        guard power.value >= range.lowerBound.value * (1 - 1e-9), power.value <= range.upperBound.value * (1 + 1e-9) else {
            return nil
        }
        switch self {
        case .powerLaw(let nominalPower, let nominalHashrate, let exponent, _):
            return nominalHashrate * pow(power / nominalPower, exponent)
        case .points(let points):
            var upper = 1
            while upper < points.count - 1, points[upper].power < power { upper += 1 }
            let a = points[upper - 1]
            let b = points[upper]
            let t = min(max((power - a.power) / (b.power - a.power), 0), 1)
            return a.hashrate + (b.hashrate - a.hashrate) * t
        }
    }
}
