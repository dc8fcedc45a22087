public import CurtailCore
public import CurtailWire

/// Turns MQTT messages on the controller's topics into validated ``InboundSignal``s.
///
/// Every refusal is a ``Rejection`` naming the field and what was expected. Time stamps are
/// checked against `now`: more than the allowed skew in the future, or older than the kind's
/// maximum age, is refused. Pure: no clock, no I/O.
public struct InboundDecoder: Sendable {
    public let topics: ControllerTopics
    public let site: Site
    public let maximumFutureSkew: Duration
    public let maximumAge: ControllerConfiguration.MaximumAge
    public let transitAllowance: Duration
    public let settlementMinutes: Int
    private let groupIndex: [String: Int]

    public init(configuration: ControllerConfiguration) {
        topics = configuration.topics
        site = configuration.site
        maximumFutureSkew = configuration.maximumFutureSkew
        maximumAge = configuration.maximumAge
        transitAllowance = configuration.transitAllowance
        settlementMinutes = configuration.settlementMinutes
        var index: [String: Int] = [:]
        for (i, group) in configuration.site.groups.enumerated() { index[group.name] = i }
        groupIndex = index
    }

    /// Decodes a message received at `now`.
    public func decode(topic: String, payload: [UInt8], at now: Timestamp) -> Result<InboundSignal, Rejection> {
        do throws(Rejection) {
            return .success(try signal(topic: topic, payload: payload, now: now))
        } catch {
            return .failure(error)
        }
    }

    private func signal(topic: String, payload: [UInt8], now: Timestamp) throws(Rejection) -> InboundSignal {
        if topic == topics.price { return try price(payload, now) }
        if topic == topics.priceFeed { return .priceFeed(try PriceFeedStatusPayload(decoding: payload).state) }
        if topic == topics.events { return try event(payload, now) }
        if topic == topics.alerts { return try alert(payload, now) }
        if topic == topics.awards { return try award(payload, now) }
        if topic == topics.frequency {
            let frequency = try FrequencyPayload(decoding: payload)
            return .frequency(hz: frequency.hz, at: try checked(frequency.ts, "frequency ts", now, maximumAge.frequency))
        }
        if topic == topics.hashPrice {
            let hashPrice = try HashPricePayload(decoding: payload)
            return .hashPrice(USDPerTerahashDay(hashPrice.usdPerTHDay), at: try checked(hashPrice.ts, "hash price ts", now, maximumAge.hashPrice))
        }
        if topic == topics.meter {
            let meter = try MeterPayload(decoding: payload)
            let time = try checked(meter.ts, "meter ts", now, maximumAge.telemetry)
            let limit = site.maxImport.value * 2000
            guard meter.powerKW <= limit else {
                throw Rejection(.outOfRange, "site meter: 'power_kw' = \(meter.powerKW) is above twice the site's import limit (\(limit) kW)")
            }
            return .meter(kilowatts: meter.powerKW, at: time)
        }
        if let name = topics.group(in: topic, leaf: "telemetry") {
            let g = try group(name, topic)
            return .telemetry(group: g, try telemetry(payload, group: g, now))
        }
        if let name = topics.group(in: topic, leaf: "command") {
            let g = try group(name, topic)
            return .command(group: g, try command(payload, group: g))
        }
        if topic == topics.state { return .state(try state(payload)) }
        if topic.hasPrefix(topics.siteBase + "/events/"), topic.hasSuffix("/report") {
            return .eventReport(try EventReportPayload(decoding: payload))
        }
        throw Rejection(.unknownTopic, "no input is expected on '\(topic)'")
    }

    private func group(_ name: Substring, _ topic: String) throws(Rejection) -> Int {
        guard let g = groupIndex[String(name)] else {
            throw Rejection(
                .unknownGroup,
                "'\(topic)' names group '\(name)', which site \(site.id) does not have (groups: \(site.groups.map(\.name).joined(separator: ", ")))"
            )
        }
        return g
    }

    /// Refuses `time` when too far ahead of `now` or older than `maximumAge`.
    private func checked(_ time: Timestamp, _ what: String, _ now: Timestamp, _ maximumAge: Duration) throws(Rejection) -> Timestamp {
        if now.duration(to: time) > maximumFutureSkew + transitAllowance {
            throw Rejection(.futureTimestamp, "\(what) \(time) is \(describe(now.duration(to: time))) ahead of the controller's clock (\(now))")
        }
        if time.duration(to: now) > maximumAge + transitAllowance {
            throw Rejection(.staleTimestamp, "\(what) \(time) is \(describe(time.duration(to: now))) old (limit \(describe(maximumAge)))")
        }
        return time
    }

    private func price(_ payload: [UInt8], _ now: Timestamp) throws(Rejection) -> InboundSignal {
        let price = try PricePayload(decoding: payload)
        let start = price.intervalStart
        switch price.kind {
        case .realTime:
            _ = try checked(start, "price interval_start", now, maximumAge.price)
        case .dayAhead:
            if now.duration(to: start) > .seconds(2 * 86_400) {
                throw Rejection(.futureTimestamp, "day-ahead interval_start \(start) is more than 2 days ahead of \(now)")
            } else if start.duration(to: now) > .seconds(86_400) {
                throw Rejection(.staleTimestamp, "day-ahead interval_start \(start) is more than a day old")
            }
        }
        var interval = (start: start, minutes: price.intervalMinutes)
        if price.kind == .realTime, price.intervalMinutes < settlementMinutes {
            // A price for part of a settlement interval (a 5-minute SCED price) is a view of the
            // interval that contains it.
            let length = Int64(settlementMinutes) * 60_000
            let ms = start.millisecondsSinceEpoch
            let floored = ms - ((ms % length) + length) % length
            interval = (Timestamp(millisecondsSinceEpoch: floored), settlementMinutes)
        }
        let observation = PriceObservation(
            intervalStart: interval.start,
            intervalMinutes: interval.minutes,
            price: USDPerMWh(price.priceUSDPerMWh),
            publishedAt: now,
            status: price.status,
            revision: price.revision
        )
        return .price(observation, dayAhead: price.kind == .dayAhead)
    }

