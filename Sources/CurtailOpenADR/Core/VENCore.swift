public import CurtailCore
public import CurtailPolicyFiles
import CurtailWire

/// The VEN's decisions, free of I/O and clocks: the VTN's events in, contract messages and
/// opt answers out. Both OpenADR versions feed it the same ``DREvent``s.
///
/// - An event is answered once per modification: opt in, or opt out with a code and a reason.
///   Refused (opt out, never a cap): an invalid id (452), an event that ended before it arrived,
///   a SIMPLE level outside 0–3, an absurd limit or price, a cap longer than a day, a cap that
///   overlaps another accepted cap (454), a signal this VEN does not act on (460), and an older
///   modification than one already answered (450).
/// - A voluntary program's event is declined when what it pays is below the mining margin.
/// - Only an explicit cancellation lifts a cap: an event the VTN stops listing (a VTN restart, a
///   lost database) is kept until its end.
/// - Test events are answered and never acted on.
public struct VENCore: Sendable {
    /// The mapping (the `openadr:` section).
    public let settings: OpenADRSettings
    /// The site's import limit: the cap of a level-0 interval, and of a share when the load is unknown.
    public let siteMaxMW: Double
    /// What the VEN knows of the site.
    public var site = SiteObservation()

    /// An accepted (or declined) event and what was published for it.
    public struct Tracked: Hashable, Sendable {
        public var event: DREvent
        public var optedIn: Bool
        /// The running load a share-of-load level applies to (frozen when first accepted).
        public var baseMW: Double
        /// Seconds the start was moved by (randomisation).
        public var offsetSeconds: Double
        public var published: GridEvent?
        public var alerting = false
        public var pricesPublished = false
    }

    /// Events by id.
    public private(set) var tracked: [String: Tracked] = [:]
    /// Cancelled or ended ids, forgotten an hour after the time given.
    private var closed: [String: Timestamp] = [:]
    /// Refused events: the modification refused, and when to forget it (a VTN that lists the
    /// same bad event on every poll is answered once, not on every poll).
    private var refused: [String: (modification: Int, until: Timestamp)] = [:]

    public init(settings: OpenADRSettings, siteMaxMW: Double) {
        self.settings = settings
        self.siteMaxMW = siteMaxMW
    }

    /// The events the VTN lists now (2.0b `oadrDistributeEvent`, 3.1 `GET /events`).
    public mutating func receive(_ events: [DREvent], at now: Timestamp) -> VENStep {
        var step = VENStep()
        for event in events { receive(event, at: now, into: &step) }
        advance(to: now, into: &step)
        return step
    }

    /// Time passing: interval changes, ends, alerts.
    public mutating func tick(at now: Timestamp) -> VENStep {
        var step = VENStep()
        advance(to: now, into: &step)
        return step
    }

    /// An event the VTN deleted (3.1): the same as a cancellation.
    public mutating func remove(id: String, at now: Timestamp) -> VENStep {
        var step = VENStep()
        if tracked[id] != nil { close(id, at: now, cancelled: true, into: &step) }
        return step
    }

    // MARK: - Receiving

    private mutating func receive(_ event: DREvent, at now: Timestamp, into step: inout VENStep) {
        guard EventPayload.isValidID(event.id) else {
            if let earlier = refused[event.id], earlier.modification >= event.modification { return }
            refuse(event, code: 452, "event id '\(event.id.prefix(80))' cannot name a grid event (1-64 characters, no '/', '+' or '#')", into: &step)
            refused[event.id] = (event.modification, max(now, event.end ?? now).adding(seconds: 86_400))
            return
        }
        if var known = tracked[event.id] {
            if event.modification < known.event.modification {
                refuse(
                    event,
                    code: 450,
                    "event \(event.id): modification \(event.modification) is older than \(known.event.modification), already answered",
                    into: &step
                )
                return
            }
            if event.status == .cancelled {
                respond(event, optIn: known.optedIn, reason: "cancellation received", into: &step)
                close(event.id, at: now, cancelled: true, into: &step)
                return
            }
            if event.modification == known.event.modification {
                known.event.status = event.status  // 2.0b moves far → near → active without a modification
                tracked[event.id] = known
                return
            }
            step.notes.append("event \(event.id): modification \(known.event.modification) → \(event.modification)")
            evaluate(event, at: now, previous: known, into: &step)
            return
        }
        if closed[event.id] != nil { return }
        if let earlier = refused[event.id], earlier.modification >= event.modification { return }
        switch event.status {
        case .completed: return
        case .cancelled:
            respond(event, optIn: true, reason: "cancelled before it was acted on", into: &step)
            closed[event.id] = event.end ?? now
        case .scheduled, .active:
            evaluate(event, at: now, previous: nil, into: &step)
        }
    }

