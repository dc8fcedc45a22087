/// A group of identical miners behind one controller topic, commanded as one unit:
/// how many run, and at what per-miner power target.
public struct MinerGroup: Hashable, Sendable {
    /// Group name, unique within the site (used in MQTT topics and rules).
    public var name: String
    /// The miner model.
    public var model: MinerModel
    /// Number of miners in the group.
    public var count: Int
    /// What the firmware supports.
    public var firmware: FirmwareCapability
    /// Minimum time a miner stays on after being switched on, in seconds (overrides the policy's).
    public var minimumOnSeconds: Double?
    /// Minimum time a miner stays off after being switched off, in seconds (overrides the policy's).
    public var minimumOffSeconds: Double?
    /// Seconds from a wake command to hashing (overrides the firmware default,
    /// ``FirmwareCapability/defaultWakeSeconds``). Woken miners draw power but earn nothing
    /// meanwhile; replay and the oracle charge it on every wake.
    public var wakeSeconds: Double?

    public init(
        name: String,
        model: MinerModel,
        count: Int,
        firmware: FirmwareCapability = .onOff,
        minimumOnSeconds: Double? = nil,
        minimumOffSeconds: Double? = nil,
        wakeSeconds: Double? = nil
    ) {
        self.name = name
        self.model = model
        self.count = count
        self.firmware = firmware
        self.minimumOnSeconds = minimumOnSeconds
        self.minimumOffSeconds = minimumOffSeconds
        self.wakeSeconds = wakeSeconds
    }

    /// Seconds from a wake command to hashing: the group's own figure or its firmware's default.
    public var effectiveWakeSeconds: Double { wakeSeconds ?? firmware.defaultWakeSeconds }

    /// The power points the firmware can be set to, low to high, each with its hash rate.
    ///
    /// On/off firmware has the single nameplate point; profiles have one point each;
    /// continuous firmware is sampled every 5 % of nameplate power between its limits (targets
    /// between samples are still used when a cap or ramp falls between them).
    public var operatingPoints: [PowerCurve.Point] {
        let powers: [Watts]
        switch firmware {
        case .onOff:
            powers = [model.nominalPower]
        case .profiles(let list):
            powers = list.sorted()
        case .continuous(let low, let high):
            var list = [low]
            let step = model.nominalPower * 0.05
            var next = Watts((low.value / step.value).rounded(.down) * step.value) + step
            while next < high {
                if next.value > low.value + step.value * 0.25 { list.append(next) }
                next = next + step
            }
            if high > low { list.append(high) }
            powers = list
        }
        return powers.compactMap { power in
            model.curve.hashrate(at: power).map { PowerCurve.Point(power: power, hashrate: $0) }
        }
    }

    /// Whether the per-miner power target may be set anywhere between operating points.
    public var allowsIntermediatePower: Bool {
        if case .continuous = firmware { return true }
        return false
    }

    /// Power of the whole group at nameplate, all miners running.
    public var nameplatePower: Watts { model.nominalPower * Double(count) }
}