    private func event(_ payload: [UInt8], _ now: Timestamp) throws(Rejection) -> InboundSignal {
        let event: GridEvent
        switch try GridEventMessage(decoding: payload) {
        case .cancellation(let cancellation): return .eventCancelled(id: cancellation.id)
        case .event(let payload): event = payload.event
        }
        guard GridProgram.named(event.program) != nil else {
            throw Rejection(
                .unknownProgram,
                "grid event \(event.id): unknown program '\(event.program)'; accepted: \(GridProgram.known.map(\.name).joined(separator: ", "))"
            )
        }
        guard event.end > now else { throw Rejection(.staleTimestamp, "grid event \(event.id) ended at \(event.end), before now (\(now))") }
        if now.duration(to: event.start) > .seconds(7 * 86_400) {
            throw Rejection(.futureTimestamp, "grid event \(event.id) starts \(event.start), more than 7 days ahead")
        }
        return .event(event)
    }

    /// An award, checked against what the site may sell (its other awards are the core's).
    private func award(_ payload: [UInt8], _ now: Timestamp) throws(Rejection) -> InboundSignal {
        let award = try AwardPayload(decoding: payload).award
        let what = "ancillary award \(award.id) (\(award.product.name) \(award.megawatts) MW)"
        let qualified = site.ancillary?.maximumMW[award.product] ?? 0
        guard qualified > 0 else {
            throw Rejection(
                .outOfRange,
                "\(what): site \(site.id) is not qualified for \(award.product.name) (site file ancillary.products); refused, not held"
            )
        }
        guard award.megawatts <= qualified + 1e-9 else {
            throw Rejection(
                .outOfRange,
                "\(what): more than the \(qualified) MW of \(award.product.name) the site may deliver (site file ancillary.products)"
            )
        }
        guard award.end > now else { throw Rejection(.staleTimestamp, "\(what) ended at \(award.end), before now (\(now))") }
        if now.duration(to: award.start) > .seconds(7 * 86_400) {
            throw Rejection(.futureTimestamp, "\(what) starts \(award.start), more than 7 days ahead")
        }
        return .award(award)
    }

    private func alert(_ payload: [UInt8], _ now: Timestamp) throws(Rejection) -> InboundSignal {
        switch try AlertPayload(decoding: payload) {
        case .fourCP(let alert):
            guard alert.end > now else { throw Rejection(.staleTimestamp, "4cp alert window ended at \(alert.end), before now (\(now))") }
            if now.duration(to: alert.start) > .seconds(7 * 86_400) {
                throw Rejection(.futureTimestamp, "4cp alert starts \(alert.start), more than 7 days ahead")
            }
            return .alert(alert)
        case .eea(let level, let at):
            if let at { _ = try checked(at, "eea ts", now, maximumAge.alert) }
            return .eea(level: level)
        }
    }

    private func telemetry(_ payload: [UInt8], group g: Int, _ now: Timestamp) throws(Rejection) -> TelemetryPayload {
        let group = site.groups[g]
        let what = "telemetry of group \(group.name)"
        let report = try TelemetryPayload(decoding: payload, what: what)
        _ = try checked(report.ts, "telemetry ts", now, maximumAge.telemetry)
        let limitKW = max(group.nameplatePower.kilowatts * 1.5, 1)
        let limitTH = group.model.nominalHashrate.value * Double(group.count) * 2
        guard report.powerKW <= limitKW else {
            throw Rejection(.outOfRange, "\(what): 'power_kw' = \(report.powerKW) is above 1.5 × the group's nameplate (\(limitKW) kW)")
        }
        guard report.hashrateTH <= limitTH else {
            throw Rejection(.outOfRange, "\(what): 'hashrate_th' = \(report.hashrateTH) is above twice the group's nameplate (\(limitTH) TH/s)")
        }
        guard report.minersRunning <= group.count else {
            throw Rejection(.outOfRange, "\(what): 'miners_running' = \(report.minersRunning) is more than the group's \(group.count) miners")
        }
        return report
    }

    private func command(_ payload: [UInt8], group g: Int) throws(Rejection) -> CommandPayload {
        let command = try CommandPayload(decoding: payload, what: "retained command of group \(site.groups[g].name)")
        guard command.minersRunning <= site.groups[g].count else {
            throw Rejection(.outOfRange, "retained command of group \(site.groups[g].name): more miners than the group's \(site.groups[g].count)")
        }
        return command
    }

    private func state(_ payload: [UInt8]) throws(Rejection) -> RetainedState {
        let state = try StatePayload(decoding: payload)
        let obligations = state.activeEvents.map(Obligation.init(resuming:))
        return RetainedState(
            seq: state.seq,
            term: state.term,
            controller: state.controller,
            obligations: obligations,
            time: state.ts,
            awards: state.awards
        )
    }
}

/// `90 s`, `12 min`, `3.5 h`, for messages.
func describe(_ duration: Duration) -> String {
    let seconds = duration.inSeconds
    if seconds < 120 { return "\(Int(seconds.rounded())) s" }
    if seconds < 7200 { return "\(Int((seconds / 60).rounded())) min" }
    return "\(((seconds / 3600) * 10).rounded() / 10) h"
}
