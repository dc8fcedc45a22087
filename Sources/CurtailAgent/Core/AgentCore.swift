public import CurtailCore
public import CurtailMiners
public import CurtailPolicyFiles
public import CurtailWire

/// The agent's brain, free of I/O and clocks: group commands, driver results and ticks in;
/// driver operations and publishes out. `MinerAgent` runs it live; tests drive it directly.
///
/// - A group's command is taken when it is newer by `(term, seq)` than the one in force and not
///   expired; on expiry with nothing fresh the group goes to the site's safe state.
/// - Nothing is planned for a group until each of its miners has been read once, so a restarted
///   agent sees what already runs and wakes nothing twice.
/// - Every write is read back until the firmware's deadline: a miner that answered OK and did not
///   change is retried with backoff and then marked `mismatch` and replaced in its group.
/// - Wakes are staggered (``WakeStagger``); sleeps are not. At most `maxConnections` operations run
///   at once, and never two on one miner.
public struct AgentCore: Sendable {
    /// An instruction for the runner.
    public enum Action: Sendable {
        /// Run `operation` on miner `miner` and report back with ``AgentCore/completed(miner:operation:result:at:)``.
        case perform(miner: Int, operation: MinerOperation)
        case publishTelemetry(group: String, TelemetryPayload)
        case publishStatus(group: String, address: String, MinerStatusPayload)
        /// Something for the log.
        case note(String)
    }

    /// The result of an operation: a reading for `.read`, nothing for a write.
    public typealias Outcome = Result<MinerReading?, MinerError>

    /// One miner's bookkeeping.
    public struct Miner: Sendable {
        public let entry: MinerInventory.Miner
        public var state: MinerStatusPayload.State = .ok
        public var reading: MinerReading?
        public var readAt: Timestamp?
        public var lastError: String?
        /// What the plan wants: `nil` before the first plan.
        public var wantsRun: Bool?
        public var wantsPowerW: Double?
        public var inFlight: MinerOperation?
        /// A write awaiting read-back, and until when.
        public var verifying: (operation: MinerOperation, until: Timestamp)?
        /// A write that was not confirmed and will be tried again (the plan keeps it meanwhile).
        public var retrying: MinerOperation?
        /// Failed or unconfirmed attempts at the current write.
        public var attempts = 0
        /// Nothing is tried before this.
        public var retryAt: Timestamp?
        public var nextReadAt: Timestamp?
        public var lastCycled: Timestamp?
        /// The firmware refused power targets: stop asking.
        public var powerRefused = false
        /// The last power target the miner accepted (for firmware whose readings do not show it).
        public var appliedPowerW: Double?
        public var wasRead = false
        var lastPublished: MinerStatusPayload?
        var lastPublishedAt: Timestamp?
    }

    struct Group: Sendable {
        var name: String
        var miners: [Int]
        var command: CommandPayload?
        var appliedTerm: Int64 = 0
        var appliedSeq: Int64 = 0
        var fellBack = false
        var lastTelemetry: Timestamp?
        var lastRunning: Int?
        /// Something the plan depends on changed (a command, a miner's state, mode or cycle).
        var needsPlan = true
        /// Miners not read yet (planning waits for zero).
        var unread: Int
        /// Miners whose last reading says they hash.
        var running = 0

        init(name: String, miners: [Int]) {
            self.name = name
            self.miners = miners
            self.unread = miners.count
        }
    }

    public let settings: SiteConfiguration.AgentSettings
    public private(set) var miners: [Miner]
    var groups: [Group]
    /// Each miner's group (index into ``groups``).
    let groupOf: [Int]
    var stagger: WakeStagger
    /// Operations in flight.
    public private(set) var inFlight = 0
    /// Miners whose status may have changed since it was last published (each listed once).
    var statusPending: [Int] = []
    var statusListed: [Bool]
    /// Where the once-a-minute republishing has got to.
    var statusCursor = 0
    /// Attempts before a write is given up as `mismatch` (or `refused`).
    public var retryLimit = 3