    private mutating func evaluate(_ event: DREvent, at now: Timestamp, previous: Tracked?, into step: inout VENStep) {
        if let problem = validate(event, at: now, ignoring: event.id) {
            refuse(event, code: problem.code, problem.reason, into: &step)
            refused[event.id] = (event.modification, max(now, event.end ?? now).adding(seconds: 86_400))
            if previous != nil { close(event.id, at: now, cancelled: true, into: &step) }
            return
        }
        if event.testEvent {
            respond(event, optIn: true, reason: "test event: answered, not acted on", into: &step)
            tracked[event.id] = Tracked(event: event, optedIn: false, baseMW: 0, offsetSeconds: 0)
            return
        }
        let (optIn, reason) = decide(event)
        respond(event, optIn: optIn, reason: reason, into: &step)
        var entry =
            previous
            ?? Tracked(
                event: event,
                optedIn: optIn,
                baseMW: site.measuredMW ?? siteMaxMW,
                offsetSeconds: Self.offset(of: event, ven: settings.venName)
            )
        if previous == nil, site.measuredMW == nil, appliesShareOfLoad(event) {
            step.notes.append("event \(event.id): the site's load is unknown; shares of the running load apply to max_import_mw (\(siteMaxMW) MW)")
        }
        entry.event = event
        entry.optedIn = optIn
        entry.pricesPublished = false
        if !optIn, entry.published != nil {
            step.actions.append(.cancelEvent(id: event.id))
            entry.published = nil
        }
        tracked[event.id] = entry
    }

    /// Why `event` cannot be acted on, or `nil`.
    private func validate(_ event: DREvent, at now: Timestamp, ignoring id: String) -> (code: Int, reason: String)? {
        guard let start = event.start, let end = event.end else { return (454, "event \(event.id) has no intervals") }
        for interval in event.intervals where interval.end <= interval.start {
            return (454, "event \(event.id): an interval ends (\(interval.end)) before it starts (\(interval.start))")
        }
        if end <= now { return (454, "event \(event.id) ended at \(end), before it was received (\(now))") }
        var caps = false
        for signal in event.intervals.flatMap(\.signals) {
            switch signal {
            case .unsupported(let name):
                return (
                    460,
                    "event \(event.id): signal \(name) is not supported (SIMPLE, LOAD_DISPATCH, IMPORT_CAPACITY_LIMIT, prices, ALERT_GRID_EMERGENCY are)"
                )
            case .simple(let level):
                guard level == level.rounded(), (0...3).contains(level) else {
                    return (454, "event \(event.id): SIMPLE level \(level) is not one of 0, 1, 2, 3")
                }
                if level > 0 { caps = true }
            case .importLimit(let kw):
                guard kw.isFinite, (0...100_000_000).contains(kw) else { return (454, "event \(event.id): import limit \(kw) kW is out of range") }
                caps = true
            case .price(let usd), .payment(let usd):
                guard usd.isFinite, (-10_000...100_000).contains(usd) else {
                    return (454, "event \(event.id): price \(usd) $/MWh is out of range (-10000...100000)")
                }
            case .gridEmergency: break
            }
        }
        guard caps else { return nil }
        if end.seconds(since: start) > 86_400 {
            return (454, "event \(event.id) caps the site for \(Int(end.seconds(since: start) / 3600)) h; a shed longer than a day is refused")
        }
        for other in tracked.values where other.event.id != id && other.optedIn && !other.event.testEvent {
            guard other.event.intervals.contains(where: { $0.signals.contains(where: Self.isCap) }),
                let otherStart = other.event.start, let otherEnd = other.event.end, otherStart < end, start < otherEnd
            else { continue }
            return (454, "event \(event.id) (\(start)–\(end)) overlaps event \(other.event.id) (\(otherStart)–\(otherEnd)), already accepted")
        }
        return nil
    }

    /// Opt in or out: a voluntary program's event is declined when its payment is below the margin.
    private func decide(_ event: DREvent) -> (Bool, String) {
        guard settings.voluntaryPrograms.contains(event.program) else { return (true, "mandatory program") }
        let offered = event.intervals.flatMap(\.signals).compactMap { signal -> Double? in
            if case .payment(let usd) = signal { return usd }
            return nil
        }.min()
        guard let payment = offered ?? settings.paymentUSDPerMWh else {
            return (true, "voluntary program \(event.program) with no payment known; opted in")
        }
        guard let margin = site.marginUSDPerMWh else {
            return (true, "voluntary program \(event.program) pays \(payment) $/MWh; the mining margin is unknown; opted in")
        }
        if payment < margin {
            return (false, "voluntary program \(event.program) pays \(payment) $/MWh, below the mining margin of \(rounded(margin)) $/MWh")
        }
        return (true, "voluntary program \(event.program) pays \(payment) $/MWh, above the mining margin of \(rounded(margin)) $/MWh")
    }

    // MARK: - Time

