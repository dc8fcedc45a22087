public import CurtailCore
public import CurtailPolicy
public import CurtailWire

/// The live controller's logic, as a state machine with no I/O and no clock.
///
/// Feed it every received message (``receive(topic:payload:at:)``), a tick on a timer
/// (``tick(at:)``) and connection changes; it answers with the messages to publish. The
/// ``Controller`` service does the MQTT side; tests drive this type directly.
///
/// What it guarantees:
/// - every input is validated (``InboundDecoder``); refusals go to `rejected` and are counted,
///   and never reach a decision;
/// - exact repeats (QoS 1 redeliveries, retained copies) are ignored; inputs older than one
///   already applied are refused as out of order; so neither can flip a decision;
/// - no command is published before it knows a real-time price and a hash price, unless it is
///   resuming commands it published before, or a grid obligation needs load shed;
/// - a group's command is published when its target changes, and re-issued (new `seq`, new
///   expiry) when less than ``ControllerConfiguration/reissueBefore`` of its life is left;
/// - while the broker is unreachable nothing is published; on reconnect every live command and
///   the state are published again;
/// - it commands only while in charge (``takeCharge(term:at:)``, when its ``LeaderLease`` makes it
///   the site's active controller); until then and after ``stepDown()`` it *follows*: it takes
///   in every input and the active controller's commands, state and event reports, so it can take
///   over where the active left off, and publishes nothing;
/// - grid events are acknowledged on `events/{id}/report` at once and get a compliance report
///   when they end or are cancelled;
/// - frequency below the trip sheds load in the same call, without waiting for a tick.
public struct ControllerCore: Sendable {
    /// What the core was built with.
    public let configuration: ControllerConfiguration
    public internal(set) var engine: PolicyEngine
    /// The latest decision (meaningful once ``counters`` shows one).
    public private(set) var decision: Decision
    /// The command in force per group (site order); `nil` until one is issued or restored.
    public private(set) var commands: [CommandPayload?]
    /// Acknowledged grid events not yet ended, by id.
    public var obligations: [String: Obligation] { book.obligations }
    public internal(set) var counters = ControllerCounters()
    /// Highest `seq` issued or seen.
    public internal(set) var seq: Int64 = 0
    /// The fencing term stamped on this controller's commands (set by ``takeCharge(term:at:)``).
    public private(set) var term: Int64 = 0
    /// The highest term seen on a followed command or state (the caller's lease steps down when
    /// it exceeds its own).
    public internal(set) var followedTerm: Int64 = 0
    /// This controller's instance name (its MQTT client id), published in the state.
    public var instance: String?
    /// `true` until ``takeCharge(term:at:)`` and again after ``stepDown()``: at start-up
    /// (reading back retained commands and state) and in standby, the core follows the site and
    /// publishes nothing.
    public private(set) var following = true
    public private(set) var isConnected = false
    /// Whether the under-frequency trip is in force.
    public var underFrequencyTripped: Bool { relay.isTripped }

    private let decoder: InboundDecoder
    let siteSleepMW: Double
    let policyReadsFrequency: Bool
    var realTimePrice: PriceObservation?
    /// Settled (final or corrected) prices of recent intervals, by interval start: a late final
    /// price of an earlier interval, or a correction, is checked against these.
    var settledPrices: [Int64: PriceObservation] = [:]
    /// What the price feed last said of itself (`nil`: it never said).
    var priceFeed: PriceFeedStatusPayload.State?
    var dayAhead: [Int64: PriceObservation] = [:]
    var hashPrice: (value: USDPerTerahashDay, at: Timestamp)?
    var alerts: [GridAlert] = []
    var eea = 0
    var frequency: (hz: Double, at: Timestamp)?
    /// Grid events in force, and the ids that were cancelled or have ended.
    var book = ObligationBook()
    /// Ancillary awards held.
    public internal(set) var awards = AwardBook()
    /// The under-frequency relay.
    var relay: UnderFrequencyRelay
    var telemetry: [TelemetryPayload?]
    var meter: (kilowatts: Double, at: Timestamp)?
    private var brokerLostSince: Timestamp?
    var restoredCommands = false
    /// Grid events taken in while not publishing and not yet acknowledged (by this controller or,
    /// as a followed report or state shows, the active one): acknowledged on taking charge.
    var unacknowledged: Set<String> = []
    private var lastDecisionAt: Timestamp?
    private var failsafeNoted: SiteConstraints = []
    private var lastStateAt: Timestamp?
    private var stateDirty = false

