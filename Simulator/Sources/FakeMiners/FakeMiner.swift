public import CurtailCore

/// One fake miner's state, as its firmware would keep it: mining, asleep, waking, its power
/// target, and the firmware's own session rules. Pure: time comes in as seconds on the fleet's
/// clock; the protocol servers turn requests into calls on it.
///
/// - Sleep takes ``sleepSeconds`` (hashing stops at once, power falls after); wake takes
///   ``wakeSeconds`` (power rises at once to a third, hashing starts after).
/// - Power and hashrate follow the model's curve at the power target (nameplate without one).
/// - LuxOS: one session at a time, expiring after 60 s without use.
public struct FakeMiner: Sendable {
    public enum Mode: String, Sendable, Hashable {
        case mining, sleeping, stopping, waking
    }

    public let firmware: MinerFirmware
    public let model: MinerModel
    public let host: String
    public var sleepSeconds: Double
    public var wakeSeconds: Double
    /// A LuxOS session ends after this long without use: 60 s of the client's time, so a fleet
    /// that runs faster than wall time (`speed`) stretches it by the same factor.
    public var sessionExpirySeconds: Double = 60

    public private(set) var mode: Mode = .mining
    /// When the current transition (stopping, waking) completes.
    private var until: Double = 0
    /// The power target (watts): Braiins' tuner target, the LuxOS profile's watts.
    public private(set) var powerTargetW: Double
    /// Stock firmware's work mode when awake (0 normal, 2 high efficiency, 3 low power).
    public var workMode = 0
    /// The LuxOS session and when it was last used.
    private var session: (id: String, lastUse: Double)?
    private var sessionCounter = 0
    /// Writes performed (sleep, wake, power) and ignored by a lie, for tests.
    public private(set) var writes = 0
    public private(set) var cycles = 0
    /// LuxOS ATM (it would step the profile back; the agent must turn it off).
    public var atmEnabled = true
    /// Seconds since boot when the miner last started hashing.
    public private(set) var miningSince: Double = 0
    /// When the last applied wake and sleep arrived (fleet seconds), for the stagger benchmark.
    public private(set) var lastWakeAt: Double?
    public private(set) var lastSleepAt: Double?

    public init(firmware: MinerFirmware, model: MinerModel, host: String, sleepSeconds: Double? = nil, wakeSeconds: Double? = nil) {
        self.firmware = firmware
        self.model = model
        self.host = host
        self.powerTargetW = model.nominalPower.value
        self.sleepSeconds = sleepSeconds ?? (firmware == .luxos ? 4 : 5)
        self.wakeSeconds = wakeSeconds ?? (firmware == .luxos ? 10 : firmware == .braiins ? 30 : 90)
    }

    /// The LuxOS profiles: 25 MHz steps below and above default, by power.
    public var profiles: [(name: String, watts: Double, hashrate: Double)] {
        let nominal = model.nominalPower.value
        return stride(from: 0.6, through: 1.1001, by: 0.05).map { fraction in
            let watts = (nominal * fraction).rounded()
            let name = fraction == 1 ? "default" : "\(Int((fraction * 545).rounded()))MHz"
            return (name, watts, model.curve.hashrate(at: Watts(watts))?.value ?? model.nominalHashrate.value * fraction)
        }
    }

    /// The power-target limits (Braiins constraints; the profiles' span on LuxOS).
    public var powerLimits: ClosedRange<Double> {
        let nominal = model.nominalPower.value
        return (nominal * 0.6).rounded()...(nominal * 1.1).rounded()
    }

    /// Completes transitions due by `now`.
    public mutating func advance(to now: Double) {
        if mode == .stopping, now >= until { mode = .sleeping }
        if mode == .waking, now >= until {
            mode = .mining
            miningSince = until
        }
        if let session, now - session.lastUse > sessionExpirySeconds { self.session = nil }
    }

    /// Power drawn now (watts).
    public func power(at now: Double) -> Double {
        switch mode {
        case .mining, .stopping: mode == .stopping ? powerTargetW * 0.5 : powerTargetW
        case .sleeping: model.sleepPower.value
        case .waking: powerTargetW / 3
        }
    }

    /// Hashrate now (TH/s).
    public var hashrateTH: Double {
        guard mode == .mining else { return 0 }
        return model.curve.hashrate(at: Watts(powerTargetW))?.value ?? model.nominalHashrate.value
    }

    /// Whether the miner is asleep or going to sleep.
    public var isAsleep: Bool { mode == .sleeping || mode == .stopping }

    /// Puts the miner to sleep (`apply: false`: a lie, answered OK and ignored).
    public mutating func sleep(at now: Double, apply: Bool = true) {
        advance(to: now)
        writes += 1
        guard apply, !isAsleep else { return }
        lastSleepAt = now
        mode = .stopping
        until = now + sleepSeconds
        cycles += 1
    }

    /// Wakes the miner.
    public mutating func wake(at now: Double, apply: Bool = true) {
        advance(to: now)
        writes += 1
        guard apply, isAsleep else { return }
        lastWakeAt = now
        mode = .waking
        until = now + wakeSeconds
    }

    /// Sets the power target; `false` when outside the limits and `refuse` is set.
    public mutating func setPowerTarget(_ watts: Double, at now: Double, refuse: Bool, apply: Bool = true) -> Bool {
        advance(to: now)
        if refuse, !powerLimits.contains(watts) { return false }
        writes += 1
        guard apply else { return true }
        powerTargetW = min(max(watts, powerLimits.lowerBound), powerLimits.upperBound)
        return true
    }

    // MARK: LuxOS sessions

    /// `logon`: a new session id, or `nil` when another is active.
    public mutating func logon(at now: Double) -> String? {
        advance(to: now)
        guard session == nil else { return nil }
        sessionCounter += 1
        let id = String(UInt32(truncatingIfNeeded: sessionCounter &* 2_654_435_761 ^ host.hashValue), radix: 36)
        session = (id, now)
        return id
    }

    /// The active session id (empty when none).
    public mutating func currentSession(at now: Double) -> String {
        advance(to: now)
        return session?.id ?? ""
    }

    /// Whether `id` is the active session; refreshes it.
    public mutating func useSession(_ id: String, at now: Double) -> Bool {
        advance(to: now)
        guard let session, session.id == id else { return false }
        self.session = (id, now)
        return true
    }

    /// `logoff`.
    public mutating func logoff(_ id: String, at now: Double) -> Bool {
        guard useSession(id, at: now) else { return false }
        session = nil
        return true
    }
}
