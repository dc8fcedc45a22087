public import CurtailCore
import CurtailPolicy
import CurtailWire

/// What one validated input did to the core's state.
enum InputOutcome: Equatable {
    /// An exact repeat (a QoS 1 redelivery, a retained copy): counted and ignored.
    case duplicate
    /// Older than an input already applied: refused with this reason.
    case outOfOrder(String)
    /// Refused for another reason.
    case refused(Rejection)
    /// Applied; `decide` says whether it calls for a decision now.
    case applied(decide: Bool)
}

/// Inputs: one method per kind of signal, each returning what it did; ``apply(_:topic:payload:at:into:)``
/// turns the outcome into counting, refusing and deciding.
extension ControllerCore {
    mutating func apply(_ signal: InboundSignal, topic: String, payload: [UInt8], at now: Timestamp, into step: inout ControllerStep) {
        let outcome: InputOutcome =
            switch signal {
            case .price(let observation, let dayAheadPrice):
                dayAheadPrice ? applyDayAhead(observation) : applyRealTime(observation, into: &step)
            case .hashPrice(let value, let at): applyHashPrice(value, at: at)
            case .priceFeed(let state): applyPriceFeed(state, into: &step)
            case .event(let event): applyEvent(event, at: now, into: &step)
            case .eventCancelled(let id): applyCancellation(id, at: now, into: &step)
            case .alert(let alert): applyAlert(alert)
            case .award(let award): applyAward(award, at: now, into: &step)
            case .eea(let level): applyEEA(level, into: &step)
            case .frequency(let hz, let at): applyFrequency(hz, at: at, now: now, into: &step)
            case .telemetry(let g, let report): applyTelemetry(report, group: g, at: now)
            case .meter(let kilowatts, let at): applyMeter(kilowatts, at: at, now: now)
            case .command(let g, let command): applyCommand(command, group: g, at: now)
            case .state(let state): applyState(state, at: now)
            case .eventReport(let report): applyEventReport(report)
            }
        switch outcome {
        case .duplicate:
            counters.duplicates += 1
        case .outOfOrder(let reason):
            reject(Rejection(.outOfOrder, reason), topic: topic, payload: payload, at: now, into: &step)
        case .refused(let rejection):
            reject(rejection, topic: topic, payload: payload, at: now, into: &step)
        case .applied(let decide):
            counters.accepted += 1
            // Following (start-up, standby): take it in, decide nothing; the active one commands.
            if decide, !following { step.append(decideNow(at: now)) }
        }
    }

    private mutating func applyDayAhead(_ observation: PriceObservation) -> InputOutcome {
        let key = observation.intervalStart.millisecondsSinceEpoch
        if dayAhead[key]?.price == observation.price { return .duplicate }
        dayAhead[key] = observation
        if dayAhead.count > 96 {
            for k in dayAhead.keys.sorted().prefix(dayAhead.count - 96) { dayAhead[k] = nil }
        }
        return .applied(decide: configuration.policy.economics.priceSource == .dayAhead)
    }