    public init(inventory: MinerInventory, site: Site, settings: SiteConfiguration.AgentSettings) {
        self.settings = settings
        self.miners = inventory.miners.map { Miner(entry: $0) }
        let groups = site.groups.map { group in
            Group(name: group.name, miners: inventory.miners.indices.filter { inventory.miners[$0].group == group.name })
        }
        var groupOf = Array(repeating: 0, count: inventory.miners.count)
        for (g, group) in groups.enumerated() { for i in group.miners { groupOf[i] = g } }
        self.groups = groups
        self.groupOf = groupOf
        self.statusListed = Array(repeating: false, count: inventory.miners.count)
        self.stagger = WakeStagger(minersPerSecond: settings.wakeMinersPerSecond, kWPerSecond: settings.wakeKWPerSecond)
    }

    /// The command in force for `group`.
    public func command(of group: String) -> CommandPayload? { groups.first { $0.name == group }?.command }

    /// Miners by state, for a group (the demo's summary).
    public func counts(of group: String) -> [MinerStatusPayload.State: Int] {
        guard let g = groups.first(where: { $0.name == group }) else { return [:] }
        return Dictionary(grouping: g.miners, by: { miners[$0].state }).mapValues(\.count)
    }

    // MARK: - Inputs

    /// A group's command arrived (retained or fresh).
    public mutating func receive(command: CommandPayload, group name: String, at now: Timestamp) -> [Action] {
        guard let g = groups.firstIndex(where: { $0.name == name }) else { return [.note("command for unknown group '\(name)' ignored")] }
        guard command.isNewer(thanTerm: groups[g].appliedTerm, seq: groups[g].appliedSeq) else {
            return []  // a duplicate or an older controller's command: the one in force stands
        }
        guard command.expiresAt > now else {
            return [.note("group \(name): command seq \(command.seq) expired at \(command.expiresAt); ignored")]
        }
        groups[g].command = command
        groups[g].appliedTerm = command.term
        groups[g].appliedSeq = command.seq
        groups[g].fellBack = false
        groups[g].needsPlan = true
        groups[g].lastRunning = nil  // publish telemetry with the new applied seq soon
        return tick(at: now)
    }

    /// An operation finished. Nothing new starts until the next ``tick(at:)``: the runner ticks
    /// often (every 20 ms live), so a burst of completions costs one pass over the fleet.
    public mutating func completed(miner i: Int, operation: MinerOperation, result: Outcome, at now: Timestamp) {
        guard miners.indices.contains(i) else { return }
        let before = planInput(i)
        defer {
            if planInput(i) != before { groups[groupOf[i]].needsPlan = true }
            if !statusListed[i] {
                statusListed[i] = true
                statusPending.append(i)
            }
        }
        if miners[i].inFlight != nil {
            miners[i].inFlight = nil
            inFlight -= 1
        }
        let firmware = miners[i].entry.firmware
        switch (operation, result) {
        case (.read, .success(let reading)):
            markRead(i)
            let g = groupOf[i]
            if miners[i].reading?.mode == .mining { groups[g].running -= 1 }
            if reading?.mode == .mining { groups[g].running += 1 }
            miners[i].reading = reading
            miners[i].readAt = now
            if [.unreachable, .refused].contains(miners[i].state) && miners[i].verifying == nil {
                miners[i].state = .ok
                miners[i].attempts = 0
                miners[i].lastError = nil
            }
            if let reading { judge(i, reading, at: now) }
            // A write awaiting confirmation is read back often; otherwise at the poll interval.
            let interval = miners[i].verifying.map { Self.readBackInterval($0.operation, firmware) } ?? settings.pollInterval
            miners[i].nextReadAt = now.adding(seconds: interval)
        case (.read, .failure(let error)):
            markRead(i)
            fail(i, error, at: now, counting: true)
        case (_, .success):
            // Written: read back until the firmware's deadline.
            let deadline = Self.deadline(operation, firmware)
            miners[i].verifying = (operation, now.adding(seconds: deadline))
            miners[i].nextReadAt = now.adding(seconds: Self.readBackInterval(operation, firmware))
            if case .setPower(let watts) = operation { miners[i].appliedPowerW = watts }
            // A miner already found lying stays `mismatch` until a read-back shows it obeyed.
            switch operation {
            case .sleep:
                if miners[i].state != .mismatch { miners[i].state = .sleeping }
                miners[i].lastCycled = now
            case .wake:
                if miners[i].state != .mismatch { miners[i].state = .waking }
                miners[i].lastCycled = now
            default: break
            }
        case (.setPower, .failure(let error)) where error.kind == .refused:
            miners[i].powerRefused = true
            miners[i].lastError = error.description
        case (_, .failure(let error)):
            fail(i, error, at: now, counting: error.kind != .busy)
        }
    }