    /// Binds the policy to the site.
    ///
    /// - Throws: ``PolicyError`` when a rule names a group the site lacks or a parameter is invalid.
    public init(configuration: ControllerConfiguration) throws(PolicyError) {
        self.configuration = configuration
        engine = try PolicyEngine(policy: configuration.policy, site: configuration.site, parameters: configuration.parameters)
        decision = Decision(groupCount: configuration.site.groups.count)
        commands = Array(repeating: nil, count: configuration.site.groups.count)
        telemetry = Array(repeating: nil, count: configuration.site.groups.count)
        decoder = InboundDecoder(configuration: configuration)
        relay = UnderFrequencyRelay(settings: configuration.underFrequency)
        siteSleepMW = configuration.site.sleepPower.value
        policyReadsFrequency = configuration.policy.environment.usedVariables.contains(.frequency)
    }

    var topics: ControllerTopics { configuration.topics }
    var site: Site { configuration.site }

    // MARK: - Inputs

    /// Handles one received message.
    public mutating func receive(topic: String, payload: [UInt8], at now: Timestamp) -> ControllerStep {
        var step = ControllerStep()
        switch decoder.decode(topic: topic, payload: payload, at: now) {
        case .failure(let rejection):
            reject(rejection, topic: topic, payload: payload, at: now, into: &step)
        case .success(let signal):
            apply(signal, topic: topic, payload: payload, at: now, into: &step)
        }
        return step
    }

    mutating func reject(_ rejection: Rejection, topic: String, payload: [UInt8], at now: Timestamp, into step: inout ControllerStep) {
        counters.rejected[rejection.kind.rawValue, default: 0] += 1
        step.rejections.append((topic, rejection))
        guard publishing else { return }
        let body = RejectedPayload(ts: now, topic: topic, rejection: rejection, payload: payload)
        let message = Result { () throws(WireError) in OutgoingMessage(topic: topics.rejected, payload: try body.encode()) }
        emit("rejection", message, into: &step)
    }

    /// Appends `message` to the step, or, when its payload cannot be encoded (a
    /// non-finite number), counts it and says so in a note instead: nothing malformed goes out,
    /// nothing crashes. Returns whether the message was appended.
    @discardableResult
    mutating func emit(_ what: String, _ message: Result<OutgoingMessage, WireError>, into step: inout ControllerStep) -> Bool {
        switch message {
        case .success(let message):
            step.messages.append(message)
            return true
        case .failure(let error):
            counters.unencodable += 1
            step.notes.append("the \(what) message was not published: \(error)")
            return false
        }
    }

    /// An event with its target as an absolute maximum (`reduce_mw` counts from `baseline`).
    func resolve(_ event: GridEvent, baseline: Double) -> (event: GridEvent, targetMW: Double) {
        var event = event
        let target: Double
        switch event.target {
        case .maximum(let mw): target = mw.value
        case .reduction(let mw): target = max(0, baseline - mw.value)
        }
        event.target = .maximum(Megawatts(target))
        return (event, target)
    }

    /// Resumes what the audit journal recorded before a crash: the newest unexpired command of
    /// each group, the `seq` counter and the obligations still in force. Only during start-up;
    /// retained messages read afterwards win where they are newer.
    public mutating func resume(from recovery: JournalRecovery, at now: Timestamp) -> ControllerStep {
        var step = ControllerStep()
        guard following else { return step }
        seq = max(seq, recovery.seq)
        followedTerm = max(followedTerm, recovery.term)
        for (g, group) in site.groups.enumerated() {
            if let command = recovery.commands[group.name] { adopt(command, group: g, at: now) }
        }
        for obligation in recovery.obligations where obligation.event.end > now && book[obligation.event.id] == nil {
            book.put(obligation)
            step.notes.append("resumed grid event \(obligation.event.id) from the audit log: \(describeObligation(obligation))")
        }
        return step
    }

    /// Takes a command published before (by this controller before a restart, or by the active
    /// one while this one follows) as group `g`'s command in force, unless it has expired or a
    /// newer one by `(term, seq)` is known (the journal and the broker may both have one).
    mutating func adopt(_ command: CommandPayload, group g: Int, at now: Timestamp) {
        seq = max(seq, command.seq)
        followedTerm = max(followedTerm, command.term)
        if let current = commands[g], current.isNewer(thanTerm: command.term, seq: command.seq) { return }
        guard command.expiresAt > now else { return }
        commands[g] = command
        restoredCommands = true
    }

    // MARK: - Time and connection

