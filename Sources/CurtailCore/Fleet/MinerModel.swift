/// An ASIC miner model: nameplate hash rate and wall power, sleep power and power curve.
public struct MinerModel: Hashable, Sendable, CustomStringConvertible {
    /// Stable identifier used in site files, e.g. `antminer-s19j-pro`.
    public var id: String
    /// Manufacturer, e.g. `Bitmain`.
    public var vendor: String
    /// Display name, e.g. `Antminer S19j Pro`.
    public var name: String
    /// Nameplate hash rate (stock firmware).
    public var nominalHashrate: TerahashPerSecond
    /// Nameplate wall power (stock firmware).
    public var nominalPower: Watts
    /// Power drawn while sleeping (hash boards and PSU output off, control board on).
    public var sleepPower: Watts
    /// Power → hash rate curve.
    public var curve: PowerCurve

    /// The default sleep power when a model does not state one (LuxOS: about 25 W).
    public static let defaultSleepPower = Watts(25)

    public init(
        id: String,
        vendor: String,
        name: String,
        nominalHashrate: TerahashPerSecond,
        nominalPower: Watts,
        sleepPower: Watts = MinerModel.defaultSleepPower,
        curve: PowerCurve? = nil
    ) {
        self.id = id
        self.vendor = vendor
        self.name = name
        self.nominalHashrate = nominalHashrate
        self.nominalPower = nominalPower
        self.sleepPower = sleepPower
        self.curve = curve ?? .powerLaw(nominalPower: nominalPower, nominalHashrate: nominalHashrate)
    }

    /// Nameplate efficiency.
    public var nominalEfficiency: JoulesPerTerahash {
        JoulesPerTerahash(power: nominalPower, hashrate: nominalHashrate)
    }

    public var description: String { name }
}