    mutating func markRead(_ i: Int) {
        guard !miners[i].wasRead else { return }
        miners[i].wasRead = true
        groups[groupOf[i]].unread -= 1
    }

    /// What the plan reads of a miner: whether it can be commanded, whether it counts as on, and
    /// when it last cycled.
    func planInput(_ i: Int) -> PlanInput {
        let state = miners[i].state
        let controllable = state == .ok || state == .waking || state == .sleeping
        let mode = miners[i].reading?.mode
        let reported = mode == .mining || mode == .starting
        // A write on its way counts as done for a miner that obeys; one that does not is as it reports.
        var on = reported
        if controllable {
            for op in [miners[i].inFlight, miners[i].verifying?.operation, miners[i].retrying] where op == .wake || op == .sleep {
                on = op == .wake
                break
            }
        }
        return PlanInput(
            controllable: controllable,
            on: on,
            lastCycled: miners[i].lastCycled?.secondsSinceEpoch ?? -.infinity,
            read: miners[i].wasRead
        )
    }

    struct PlanInput: Equatable {
        var controllable: Bool
        var on: Bool
        var lastCycled: Double
        var read: Bool
    }

    /// Decides what a reading means for a miner with a write awaiting read-back.
    mutating func judge(_ i: Int, _ reading: MinerReading, at now: Timestamp) {
        guard let (operation, until) = miners[i].verifying else {
            if miners[i].state == .mismatch, conforms(i, reading) {
                miners[i].state = .ok
                miners[i].attempts = 0
            }
            return
        }
        let done: Bool
        let progressing: Bool
        switch operation {
        case .sleep:
            done = reading.mode == .sleeping
            progressing = false
        case .wake:
            done = reading.mode == .mining
            progressing = reading.mode == .starting
        case .setPower(let watts):
            done = reading.powerTargetW.map { abs($0 - watts) <= max(60, watts * 0.1) } ?? true
            progressing = false
        case .read:
            done = true
            progressing = false
        }
        if done {
            miners[i].verifying = nil
            miners[i].retrying = nil
            miners[i].state = .ok
            miners[i].attempts = 0
            miners[i].lastError = nil
            return
        }
        guard now >= until else { return }
        miners[i].verifying = nil
        miners[i].attempts += 1
        let seconds = Int(Self.deadline(operation, miners[i].entry.firmware))
        miners[i].lastError =
            progressing
            ? "\(operation): still starting \(seconds) s after the miner accepted it"
            : "\(operation): the miner answered OK but did not apply it within \(seconds) s (mode \(reading.mode.rawValue))"
        if miners[i].attempts >= retryLimit {
            miners[i].state = .mismatch
            miners[i].retrying = nil
            miners[i].retryAt = now.adding(seconds: settings.pollInterval * 4)
        } else {
            miners[i].retrying = operation
            miners[i].retryAt = now.adding(seconds: backoff(miners[i].attempts))
        }
    }

    /// Whether a reading matches what the plan wants (a liar that came round).
    func conforms(_ i: Int, _ reading: MinerReading) -> Bool {
        guard let wantsRun = miners[i].wantsRun else { return true }
        return wantsRun ? reading.mode == .mining : reading.mode == .sleeping
    }