    /// Takes charge of the site with fencing term `term` (at start-up, or a standby taking
    /// over): resumes the commands in force (a target that has not changed is not re-sent),
    /// acknowledges the grid events nobody acknowledged, and decides.
    public mutating func takeCharge(term: Int64, at now: Timestamp) -> ControllerStep {
        guard following else { return ControllerStep() }
        following = false
        self.term = term
        var step = ControllerStep()
        if restoredCommands {
            engine.restore(commands.map { $0?.groupTarget }, at: now)
            step.notes.append("resumed \(commands.compactMap { $0 }.count) commands in force (seq \(seq))")
        }
        acknowledgePending(at: now, into: &step)
        step.append(decideNow(at: now))
        return step
    }

    /// Stops commanding at once and follows the site again (another controller took the lease,
    /// or this one's lapsed). The commands in force stay as they are.
    public mutating func stepDown() {
        following = true
    }

    /// The timer: ends events, re-issues commands before they expire, decides.
    public mutating func tick(at now: Timestamp) -> ControllerStep {
        guard !following else { return ControllerStep() }
        return decideNow(at: now)
    }

    /// Whether this core publishes now: in charge and connected.
    var publishing: Bool { isConnected && !following }

    /// Acknowledges the grid events taken in while nothing was published.
    mutating func acknowledgePending(at now: Timestamp, into step: inout ControllerStep) {
        guard publishing else { return }
        for id in unacknowledged.sorted() {
            guard let obligation = book[id] else { continue }
            let message = Result { () throws(WireError) in try report(obligation, status: .acknowledged, at: now) }
            emit("event report", message, into: &step)
        }
        unacknowledged.removeAll()
    }

    /// The broker connection is down: stop publishing, start the broker-lost clock.
    public mutating func connectionLost(at now: Timestamp) {
        guard isConnected || brokerLostSince == nil else { return }
        isConnected = false
        brokerLostSince = brokerLostSince ?? now
    }

    /// The broker connection is (back) up: publish every live command again, and the state.
    public mutating func connectionRestored(at now: Timestamp) -> ControllerStep {
        isConnected = true
        brokerLostSince = nil
        guard !following else { return ControllerStep() }
        var step = ControllerStep()
        acknowledgePending(at: now, into: &step)
        step.append(decideNow(at: now, reissueAll: true))
        return step
    }

    /// `online`, retained, for `controller/status`.
    public var onlineStatus: OutgoingMessage { OutgoingMessage(topic: topics.status, payload: ControllerStatus.online.encode(), retain: true) }
    /// `offline`, retained: the will, and the last word of a graceful shutdown.
    public var offlineStatus: OutgoingMessage { OutgoingMessage(topic: topics.status, payload: ControllerStatus.offline.encode(), retain: true) }

    // MARK: - Deciding

    /// Inputs that are missing for economic decisions.
    public var missingInputs: [String] {
        var missing: [String] = []
        if configuration.policy.economics.priceSource == .realTime, realTimePrice == nil { missing.append("real-time price") }
        if configuration.policy.economics.priceSource == .dayAhead, dayAhead.isEmpty { missing.append("day-ahead price") }
        if hashPrice == nil { missing.append("hash price") }
        return missing
    }

