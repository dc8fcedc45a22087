/// What a miner group's firmware lets the controller do.
public enum FirmwareCapability: Hashable, Sendable, CustomStringConvertible {
    /// Sleep and wake only, at nameplate power (stock Antminer web API).
    case onOff
    /// Discrete power profiles, in watts (LuxOS profiles, VNish presets, Whatsminer low/normal/high).
    case profiles([Watts])
    /// Any power target between `min` and `max` watts (Braiins OS `SetPowerTarget`, Whatsminer v3).
    case continuous(min: Watts, max: Watts)

    /// The default profiles for a model when a site file names none: 70 %, 85 % and 100 % of nameplate.
    public static func defaultProfiles(for model: MinerModel) -> FirmwareCapability {
        .profiles([0.7, 0.85, 1.0].map { model.nominalPower * $0 })
    }

    /// The default continuous range for a model: the curve's lowest power up to nameplate.
    /// Overclocking above nameplate is only used when a site file asks for it.
    public static func defaultContinuous(for model: MinerModel) -> FirmwareCapability {
        .continuous(min: model.curve.powerRange.lowerBound, max: model.nominalPower)
    }

    /// Typical seconds from a wake command to full hash rate, used when a site file gives none:
    /// stock firmware reboots the hash boards (300 s), LuxOS-style profile firmware wakes in about
    /// a minute with its default steps (60 s), Braiins-style power-target firmware ramps in
    /// about 30 s. Sleep is treated as immediate (under 5 s in every firmware measured).
    /// Sources: `../shared/research/domain-mining.md` §1.8; the stock figure is unverified.
    public var defaultWakeSeconds: Double {
        switch self {
        case .onOff: return 300
        case .profiles: return 60
        case .continuous: return 30
        }
    }

    /// The name used in site files: `on_off`, `profiles` or `continuous`.
    public var kind: String {
        switch self {
        case .onOff: return "on_off"
        case .profiles: return "profiles"
        case .continuous: return "continuous"
        }
    }

    public var description: String { kind }
}