    mutating func fail(_ i: Int, _ error: MinerError, at now: Timestamp, counting: Bool) {
        miners[i].lastError = error.description
        if counting { miners[i].attempts += 1 }
        switch error.kind {
        case .refused, .authentication:
            miners[i].state = .refused
        case .busy:
            break
        default:
            miners[i].state = .unreachable
        }
        miners[i].verifying = nil
        let wait = error.kind == .busy ? 5 : backoff(miners[i].attempts)
        miners[i].retryAt = now.adding(seconds: wait)
        miners[i].nextReadAt = now.adding(seconds: wait)
    }

    /// Seconds before attempt `n + 1`: 5, 15, 45, then at most the poll interval × 4.
    func backoff(_ attempts: Int) -> Double {
        min(5 * pow3(max(0, attempts - 1)), max(60, settings.pollInterval * 4))
    }

    func pow3(_ n: Int) -> Double { (0..<n).reduce(1.0) { value, _ in value * 3 } }

    /// How long a firmware may take to show a write (seconds).
    public static func deadline(_ operation: MinerOperation, _ firmware: MinerFirmware) -> Double {
        switch (operation, firmware) {
        case (.sleep, .luxos): 20
        case (.sleep, .braiins): 30
        case (.sleep, .antminer): 60
        case (.wake, .luxos): 90
        case (.wake, .braiins): 180
        case (.wake, .antminer): 600
        case (.setPower, _): 120
        case (.read, _): 0
        }
    }

    /// How often a pending write is read back (seconds).
    static func readBackInterval(_ operation: MinerOperation, _ firmware: MinerFirmware) -> Double {
        operation == .wake ? 5 : 0.25
    }

    // MARK: - Tick

    /// Advances to `now`: expiry, plans, wakes and sleeps, read-backs, sweeps, telemetry.
    public mutating func tick(at now: Timestamp) -> [Action] {
        var actions: [Action] = []
        for g in groups.indices {
            if let command = groups[g].command, command.expiresAt <= now, !groups[g].fellBack {
                groups[g].fellBack = true
                groups[g].needsPlan = true
                actions.append(
                    .note(
                        "group \(groups[g].name): command seq \(command.seq) expired with no fresh one; going to the safe state (\(settings.safeState.rawValue))"
                    )
                )
            }
            plan(g)
        }
        schedule(at: now, into: &actions)
        for g in groups.indices { telemetry(g, at: now, into: &actions) }
        // Statuses: the miners something happened to, and a slice of the fleet so that each is
        // republished about once a minute (a tick is 20 ms live: 1/3000 of a minute).
        let pending = statusPending
        statusPending.removeAll(keepingCapacity: true)
        for i in pending {
            statusListed[i] = false
            status(i, at: now, into: &actions)
        }
        if !miners.isEmpty {
            for _ in 0..<max(1, miners.count / 3000) {
                statusCursor = (statusCursor + 1) % miners.count
                status(statusCursor, at: now, into: &actions)
            }
        }
        return actions
    }

    /// The group's target: the command's, or the safe state's.
    func target(_ g: Int) -> (running: Int, powerW: Double?)? {
        let group = groups[g]
        if group.fellBack {
            return settings.safeState == .sleep ? (0, nil) : (group.miners.count, nil)
        }
        guard let command = group.command else { return nil }
        return (command.minersRunning, command.powerTargetW > 0 ? command.powerTargetW : nil)
    }

    mutating func plan(_ g: Int) {
        guard groups[g].needsPlan, groups[g].unread == 0, let target = target(g) else { return }
        groups[g].needsPlan = false
        let candidates = groups[g].miners.map { i in
            let input = planInput(i)
            return GroupPlanner.Candidate(
                index: i,
                efficiency: miners[i].entry.model.nominalEfficiency.value,
                isOn: input.on,
                controllable: input.controllable,
                lastCycled: input.lastCycled
            )
        }
        let run = GroupPlanner.runSet(target: target.running, candidates: candidates)
        for i in groups[g].miners {
            miners[i].wantsRun = run.contains(i)
            miners[i].wantsPowerW = target.powerW
        }
    }