    /// Real-time prices, one interval at a time.
    ///
    /// - A newer interval replaces the current one.
    /// - Within the current interval, a price that supersedes the one applied (a later
    ///   provisional revision, the final price, a correction) replaces it: the engine revises the
    ///   interval's value instead of counting a new interval. An older revision is out of order;
    ///   a repeat is a duplicate.
    /// - A final or corrected price of an earlier interval (ERCOT publishes an interval's
    ///   settlement price after the next interval's first SCED price) is recorded and revises that
    ///   interval in the engine's windows, but does not replace the current interval's price: the
    ///   decision never goes back to an older interval. A provisional price of an earlier interval
    ///   is out of order.
    private mutating func applyRealTime(_ observation: PriceObservation, into step: inout ControllerStep) -> InputOutcome {
        guard let last = realTimePrice else {
            realTimePrice = observation
            record(settled: observation)
            return .applied(decide: true)
        }
        if observation.intervalStart > last.intervalStart {
            realTimePrice = observation
            record(settled: observation)
            return .applied(decide: true)
        }
        if observation.intervalStart == last.intervalStart {
            if observation.status == last.status, observation.revision == last.revision {
                if observation.price == last.price { return .duplicate }
                // An unnumbered publisher changing its price: the newest word counts.
                guard observation.revision == nil else {
                    return .refused(
                        Rejection(
                            .outOfOrder,
                            "\(observation.status.rawValue) price for \(observation.intervalStart), revision \(observation.revision ?? 0), repeats a revision already applied with a different price (\(last.price.value))"
                        )
                    )
                }
            } else if !observation.supersedes(last) {
                return .outOfOrder(
                    "\(describe(observation)) for \(observation.intervalStart) arrived after the \(describe(last)) of the same interval"
                )
            }
            realTimePrice = observation
            record(settled: observation)
            step.notes.append(
                "price for \(observation.intervalStart) is now \(describe(observation)): \(observation.price.value) $/MWh (was \(last.price.value))"
            )
            return .applied(decide: true)
        }
        // An earlier interval.
        guard observation.status != .provisional else {
            return .outOfOrder("provisional price for \(observation.intervalStart) is older than the interval applied (\(last.intervalStart))")
        }
        let key = observation.intervalStart.millisecondsSinceEpoch
        if let known = settledPrices[key] {
            if known.status == observation.status, known.revision == observation.revision, known.price == observation.price { return .duplicate }
            if !observation.supersedes(known) && !(known.revision == nil && observation.revision == nil && known.status == observation.status) {
                return .outOfOrder("\(describe(observation)) for \(observation.intervalStart) arrived after its \(describe(known))")
            }
        } else if observation.status == .final, let newest = settledPrices.keys.max(), newest > key {
            // Final prices come in interval order; only a correction may go back further.
            return .outOfOrder(
                "final price for \(observation.intervalStart) arrived after the final price of a later interval (\(Timestamp(millisecondsSinceEpoch: newest)))"
            )
        }
        record(settled: observation)
        if engine.revisePrice(intervalStart: observation.intervalStart, to: observation.price) {
            step.notes.append(
                "\(describe(observation)) for \(observation.intervalStart): \(observation.price.value) $/MWh (the interval's rolling-window value revised)"
            )
        }
        return .applied(decide: false)
    }

    private func describe(_ price: PriceObservation) -> String {
        price.revision.map { "\(price.status.rawValue) price (revision \($0))" } ?? "\(price.status.rawValue) price"
    }

    private mutating func record(settled observation: PriceObservation) {
        guard observation.status != .provisional else { return }
        settledPrices[observation.intervalStart.millisecondsSinceEpoch] = observation
        if settledPrices.count > 192 {
            for key in settledPrices.keys.sorted().prefix(settledPrices.count - 192) { settledPrices[key] = nil }
        }
    }

    private mutating func applyPriceFeed(_ state: PriceFeedStatusPayload.State, into step: inout ControllerStep) -> InputOutcome {
        if priceFeed == state { return .duplicate }
        let was = priceFeed
        priceFeed = state
        step.notes.append("the price feed says it is \(state.rawValue)\(was.map { " (was \($0.rawValue))" } ?? "")")
        // A stall makes the price stale at once; recovery lets the price count again.
        return .applied(decide: state == .stale || was == .stale)
    }

    private mutating func applyHashPrice(_ value: USDPerTerahashDay, at: Timestamp) -> InputOutcome {
        var decide = true
        if let last = hashPrice {
            if at < last.at { return .outOfOrder("hash price stamped \(at) is older than the one applied (\(last.at))") }
            if at == last.at && value == last.value { return .duplicate }
            decide = value != last.value
        }
        hashPrice = (value, at)
        return .applied(decide: decide)
    }

