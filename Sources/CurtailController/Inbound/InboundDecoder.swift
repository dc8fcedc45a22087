public import CurtailCore

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
    private let groupIndex: [String: Int]

    public init(configuration: ControllerConfiguration) {
        topics = configuration.topics
        site = configuration.site
        maximumFutureSkew = configuration.maximumFutureSkew
        maximumAge = configuration.maximumAge
        transitAllowance = configuration.transitAllowance
        var index: [String: Int] = [:]
        for (i, group) in configuration.site.groups.enumerated() { index[group.name] = i }
        groupIndex = index
    }

    /// Decodes a message received at `now`.
    ///
    /// - Parameter ownTopics: also accept this controller's retained commands and state (at start-up).
    public func decode(topic: String, payload: [UInt8], at now: Timestamp, ownTopics: Bool = false) -> Result<InboundSignal, Rejection> {
        do throws(Rejection) {
            return .success(try signal(topic: topic, payload: payload, now: now, ownTopics: ownTopics))
        } catch {
            return .failure(error)
        }
    }

    private func signal(topic: String, payload: [UInt8], now: Timestamp, ownTopics: Bool) throws(Rejection) -> InboundSignal {
        if topic == topics.price { return try price(payload, now) }
        if topic == topics.events { return try event(payload, now) }
        if topic == topics.alerts { return try alert(payload, now) }
        if topic == topics.frequency {
            let json = try JSONObjectReader(payload, what: "frequency")
            let time = try checked(json.timestamp("ts"), "frequency ts", now, maximumAge.frequency)
            return .frequency(hz: try json.number("hz", in: 55...65, unit: "Hz"), at: time)
        }
        if topic == topics.hashPrice {
            let json = try JSONObjectReader(payload, what: "hash price")
            let time = try checked(json.timestamp("ts"), "hash price ts", now, maximumAge.hashPrice)
            let value = try json.number("usd_per_th_day", in: 0.000_001...10, unit: "USD/TH/day")
            return .hashPrice(USDPerTerahashDay(value), at: time)
        }
        if topic == topics.meter {
            let json = try JSONObjectReader(payload, what: "site meter")
            let time = try checked(json.timestamp("ts"), "meter ts", now, maximumAge.telemetry)
            return .meter(kilowatts: try json.number("power_kw", in: 0...(site.maxImport.value * 2000), unit: "kW"), at: time)
        }
        if let name = topics.group(in: topic, leaf: "telemetry") {
            let g = try group(name, topic)
            return .telemetry(group: g, try telemetry(payload, group: g, now))
        }
        if ownTopics, let name = topics.group(in: topic, leaf: "command") {
            let g = try group(name, topic)
            return .retainedCommand(group: g, try command(payload, group: g))
        }
        if ownTopics, topic == topics.state { return .retainedState(try state(payload)) }
        if topics.group(in: topic, leaf: "command") != nil {
            throw Rejection(.unknownTopic, "commands are published by this controller, not read; got one on '\(topic)'")
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
        let json = try JSONObjectReader(payload, what: "price")
        let kind = try json.optionalString("kind") ?? "rt"
        guard kind == "rt" || kind == "da" else { throw Rejection(.unknownKind, "price kind must be \"rt\" or \"da\", found \"\(kind)\"") }
        let start = try json.timestamp("interval_start")
        let minutes = try json.integer("interval_minutes", in: 1...1440)
        let value = try json.number("price_usd_per_mwh", in: USDPerMWh.plausibleRange, unit: "USD/MWh")
        if kind == "rt" {
            _ = try checked(start, "price interval_start", now, maximumAge.price)
        } else if now.duration(to: start) > .seconds(2 * 86_400) {
            throw Rejection(.futureTimestamp, "day-ahead interval_start \(start) is more than 2 days ahead of \(now)")
        } else if start.duration(to: now) > .seconds(86_400) {
            throw Rejection(.staleTimestamp, "day-ahead interval_start \(start) is more than a day old")
        }
        let observation = PriceObservation(intervalStart: start, intervalMinutes: minutes, price: USDPerMWh(value), publishedAt: now)
        return .price(observation, dayAhead: kind == "da")
    }

    private func event(_ payload: [UInt8], _ now: Timestamp) throws(Rejection) -> InboundSignal {
        let json = try JSONObjectReader(payload, what: "grid event")
        let id = try json.string("id")
        guard !id.isEmpty, id.utf8.count <= 64, !id.contains("/"), !id.contains("+"), !id.contains("#") else {
            throw Rejection(.wrongType, "grid event id must be 1-64 characters without '/', '+' or '#', found '\(id)'")
        }
        if let status = try json.optionalString("status") {
            switch status {
            case "cancelled", "canceled": return .eventCancelled(id: id)
            case "active", "scheduled": break
            default: throw Rejection(.unknownKind, "grid event \(id): status must be \"active\", \"scheduled\" or \"cancelled\", found \"\(status)\"")
            }
        }
        let programName = try json.string("program")
        guard GridProgram.named(programName) != nil else {
            throw Rejection(
                .unknownProgram,
                "grid event \(id): unknown program '\(programName)'; accepted: \(GridProgram.known.map(\.name).joined(separator: ", "))"
            )
        }
        let start = try json.timestamp("start")
        let end = try json.timestamp("end")
        guard end > start else { throw Rejection(.outOfRange, "grid event \(id): end \(end) is not after start \(start)") }
        guard end > now else { throw Rejection(.staleTimestamp, "grid event \(id) ended at \(end), before now (\(now))") }
        if now.duration(to: start) > .seconds(7 * 86_400) {
            throw Rejection(.futureTimestamp, "grid event \(id) starts \(start), more than 7 days ahead")
        }
        let targetJSON = try json.object("target")
        let maxMW = try targetJSON.optionalNumber("max_mw", in: 0...100_000, unit: "MW")
        let reduceMW = try targetJSON.optionalNumber("reduce_mw", in: 0...100_000, unit: "MW")
        let target: GridEvent.Target
        switch (maxMW, reduceMW) {
        case (let max?, nil): target = .maximum(Megawatts(max))
        case (nil, let reduce?): target = .reduction(Megawatts(reduce))
        case (nil, nil): throw Rejection(.missingField, "grid event \(id): target needs 'max_mw' or 'reduce_mw'")
        default: throw Rejection(.wrongType, "grid event \(id): target has both 'max_mw' and 'reduce_mw'; give one")
        }
        return .event(GridEvent(id: id, program: programName, start: start, end: end, target: target))
    }

    private func alert(_ payload: [UInt8], _ now: Timestamp) throws(Rejection) -> InboundSignal {
        let json = try JSONObjectReader(payload, what: "alert")
        let kind = try json.string("kind")
        switch kind {
        case "4cp":
            let probability = try json.number("probability", in: 0...1)
            let start = try json.timestamp("start")
            let end = try json.timestamp("end")
            guard end > start else { throw Rejection(.outOfRange, "4cp alert: end \(end) is not after start \(start)") }
            guard end > now else { throw Rejection(.staleTimestamp, "4cp alert window ended at \(end), before now (\(now))") }
            if now.duration(to: start) > .seconds(7 * 86_400) {
                throw Rejection(.futureTimestamp, "4cp alert starts \(start), more than 7 days ahead")
            }
            return .alert(GridAlert(kind: "4cp", probability: probability, start: start, end: end))
        case "eea":
            if json.has("ts") { _ = try checked(json.timestamp("ts"), "eea ts", now, maximumAge.alert) }
            return .eea(level: try json.integer("level", in: 0...3))
        default:
            throw Rejection(.unknownKind, "alert kind must be \"4cp\" or \"eea\", found \"\(kind)\"")
        }
    }

    private func telemetry(_ payload: [UInt8], group g: Int, _ now: Timestamp) throws(Rejection) -> GroupTelemetry {
        let group = site.groups[g]
        let json = try JSONObjectReader(payload, what: "telemetry of group \(group.name)")
        let time = try checked(json.timestamp("ts"), "telemetry ts", now, maximumAge.telemetry)
        let limitKW = group.nameplatePower.kilowatts * 1.5
        return GroupTelemetry(
            time: time,
            powerKW: try json.number("power_kw", in: 0...max(limitKW, 1), unit: "kW"),
            hashrateTH: try json.number("hashrate_th", in: 0...(group.model.nominalHashrate.value * Double(group.count) * 2), unit: "TH/s"),
            minersRunning: try json.integer("miners_running", in: 0...group.count),
            appliedSeq: Int64(try json.integer("applied_seq", in: 0...Int(Int32.max) * 1024))
        )
    }

    private func command(_ payload: [UInt8], group g: Int) throws(Rejection) -> IssuedCommand {
        let json = try JSONObjectReader(payload, what: "retained command of group \(site.groups[g].name)")
        return IssuedCommand(
            seq: Int64(try json.integer("seq", in: 0...Int(Int32.max) * 1024)),
            issuedAt: try json.timestamp("issued_at"),
            expiresAt: try json.timestamp("expires_at"),
            minersRunning: try json.integer("miners_running", in: 0...site.groups[g].count),
            powerTargetW: try json.number("power_target_w", in: 0...100_000),
            targetKW: try json.number("target_kw", in: 0...1e9),
            reason: try json.optionalString("reason") ?? ""
        )
    }

    private func state(_ payload: [UInt8]) throws(Rejection) -> RetainedState {
        let json = try JSONObjectReader(payload, what: "retained state")
        var obligations: [Obligation] = []
        if case .array(let items)? = json.fields["active_events"] {
            for item in items {
                guard case .object(let fields) = item else { continue }
                let e = JSONObjectReader(object: fields, what: "retained event")
                let program = try e.string("program")
                var obligation = Obligation(
                    event: GridEvent(
                        id: try e.string("id"),
                        program: program,
                        start: try e.timestamp("start"),
                        end: try e.timestamp("end"),
                        target: .maximum(Megawatts(try e.number("target_mw")))
                    ),
                    responseSeconds: GridProgram.named(program)?.responseSeconds ?? 600,
                    baselineMW: try e.number("baseline_mw"),
                    targetMW: try e.number("target_mw"),
                    acknowledgedAt: try e.timestamp("acknowledged_at")
                )
                if e.has("reached_at") { obligation.reachedAt = try e.timestamp("reached_at") }
                obligation.measuredMWSeconds = try e.optionalNumber("measured_mw_seconds") ?? 0
                obligation.measuredSeconds = try e.optionalNumber("measured_seconds") ?? 0
                obligation.wholeMWSeconds = try e.optionalNumber("whole_mw_seconds") ?? 0
                obligation.wholeSeconds = try e.optionalNumber("whole_seconds") ?? 0
                obligation.reachedMWSeconds = try e.optionalNumber("reached_mw_seconds") ?? 0
                obligation.reachedSeconds = try e.optionalNumber("reached_seconds") ?? 0
                obligations.append(obligation)
            }
        }
        return RetainedState(
            seq: Int64(try json.integer("seq", in: 0...Int(Int32.max) * 1024)),
            obligations: obligations,
            time: try json.timestamp("ts")
        )
    }
}

/// `90 s`, `12 min`, `3.5 h`, for messages.
func describe(_ duration: Duration) -> String {
    let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    if seconds < 120 { return "\(Int(seconds.rounded())) s" }
    if seconds < 7200 { return "\(Int((seconds / 60).rounded())) min" }
    return "\(((seconds / 3600) * 10).rounded() / 10) h"
}
