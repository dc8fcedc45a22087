public import CurtailCore
import CurtailPolicy
public import CurtailWire

/// The messages the core builds from its state: the retained `state` and event reports.
extension ControllerCore {
    /// An event report: the acknowledgement, or the final compliance figures.
    func report(_ obligation: Obligation, status: ObligationStatus, at now: Timestamp) throws(WireError) -> OutgoingMessage {
        let final = status != .acknowledged
        let body = EventReportPayload(
            id: obligation.event.id,
            program: obligation.event.program,
            status: status,
            ts: now,
            start: obligation.event.start,
            end: obligation.event.end,
            acknowledgedAt: obligation.acknowledgedAt,
            responseSeconds: obligation.responseSeconds,
            baselineMW: Self.rounded(obligation.baselineMW),
            targetMW: Self.rounded(obligation.targetMW),
            achievedMW: final ? Self.rounded(obligation.achievedMW) : nil,
            secondsToTarget: final ? obligation.secondsToTarget.flatMap { Self.rounded($0, 1) } : nil,
            performanceFactor: final ? Self.rounded(obligation.performanceFactor(siteSleepMW: siteSleepMW)) : nil,
            met: final ? obligation.met(siteSleepMW: siteSleepMW) : nil
        )
        return OutgoingMessage(topic: topics.eventReport(id: obligation.event.id), payload: try body.encode())
    }

    /// The retained `state` message.
    ///
    /// - Throws: ``WireError`` when a required figure is not a finite number.
    public func stateMessage(at now: Timestamp) throws(WireError) -> OutgoingMessage {
        OutgoingMessage(topic: topics.state, payload: try state(at: now).encode(), retain: true)
    }

    /// The state as the wire type.
    public func state(at now: Timestamp) -> StatePayload {
        let decided = counters.decisions > 0
        let groups = site.groups.indices.map { g in
            let command = commands[g]
            let report = telemetry[g]
            return StatePayload.Group(
                name: site.groups[g].name,
                targetKW: command.flatMap { Self.rounded($0.targetKW, 1) },
                measuredKW: report.flatMap { Self.rounded($0.powerKW, 1) },
                minersRunning: command?.minersRunning,
                measuredMinersRunning: report?.minersRunning,
                powerTargetW: command.flatMap { Self.rounded($0.powerTargetW, 1) },
                breakEvenUSDPerMWh: Self.rounded(breakEvenPrice(group: g), 2),
                reason: command?.reason,
                seq: command?.seq,
                appliedSeq: report?.appliedSeq
            )
        }
        let active = obligations.values.sorted { $0.event.start < $1.event.start }.map(StatePayload.Event.init)
        let targetKW = commands.compactMap { $0?.targetKW }.reduce(0, +)
        return StatePayload(
            ts: now,
            site: site.id,
            policy: configuration.policy.name,
            seq: seq,
            term: term,
            controller: following ? nil : instance,
            targetMW: decided ? Self.rounded(targetKW / 1000) : nil,
            measuredMW: measuredSiteMW(at: now).flatMap { Self.rounded($0) },
            priceUSDPerMWh: realTimePrice.flatMap { Self.rounded($0.price.value, 2) },
            priceIntervalStart: realTimePrice?.intervalStart,
            priceAgeSeconds: realTimePrice.map { max(0, $0.publishedAt.duration(to: now).components.seconds) },
            priceStatus: realTimePrice?.status.rawValue,
            priceRevision: realTimePrice?.revision,
            priceFeed: priceFeed?.rawValue,
            dayAheadUSDPerMWh: dayAheadPrice(at: now).flatMap { Self.rounded($0.value, 2) },
            hashpriceUSDPerTHDay: hashPrice.flatMap { Self.rounded($0.value.value, 5) },
            capMW: decided ? Self.rounded(decision.cap.value) : nil,
            constraints: decided ? decision.constraints.wireNames : [],
            rules: decided ? decision.firedRules.map { configuration.policy.rules[$0].name } : [],
            frequencyHz: frequency?.hz,
            underFrequencyTripped: underFrequencyTripped,
            eea: eea,
            cpAlert: alerts.contains { $0.kind == .fourCP && $0.isActive(at: now) },
            waitingFor: decided ? [] : missingInputs,
            groups: groups,
            activeEvents: active,
            awards: awards.awards.values.sorted { ($0.start, $0.id) < ($1.start, $1.id) },
            counters: StatePayload.Counters(
                decisions: counters.decisions,
                commands: counters.commands,
                accepted: counters.accepted,
                duplicates: counters.duplicates,
                rejected: counters.rejected
            )
        )
    }

    /// Rounds for display in payloads (`places` decimals); a non-finite value becomes `nil`.
    static func rounded(_ value: Double, _ places: Int = 3) -> Double? {
        value.isFinite ? JSONWriter.rounded(value, places) : nil
    }
}