    private mutating func applyEvent(_ event: GridEvent, at now: Timestamp, into step: inout ControllerStep) -> InputOutcome {
        if book.isClosed(event.id) { return .duplicate }
        if var existing = book[event.id] {
            // Same id again: a retained copy or a redelivery, or the operator changing the end or target.
            let resolved = resolve(event, baseline: existing.baselineMW)
            if resolved.event == existing.event { return .duplicate }
            existing.event = resolved.event
            existing.targetMW = resolved.targetMW
            book.put(existing)
            step.notes.append("grid event \(event.id) updated: \(describeObligation(existing))")
            return .applied(decide: true)
        }
        let baseline = measuredSiteMW(at: now) ?? decidedOrNameplateMW
        let resolved = resolve(event, baseline: baseline)
        let obligation = Obligation(
            event: resolved.event,
            responseSeconds: GridProgram.named(event.program)?.responseSeconds ?? 600,
            baselineMW: baseline,
            targetMW: resolved.targetMW,
            acknowledgedAt: now
        )
        book.put(obligation)
        if publishing {
            step.notes.append("grid event \(event.id) acknowledged: \(describeObligation(obligation))")
            let message = Result { () throws(WireError) in try report(obligation, status: .acknowledged, at: now) }
            emit("event report", message, into: &step)
        } else {
            step.notes.append("grid event \(event.id) received: \(describeObligation(obligation))")
            unacknowledged.insert(event.id)
        }
        return .applied(decide: true)
    }

    private mutating func applyCancellation(_ id: String, at now: Timestamp, into step: inout ControllerStep) -> InputOutcome {
        if book.isClosed(id) { return .duplicate }
        guard var finished = book.close(id, at: now) else { return .applied(decide: false) }
        if let mw = measuredSiteMW(at: now) { finished.record(measuredMW: mw, at: now, siteSleepMW: siteSleepMW) }
        step.notes.append("grid event \(id) cancelled")
        step.closedObligations.append((finished, .cancelled))
        unacknowledged.remove(id)
        if publishing {
            let message = Result { () throws(WireError) in try report(finished, status: .cancelled, at: now) }
            emit("event report", message, into: &step)
        }
        return .applied(decide: true)
    }

    /// An award: held (its MW stay running) unless, with the others, the site could not deliver it.
    private mutating func applyAward(_ award: AncillaryAward, at now: Timestamp, into step: inout ControllerStep) -> InputOutcome {
        awards.prune(at: now)
        let qualified = site.ancillary?.maximumMW[award.product] ?? 0
        switch awards.add(award, capacityMW: site.curtailableMW, qualifiedMW: qualified) {
        case .duplicate:
            return .duplicate
        case .refused(let reason):
            return .refused(Rejection(.outOfRange, reason))
        case .added:
            step.notes.append(
                "ancillary award \(award.id): \(award.product.name) \(award.megawatts) MW from \(award.start) to \(award.end) at \(award.price) $/MW/h; held running"
            )
            return .applied(decide: award.isActive(at: now))
        }
    }

    /// The awards in force at `now` as the engine's obligation: a product with an active
    /// deployment (a grid event whose program is its name) is not held.
    public func reserveObligation(at now: Timestamp) -> ReserveObligation {
        guard !awards.awards.isEmpty else { return .none }
        let deployed = Set(obligations.values.filter { $0.event.isActive(at: now) }.map(\.event.program))
        return awards.obligation(at: now, deployed: deployed)
    }

    private mutating func applyAlert(_ alert: GridAlert) -> InputOutcome {
        if alerts.contains(alert) { return .duplicate }
        alerts.removeAll { $0.kind == alert.kind && $0.start == alert.start && $0.end == alert.end }
        alerts.append(alert)
        return .applied(decide: true)
    }

    private mutating func applyEEA(_ level: Int, into step: inout ControllerStep) -> InputOutcome {
        if level == eea { return .duplicate }
        step.notes.append("EEA level \(eea) → \(level)")
        eea = level
        return .applied(decide: true)
    }