    private mutating func advance(to now: Timestamp, into step: inout VENStep) {
        for id in closed.keys where closed[id]!.seconds(since: now) < -3600 { closed[id] = nil }
        for id in refused.keys where refused[id]!.until < now { refused[id] = nil }
        for id in tracked.keys.sorted() {
            guard var entry = tracked[id] else { continue }
            let event = entry.event
            guard let end = event.end?.adding(seconds: entry.offsetSeconds) else { continue }
            if now >= end {
                close(id, at: now, cancelled: false, into: &step)
                continue
            }
            guard entry.optedIn, !event.testEvent else { continue }
            let shifted = event.intervals.map {
                DRInterval(
                    start: $0.start.adding(seconds: entry.offsetSeconds),
                    end: $0.end.adding(seconds: entry.offsetSeconds),
                    signals: $0.signals
                )
            }
            // The site cap: the interval in force, else the next one.
            if let first = shifted.first(where: { $0.signals.contains(where: Self.isCap) }) {
                var current = shifted.filter { $0.start <= now && now < $0.end }
                if current.isEmpty, let next = shifted.filter({ $0.start > now }).map(\.start).min() {
                    current = shifted.filter { $0.start == next }
                }
                let mw = current.isEmpty ? siteMaxMW : capMW(current, base: entry.baseMW)
                let start = first.start.adding(seconds: -event.rampUpSeconds)
                let grid = GridEvent(id: id, program: settings.program, start: start, end: end, target: .maximum(Megawatts(rounded(mw))))
                if grid != entry.published {
                    step.actions.append(.publishEvent(grid))
                    step.notes.append("event \(id): site cap \(rounded(mw)) MW from \(start) to \(end)")
                    entry.published = grid
                }
            }
            // The grid-emergency alert.
            let alerting = shifted.contains { $0.start <= now && now < $0.end && $0.signals.contains(.gridEmergency) }
            if alerting != entry.alerting {
                step.actions.append(.publishEEA(level: alerting ? settings.gridEmergencyEEALevel : 0))
                entry.alerting = alerting
            }
            // Prices, once per modification.
            if !entry.pricesPublished {
                entry.pricesPublished = true
                if settings.priceKind != .none {
                    for interval in shifted {
                        for case .price(let usd) in interval.signals {
                            let minutes = Int((interval.end.seconds(since: interval.start) / 60).rounded())
                            guard (1...1440).contains(minutes) else { continue }
                            step.actions.append(
                                .publishPrice(
                                    PricePayload(
                                        intervalStart: interval.start,
                                        intervalMinutes: minutes,
                                        priceUSDPerMWh: usd,
                                        kind: settings.priceKind == .realTime ? .realTime : .dayAhead
                                    )
                                )
                            )
                        }
                    }
                }
            }
            tracked[id] = entry
        }
    }

    /// The MW cap the intervals in force ask for (the lowest of their signals); the site limit when none.
    private func capMW(_ intervals: [DRInterval], base: Double) -> Double {
        var cap = siteMaxMW
        for signal in intervals.flatMap(\.signals) {
            switch signal {
            case .simple(let level) where level >= 1:
                switch settings.levels[Int(level)] {
                case .megawatts(let mw)?: cap = min(cap, mw)
                case .fractionOfRunningLoad(let share)?: cap = min(cap, share * base)
                case nil: break
                }
            case .importLimit(let kw): cap = min(cap, kw / 1000)
            default: break
            }
        }
        return max(0, cap)
    }

    private mutating func close(_ id: String, at now: Timestamp, cancelled: Bool, into step: inout VENStep) {
        guard let entry = tracked.removeValue(forKey: id) else { return }
        if entry.published != nil, cancelled {
            step.actions.append(.cancelEvent(id: id))
            step.notes.append("event \(id) cancelled: site cap lifted")
        } else if !cancelled {
            step.notes.append("event \(id) ended")
        }
        if entry.alerting { step.actions.append(.publishEEA(level: 0)) }
        closed[id] = max(now, entry.event.end ?? now)
    }

    private func respond(_ event: DREvent, optIn: Bool, reason: String, into step: inout VENStep) {
        step.notes.append("event \(event.id) (modification \(event.modification)): \(optIn ? "opted in" : "opted out"): \(reason)")
        step.actions.append(.respond(EventResponse(eventID: event.id, modification: event.modification, optIn: optIn, code: 200, reason: reason)))
    }

    private func refuse(_ event: DREvent, code: Int, _ reason: String, into step: inout VENStep) {
        step.refusals.append(reason)
        step.actions.append(.respond(EventResponse(eventID: event.id, modification: event.modification, optIn: false, code: code, reason: reason)))
    }

    private func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    static func isCap(_ signal: DRSignal) -> Bool {
        switch signal {
        case .simple(let level): level >= 1
        case .importLimit: true
        default: false
        }
    }

    /// Whether a SIMPLE level of `event` maps to a share of the running load.
    private func appliesShareOfLoad(_ event: DREvent) -> Bool {
        event.intervals.flatMap(\.signals).contains { signal in
            guard case .simple(let level) = signal, level >= 1, case .fractionOfRunningLoad? = settings.levels[Int(level)] else { return false }
            return true
        }
    }

    /// The random start delay: uniform in 0…`randomizeSeconds`, the same for this VEN and event on
    /// every run (FNV-1a of the VEN name and event id), so a restart does not move it.
    static func offset(of event: DREvent, ven: String) -> Double {
        guard event.randomizeSeconds > 0 else { return 0 }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(ven)/\(event.id)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return Double(hash % 1_000_001) / 1_000_000 * event.randomizeSeconds
    }
}