    mutating func decideNow(at now: Timestamp, reissueAll: Bool = false) -> ControllerStep {
        var step = ControllerStep()
        if let last = lastDecisionAt, now < last { return step }  // the engine's time never goes backwards
        endFinishedEvents(at: now, into: &step)
        alerts.removeAll { $0.end <= now }
        awards.prune(at: now)
        recordCompliance(at: now)

        let obligationActive = obligations.values.contains { $0.event.isActive(at: now) } || relay.isTripped
        let ready = missingInputs.isEmpty || restoredCommands || obligationActive || counters.decisions > 0
        guard ready else {
            if publishing, stateDue(at: now) {
                let message = Result { () throws(WireError) in try publishState(at: now) }
                emit("state", message, into: &step)
            }
            return step
        }

        var events = obligations.values.map(\.event)
        if let trip = relay.tripped {
            events.append(
                GridEvent(
                    id: "under-frequency",
                    program: "UFR",
                    start: trip.at,
                    end: Timestamp(millisecondsSinceEpoch: .max / 2),
                    target: .maximum(Megawatts(trip.capMW))
                )
            )
        }
        let input = DecisionInput(
            time: now,
            realTimePrice: realTimePrice,
            dayAheadPrice: dayAheadPrice(at: now),
            hashPrice: hashPrice?.value ?? .zero,
            events: events,
            alerts: alerts,
            eeaLevel: eea,
            frequency: frequency?.hz,
            measuredSitePower: measuredSiteMW(at: now).map(Megawatts.init),
            brokerLostSince: brokerLostSince,
            priceFeedStalled: priceFeed == .stale,
            reserve: reserveObligation(at: now)
        )
        engine.decide(input, into: &decision)
        lastDecisionAt = now
        counters.decisions += 1
        step.decided = true
        noteFailsafes(into: &step)

        guard publishing else { return step }
        let lifetime = configuration.commandLifetime
        for g in site.groups.indices {
            let target = decision.groups[g]
            let candidate = CommandPayload(
                seq: 0,
                issuedAt: now,
                expiresAt: now.advanced(by: lifetime),
                minersRunning: target.minersRunning,
                powerTargetW: target.minersRunning > 0 ? target.powerTarget.value : 0,
                targetKW: target.groupPower.kilowatts,
                reason: ""
            )
            if !reissueAll, let current = commands[g], current.sameTarget(as: candidate),
                now.duration(to: current.expiresAt) > configuration.reissueBefore
            {
                continue
            }
            var command = candidate
            command.seq = seq + 1
            command.term = term
            command.reason = reasonText(group: g)
            let topic = topics.command(group: site.groups[g].name)
            let message = Result { () throws(WireError) in
                OutgoingMessage(topic: topic, payload: try command.encode(), retain: true, expiry: lifetime)
            }
            let published = emit("command", message, into: &step)
            guard published else { continue }
            seq += 1
            commands[g] = command
            counters.commands += 1
            step.issuedCommands.append((g, command))
        }
        // The state goes out with every notice and after a reconnect at once; after command changes
        // at most once a second (a burst of price signals must not pay for a state per signal: the
        // commands come first); and at least every statePeriod.
        if !step.messages.isEmpty { stateDirty = true }
        if reissueAll || !step.notes.isEmpty || stateDue(at: now) {
            let message = Result { () throws(WireError) in try publishState(at: now) }
            emit("state", message, into: &step)
        }
        return step
    }

    /// Between decisions: the state of a decision that changed commands, held back by the
    /// once-a-second limit, goes out once that second has passed (the live page and dashboards
    /// see each decision within about a second, not at the next `statePeriod`).
    public mutating func publishHeldState(at now: Timestamp) -> ControllerStep {
        var step = ControllerStep()
        guard publishing, stateDirty, stateDue(at: now) else { return step }
        let message = Result { () throws(WireError) in try publishState(at: now) }
        emit("state", message, into: &step)
        return step
    }

    private func stateDue(at now: Timestamp) -> Bool {
        guard let last = lastStateAt else { return true }
        let since = last.duration(to: now)
        return since >= configuration.statePeriod || (stateDirty && since >= .seconds(1))
    }

    private mutating func publishState(at now: Timestamp) throws(WireError) -> OutgoingMessage {
        lastStateAt = now
        stateDirty = false
        return try stateMessage(at: now)
    }

    func dayAheadPrice(at now: Timestamp) -> USDPerMWh? {
        var best: PriceObservation?
        for observation in dayAhead.values where observation.intervalStart <= now {
            let end = observation.intervalStart.adding(seconds: Double(observation.intervalMinutes) * 60)
            if now < end, best == nil || observation.intervalStart > best!.intervalStart { best = observation }
        }
        return best?.price
    }

    private mutating func endFinishedEvents(at now: Timestamp, into step: inout ControllerStep) {
        book.prune(at: now)
        for id in book.ended(at: now) {
            // Closed: a late copy of an ended event must not start it again.
            guard var finished = book.close(id, at: now) else { continue }
            let end = finished.event.end
            if let mw = measuredSiteMW(at: now) ?? (finished.lastSampleMW.isFinite ? finished.lastSampleMW : nil) {
                finished.record(measuredMW: mw, at: end, siteSleepMW: siteSleepMW)
            }
            let pf = finished.performanceFactor(siteSleepMW: siteSleepMW)
            step.notes.append(
                "grid event \(id) ended: achieved \(format(finished.achievedMW)) MW against \(format(finished.targetMW)) MW, performance factor \(format(pf))"
            )
            step.closedObligations.append((finished, .completed))
            if publishing {
                let message = Result { () throws(WireError) in try report(finished, status: .completed, at: now) }
                emit("event report", message, into: &step)
            }
        }
    }

    mutating func recordCompliance(at now: Timestamp) {
        guard !obligations.isEmpty, let mw = measuredSiteMW(at: now) else { return }
        for id in book.obligations.keys {
            book.update(id) { $0.record(measuredMW: mw, at: now, siteSleepMW: siteSleepMW) }
        }
    }