    private mutating func applyFrequency(_ hz: Double, at: Timestamp, now: Timestamp, into step: inout ControllerStep) -> InputOutcome {
        if let last = frequency {
            if at < last.at { return .outOfOrder("frequency stamped \(at) is older than the one applied (\(last.at))") }
            if last.at == at && last.hz == hz { return .duplicate }
        }
        frequency = (hz, at)
        switch relay.observe(hz: hz, at: at, now: now, measuredMW: measuredSiteMW(at: now) ?? decidedOrNameplateMW) {
        case .none:
            return .applied(decide: policyReadsFrequency)
        case .trip(_, let note), .release(let note):
            step.notes.append(note)
            return .applied(decide: true)
        }
    }

    private mutating func applyTelemetry(_ report: TelemetryPayload, group g: Int, at now: Timestamp) -> InputOutcome {
        if let last = telemetry[g], report.ts <= last.ts {
            if report == last { return .duplicate }
            return .outOfOrder("telemetry of \(site.groups[g].name) stamped \(report.ts) is not newer than \(last.ts)")
        }
        telemetry[g] = report
        recordCompliance(at: now)
        return .applied(decide: false)
    }

    private mutating func applyMeter(_ kilowatts: Double, at: Timestamp, now: Timestamp) -> InputOutcome {
        if let last = meter, at <= last.at { return .duplicate }
        meter = (kilowatts, at)
        recordCompliance(at: now)
        return .applied(decide: false)
    }

    /// A command on a group's command topic: the active controller's (followed), this
    /// controller's own from before a restart (retained), or, while in charge, an echo of its own
    /// or another controller's.
    private mutating func applyCommand(_ command: CommandPayload, group g: Int, at now: Timestamp) -> InputOutcome {
        if following {
            adopt(command, group: g, at: now)
            return .applied(decide: false)
        }
        if command.term > term {
            // A newer controller is commanding: the caller's lease steps down.
            followedTerm = max(followedTerm, command.term)
            return .applied(decide: false)
        }
        if command.term == term, command.seq <= seq { return .duplicate }  // its own, come back
        return .refused(
            Rejection(
                .staleTerm,
                "command seq \(command.seq) term \(command.term) for \(site.groups[g].name) was not published by this controller (term \(term)): another controller is commanding with an older or equal term"
            )
        )
    }

    /// The retained or followed state: the `seq` and term it carries and the grid events in force
    /// with their compliance so far (the active controller's bookkeeping wins while following;
    /// this controller's own from before a restart only where it is newer than the journal's).
    private mutating func applyState(_ state: RetainedState, at now: Timestamp) -> InputOutcome {
        guard following else {
            if state.term > term { followedTerm = max(followedTerm, state.term) }
            return .duplicate
        }
        seq = max(seq, state.seq)
        followedTerm = max(followedTerm, state.term)
        for var obligation in state.obligations where obligation.event.end > now && !book.isClosed(obligation.event.id) {
            // This controller's own state from before a restart is older than what its journal resumed.
            if state.controller == instance, let last = book[obligation.event.id]?.lastSampleTime, last > state.time { continue }
            // Keep integrating compliance from the state's time, with this controller's last sample.
            obligation.lastSampleTime = state.time
            obligation.lastSampleMW = book[obligation.event.id]?.lastSampleMW ?? .nan
            book.put(obligation)
            unacknowledged.remove(obligation.event.id)
        }
        // Awards the active controller (or this one before a restart) held: held again, unless
        // they ended or no longer fit what the site can deliver.
        for award in state.awards where award.end > now {
            _ = awards.add(award, capacityMW: site.curtailableMW, qualifiedMW: site.ancillary?.maximumMW[award.product] ?? 0)
        }
        return .applied(decide: false)
    }

    /// The active controller's event report (followed): acknowledged, or closed.
    private mutating func applyEventReport(_ report: EventReportPayload) -> InputOutcome {
        guard following else { return .duplicate }
        unacknowledged.remove(report.id)
        if report.status != .acknowledged, !book.isClosed(report.id) {
            // Closed quietly: the active one reported it; a late copy of the event stays closed.
            _ = book.close(report.id, at: report.ts)
        }
        return .applied(decide: false)
    }
}