    mutating func schedule(at now: Timestamp, into actions: inout [Action]) {
        let budget = settings.maxConnections
        func start(_ i: Int, _ operation: MinerOperation) {
            miners[i].inFlight = operation
            if operation.isWrite { miners[i].retrying = nil }
            inFlight += 1
            actions.append(.perform(miner: i, operation: operation))
        }
        // Writes first (sleep at once, wakes through the stagger), then read-backs and sweeps.
        // Fields are read in place: a pass over 10,000 miners every 20 ms must not copy them.
        for i in miners.indices where inFlight < budget {
            guard miners[i].inFlight == nil, miners[i].wasRead, let wantsRun = miners[i].wantsRun, miners[i].retryAt.map({ now >= $0 }) ?? true
            else { continue }
            let state = miners[i].state
            guard state == .ok || state == .waking || state == .sleeping || (state == .mismatch && miners[i].retryAt != nil) else { continue }
            let pending = miners[i].verifying?.operation
            let mode = miners[i].reading?.mode
            if !wantsRun {
                if pending != .sleep, mode == .mining || mode == .starting { start(i, .sleep) }
            } else if mode == .sleeping || mode == .stopping, pending != .wake {
                let entry = miners[i].entry
                if stagger.take(feeder: entry.feeder ?? "", kW: entry.model.nominalPower.value / 1000, at: now.secondsSinceEpoch) { start(i, .wake) }
            } else if mode == .mining, pending == nil, !miners[i].powerRefused, miners[i].entry.firmware.takesPowerTarget,
                let watts = miners[i].wantsPowerW,
                (miners[i].reading?.powerTargetW ?? miners[i].appliedPowerW).map({ abs($0 - watts) > max(60, watts * 0.1) }) ?? true
            {
                start(i, .setPower(watts: watts))
            }
        }
        for i in miners.indices where inFlight < budget {
            guard miners[i].inFlight == nil, miners[i].nextReadAt.map({ now >= $0 }) ?? true else { continue }
            start(i, .read)
        }
    }

    mutating func telemetry(_ g: Int, at now: Timestamp, into actions: inout [Action]) {
        guard groups[g].appliedSeq > 0 || groups[g].unread == 0 else { return }
        let running = groups[g].running
        let due = groups[g].lastTelemetry.map { now.seconds(since: $0) >= settings.telemetryInterval } ?? true
        // One report per instant: receivers refuse a second with the same `ts` as out of order.
        guard due || groups[g].lastRunning != running, groups[g].lastTelemetry.map({ now > $0 }) ?? true else { return }
        groups[g].lastTelemetry = now
        groups[g].lastRunning = running
        var powerW = 0.0
        var hashrate = 0.0
        for i in groups[g].miners {
            guard let reading = miners[i].reading else { continue }
            powerW += reading.powerW
            hashrate += reading.hashrateTH
        }
        let payload = TelemetryPayload(
            ts: now,
            powerKW: powerW / 1000,
            hashrateTH: hashrate,
            minersRunning: running,
            appliedSeq: groups[g].appliedSeq,
            appliedTerm: groups[g].appliedTerm
        )
        actions.append(.publishTelemetry(group: groups[g].name, payload))
    }

    mutating func status(_ i: Int, at now: Timestamp, into actions: inout [Action]) {
        guard miners[i].wasRead else { return }
        // On a change of state, mode or error; otherwise once a minute (power and hashrate drift).
        if let at = miners[i].lastPublishedAt, now.seconds(since: at) < 60, miners[i].lastPublished?.state == miners[i].state,
            miners[i].lastPublished?.mode == miners[i].reading?.mode.rawValue, miners[i].lastPublished?.lastError == miners[i].lastError
        {
            return
        }
        let miner = miners[i]
        let payload = MinerStatusPayload(
            ts: now,
            address: miner.entry.address,
            firmware: miner.entry.firmware.rawValue,
            state: miner.state,
            mode: miner.reading?.mode.rawValue,
            powerW: miner.reading?.powerW,
            hashrateTH: miner.reading?.hashrateTH,
            lastError: miner.lastError
        )
        miners[i].lastPublished = payload
        miners[i].lastPublishedAt = now
        actions.append(.publishStatus(group: miner.entry.group, address: miner.entry.address, payload))
    }
}