    private mutating func noteFailsafes(into step: inout ControllerStep) {
        let failsafes = decision.constraints.intersection([.stalePrice, .brokerLost])
        if failsafes != failsafeNoted {
            if failsafes.contains(.stalePrice) && !failsafeNoted.contains(.stalePrice) {
                step.notes.append("price feed stale: failsafe '\(configuration.policy.failsafe.onStalePrice.rawValue)' in force")
            }
            if !failsafes.contains(.stalePrice) && failsafeNoted.contains(.stalePrice) { step.notes.append("price feed back: failsafe ended") }
            failsafeNoted = failsafes
        }
    }

    // MARK: - Measurements

    /// Measured site load: the meter when fresh, else the sum of every group's fresh telemetry.
    public func measuredSiteMW(at now: Timestamp) -> Double? {
        let freshness = configuration.telemetryFreshness + configuration.transitAllowance
        if let meter, meter.at.duration(to: now) <= freshness { return meter.kilowatts / 1000 }
        var total = 0.0
        for report in telemetry {
            guard let report, report.ts.duration(to: now) <= freshness else { return nil }
            total += report.powerKW
        }
        return telemetry.isEmpty ? nil : total / 1000
    }

    /// The last decided site load, or nameplate before any decision (a baseline without telemetry).
    var decidedOrNameplateMW: Double { counters.decisions > 0 ? decision.sitePower.value : site.nameplatePower.value }

    /// Seconds since the latest real-time price was received, if one was.
    public func priceAgeSeconds(at now: Timestamp) -> Double? {
        realTimePrice.map { max(0, now.seconds(since: $0.publishedAt)) }
    }

    /// The latest telemetry of group `g`.
    public func telemetry(group g: Int) -> TelemetryPayload? { telemetry[g] }

    // MARK: - Messages

    private func reasonText(group g: Int) -> String {
        let target = decision.groups[g]
        let price = decision.effectivePrice.value
        let breakEven = breakEvenPrice(group: g)
        var text: String
        switch target.reason {
        case .economic:
            if price.isNaN {
                text = "no usable price: holding"
            } else {
                let relation = price < breakEven ? "below" : "above"
                text = "price \(format(price)) $/MWh \(relation) break-even \(format(breakEven)) $/MWh"
            }
        case .awaitingConfirmation:
            text = "price \(format(price)) $/MWh; change awaiting confirmation (\(target.confirmations)/\(target.confirmationsNeeded) intervals)"
        case .cap:
            var causes: [String] = []
            if relay.isTripped { causes.append("under-frequency trip") }
            let now = decision.time
            causes += obligations.values.filter { $0.event.isActive(at: now) }.map {
                "\($0.event.program) \($0.event.id) max \(format($0.targetMW)) MW"
            }
            if causes.isEmpty { causes.append(decision.cap.value < site.maxImport.value ? "rule cap" : "max import") }
            text = "site cap \(format(decision.cap.value)) MW: " + causes.joined(separator: ", ")
        case .failsafeHold, .failsafeCurtail:
            let cause = decision.constraints.contains(.brokerLost) ? "broker lost" : "price feed stale"
            text = "\(target.reason) (\(cause))"
        default:
            text = target.reason.description
        }
        let rules = decision.firedRules.map { configuration.policy.rules[$0].name }
        if !rules.isEmpty { text += "; rules: " + rules.joined(separator: ", ") }
        return text
    }

    /// Nameplate break-even of group `g` at the current hash price ($/MWh).
    public func breakEvenPrice(group g: Int) -> Double {
        guard let hashPrice else { return .nan }
        return BreakEven.price(
            hashPrice: hashPrice.value,
            poolFee: engine.dispatchSettings.poolFee,
            efficiency: site.groups[g].model.nominalEfficiency
        ).value
    }

    /// The latest decision as the audit journal records it.
    public func decisionRecord(at now: Timestamp) -> JournalEntry.DecisionRecord {
        JournalEntry.DecisionRecord(
            siteMW: decision.sitePower.value,
            measuredMW: measuredSiteMW(at: now),
            effectivePrice: decision.effectivePrice.value.isFinite ? decision.effectivePrice.value : nil,
            hashPrice: decision.hashPrice.value,
            capMW: decision.cap.value,
            constraints: decision.constraints.wireNames,
            rules: decision.firedRules.map { configuration.policy.rules[$0].name }
        )
    }

    func describeObligation(_ o: Obligation) -> String {
        "\(o.event.program) \(o.event.start)–\(o.event.end), max \(format(o.targetMW)) MW (baseline \(format(o.baselineMW)) MW)"
    }

    private func format(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        return String((value * 100).rounded() / 100)
    }
}
