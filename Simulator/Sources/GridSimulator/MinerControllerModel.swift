public import CurtailCore

/// One miner group's controller, as the simulator plays it: obeys commands, honours their
/// expiry, ramps with realistic delays, and reports telemetry.
///
/// - A command is applied when its `(term, seq)` is newer than the last applied one (a higher
///   fencing term, or the same term and a higher `seq`) and it has not expired; older or expired
///   commands are ignored, so a deposed controller's late command never undoes a newer one.
/// - Miners put to sleep keep drawing their running power for `sleepSeconds` (seconds), then
///   drop to sleep power. Woken miners draw sleep power while they boot and start hashing after
///   the group's wake time (firmware default or the site file's `wake`), ±10% per command.
/// - A new per-miner power target takes `retuneSeconds` to apply.
/// - When the command in force expires, the group falls back to its safe state (all asleep, or
///   all running at nameplate) until a newer command arrives.
///
/// Pure: time is passed in; randomness comes from the seeded generator it holds.
public struct MinerControllerModel: Sendable {
    /// What a group does when its command expires.
    public enum SafeState: String, Sendable, Hashable, CaseIterable {
        case sleep
        case run
    }

    /// A command as the miner controller reads it.
    public struct Command: Hashable, Sendable {
        public var seq: Int64
        /// The issuing controller's fencing term (0: none).
        public var term: Int64
        public var expiresAt: Timestamp
        public var minersRunning: Int
        public var powerTargetW: Double

        public init(seq: Int64, term: Int64 = 0, expiresAt: Timestamp, minersRunning: Int, powerTargetW: Double) {
            self.seq = seq
            self.term = term
            self.expiresAt = expiresAt
            self.minersRunning = minersRunning
            self.powerTargetW = powerTargetW
        }
    }

    public let group: MinerGroup
    public let sleepSeconds: Double
    public let retuneSeconds: Double
    /// Where the group goes when its command expires.
    public let safeState: SafeState

    /// Miners hashing now, at ``powerW`` each.
    public private(set) var running: Int
    public private(set) var powerW: Double
    /// `seq` of the last command applied (0: none).
    public private(set) var appliedSeq: Int64 = 0
    /// `term` of the last command applied (0: none, or commands without a term).
    public private(set) var appliedTerm: Int64 = 0
    /// The command in force, until it expires.
    public private(set) var command: Command?
    /// Whether the group has fallen back to its safe state.
    public private(set) var fellBack = false

    private var waking: [(count: Int, readyAt: Timestamp)] = []
    private var stopping: [(count: Int, doneAt: Timestamp, powerW: Double)] = []
    private var pendingPower: (watts: Double, at: Timestamp)?
    private var random: SeededGenerator

    /// A group with `running` miners hashing at nameplate.
    public init(group: MinerGroup, running: Int, safeState: SafeState = .sleep, sleepSeconds: Double = 5, retuneSeconds: Double = 10, seed: UInt64) {
        self.group = group
        self.running = min(max(running, 0), group.count)
        self.powerW = Self.defaultPower(group)
        self.safeState = safeState
        self.sleepSeconds = sleepSeconds
        self.retuneSeconds = retuneSeconds
        self.random = SeededGenerator(seed: seed)
    }

    /// The per-miner power the firmware runs at when told to run without a power target.
    static func defaultPower(_ group: MinerGroup) -> Double {
        switch group.firmware {
        case .onOff: group.model.nominalPower.value
        case .profiles(let levels): levels.max()?.value ?? group.model.nominalPower.value
        case .continuous(_, let max): max.value
        }
    }

    /// Miners that will be hashing once boots finish (running plus booting).
    public var committed: Int { running + waking.reduce(0) { $0 + $1.count } }

    /// Applies `command` received at `now`; returns whether it was taken.
    @discardableResult
    public mutating func apply(_ command: Command, at now: Timestamp) -> Bool {
        advance(to: now)
        let newer = command.term > appliedTerm || (command.term == appliedTerm && command.seq > appliedSeq)
        guard newer, command.expiresAt > now else { return false }
        appliedSeq = command.seq
        appliedTerm = command.term
        self.command = command
        fellBack = false
        steer(count: command.minersRunning, powerW: command.powerTargetW > 0 ? command.powerTargetW : powerW, at: now)
        return true
    }

    /// Moves the group forward to `now`: boots finish, sleeps complete, expiry is enforced.
    public mutating func advance(to now: Timestamp) {
        if let command, command.expiresAt <= now, !fellBack {
            fellBack = true
            self.command = nil
            switch safeState {
            case .sleep: steer(count: 0, powerW: powerW, at: command.expiresAt)
            case .run: steer(count: group.count, powerW: Self.defaultPower(group), at: command.expiresAt)
            }
        }
        if !waking.isEmpty {
            var still: [(count: Int, readyAt: Timestamp)] = []
            for cohort in waking {
                if cohort.readyAt <= now { running += cohort.count } else { still.append(cohort) }
            }
            waking = still
        }
        if !stopping.isEmpty { stopping.removeAll { $0.doneAt <= now } }
        if let pending = pendingPower, pending.at <= now {
            powerW = pending.watts
            pendingPower = nil
        }
    }

    private mutating func steer(count target: Int, powerW targetPower: Double, at now: Timestamp) {
        let target = min(max(target, 0), group.count)
        var committed = self.committed
        if target > committed {
            let jitter = 0.9 + 0.2 * random.unit()
            waking.append((target - committed, now.adding(seconds: group.effectiveWakeSeconds * jitter)))
        } else if target < committed {
            var excess = committed - target
            // Cancel boots first (newest first), then stop running miners.
            while excess > 0, let last = waking.popLast() {
                let take = min(excess, last.count)
                if last.count > take { waking.append((last.count - take, last.readyAt)) }
                excess -= take
                committed -= take
            }
            if excess > 0 {
                running -= excess
                stopping.append((excess, now.adding(seconds: sleepSeconds), powerW))
            }
        }
        if abs(targetPower - powerW) >= 0.5 {
            pendingPower = (targetPower, now.adding(seconds: retuneSeconds))
        }
    }

    /// Group load now (kW): hashing miners at their power, stopping miners still at theirs,
    /// the rest (asleep or booting) at sleep power.
    public var powerKW: Double {
        let stoppingCount = stopping.reduce(0) { $0 + $1.count }
        let stoppingW = stopping.reduce(0.0) { $0 + Double($1.count) * $1.powerW }
        let idle = group.count - running - stoppingCount
        return (Double(running) * powerW + stoppingW + Double(max(idle, 0)) * group.model.sleepPower.value) / 1000
    }

    /// Group hash rate now (TH/s).
    public var hashrateTH: Double {
        guard running > 0 else { return 0 }
        let perMiner = group.model.curve.hashrate(at: Watts(powerW))?.value ?? group.model.nominalHashrate.value
        return Double(running) * perMiner
    }

    /// Telemetry noise: a multiplicative factor near 1 (±0.3%), from the seeded generator.
    public mutating func noise() -> Double { 1 + 0.003 * (2 * random.unit() - 1) }
}
