public import CurtailCore

/// `site/{site}/state` (retained): the current decision and what it was made from.
///
/// Keys are the snake_case of the property names (`target_mw`, `hashprice_usd_per_th_day`,
/// `groups[].break_even_usd_per_mwh`, ...); a `nil` value is left out. Dashboards, the demo, the
/// tests and a restarted controller read it back with ``init(decoding:)``.
public struct StatePayload: WirePayload, Hashable {
    public static var payloadName: String { "state" }

    public var ts: Timestamp
    public var site: String
    public var policy: String
    public var seq: Int64
    /// The fencing term of the controller that published it (0: a controller without a lease).
    public var term: Int64
    /// The publishing controller's instance (its MQTT client id), when it holds the lease.
    public var controller: String?
    public var targetMW: Double?
    public var measuredMW: Double?
    public var priceUSDPerMWh: Double?
    public var priceIntervalStart: Timestamp?
    public var priceAgeSeconds: Int64?
    /// Which price of the interval the decision acted on: `provisional`, `final` or `corrected`.
    public var priceStatus: String?
    /// Its revision, when the feed numbers them.
    public var priceRevision: Int?
    /// What the price feed last said of itself (`ok`, `stale`, `offline`), when it says anything.
    public var priceFeed: String?
    public var dayAheadUSDPerMWh: Double?
    public var hashpriceUSDPerTHDay: Double?
    public var capMW: Double?
    public var constraints: [String]
    public var rules: [String]
    public var frequencyHz: Double?
    public var underFrequencyTripped: Bool
    public var eea: Int
    public var cpAlert: Bool
    public var waitingFor: [String]
    public var groups: [Group]
    public var activeEvents: [Event]
    /// Ancillary awards held (not yet ended), so a restarted or standby controller keeps them.
    public var awards: [AncillaryAward]
    public var counters: Counters

    /// One group: the command in force, its latest telemetry, and its nameplate break-even.
    public struct Group: Hashable, Sendable {
        public var name: String
        public var targetKW: Double?
        public var measuredKW: Double?
        public var minersRunning: Int?
        public var measuredMinersRunning: Int?
        public var powerTargetW: Double?
        public var breakEvenUSDPerMWh: Double?
        public var reason: String?
        public var seq: Int64?
        public var appliedSeq: Int64?

        public init(
            name: String,
            targetKW: Double? = nil,
            measuredKW: Double? = nil,
            minersRunning: Int? = nil,
            measuredMinersRunning: Int? = nil,
            powerTargetW: Double? = nil,
            breakEvenUSDPerMWh: Double? = nil,
            reason: String? = nil,
            seq: Int64? = nil,
            appliedSeq: Int64? = nil
        ) {
            self.name = name
            self.targetKW = targetKW
            self.measuredKW = measuredKW
            self.minersRunning = minersRunning
            self.measuredMinersRunning = measuredMinersRunning
            self.powerTargetW = powerTargetW
            self.breakEvenUSDPerMWh = breakEvenUSDPerMWh
            self.reason = reason
            self.seq = seq
            self.appliedSeq = appliedSeq
        }
    }

    /// An obligation in force, with enough bookkeeping to resume its compliance after a restart.
    public struct Event: Hashable, Sendable {
        public var id: String
        public var program: String
        public var start: Timestamp
        public var end: Timestamp
        public var targetMW: Double
        public var baselineMW: Double
        public var acknowledgedAt: Timestamp
        public var reachedAt: Timestamp?
        public var measuredMWSeconds: Double
        public var measuredSeconds: Double
        public var wholeMWSeconds: Double
        public var wholeSeconds: Double
        public var reachedMWSeconds: Double
        public var reachedSeconds: Double

        public init(
            id: String,
            program: String,
            start: Timestamp,
            end: Timestamp,
            targetMW: Double,
            baselineMW: Double,
            acknowledgedAt: Timestamp,
            reachedAt: Timestamp? = nil,
            measuredMWSeconds: Double = 0,
            measuredSeconds: Double = 0,
            wholeMWSeconds: Double = 0,
            wholeSeconds: Double = 0,
            reachedMWSeconds: Double = 0,
            reachedSeconds: Double = 0
        ) {
            self.id = id
            self.program = program
            self.start = start
            self.end = end
            self.targetMW = targetMW
            self.baselineMW = baselineMW
            self.acknowledgedAt = acknowledgedAt
            self.reachedAt = reachedAt
            self.measuredMWSeconds = measuredMWSeconds
            self.measuredSeconds = measuredSeconds
            self.wholeMWSeconds = wholeMWSeconds
            self.wholeSeconds = wholeSeconds
            self.reachedMWSeconds = reachedMWSeconds
            self.reachedSeconds = reachedSeconds
        }
    }

    /// Running counts since the controller started.
    public struct Counters: Hashable, Sendable {
        public var decisions: Int
        public var commands: Int
        public var accepted: Int
        public var duplicates: Int
        /// Refused inputs by ``Rejection/Kind`` raw value.
        public var rejected: [String: Int]

        public init(decisions: Int = 0, commands: Int = 0, accepted: Int = 0, duplicates: Int = 0, rejected: [String: Int] = [:]) {
            self.decisions = decisions
            self.commands = commands
            self.accepted = accepted
            self.duplicates = duplicates
            self.rejected = rejected
        }
    }

    public init(
        ts: Timestamp,
        site: String,
        policy: String,
        seq: Int64,
        term: Int64 = 0,
        controller: String? = nil,
        targetMW: Double? = nil,
        measuredMW: Double? = nil,
        priceUSDPerMWh: Double? = nil,
        priceIntervalStart: Timestamp? = nil,
        priceAgeSeconds: Int64? = nil,
        priceStatus: String? = nil,
        priceRevision: Int? = nil,
        priceFeed: String? = nil,
        dayAheadUSDPerMWh: Double? = nil,
        hashpriceUSDPerTHDay: Double? = nil,
        capMW: Double? = nil,
        constraints: [String] = [],
        rules: [String] = [],
        frequencyHz: Double? = nil,
        underFrequencyTripped: Bool = false,
        eea: Int = 0,
        cpAlert: Bool = false,
        waitingFor: [String] = [],
        groups: [Group] = [],
        activeEvents: [Event] = [],
        awards: [AncillaryAward] = [],
        counters: Counters = Counters()
    ) {
        self.ts = ts
        self.site = site
        self.policy = policy
        self.seq = seq
        self.term = term
        self.controller = controller
        self.targetMW = targetMW
        self.measuredMW = measuredMW
        self.priceUSDPerMWh = priceUSDPerMWh
        self.priceIntervalStart = priceIntervalStart
        self.priceAgeSeconds = priceAgeSeconds
        self.priceStatus = priceStatus
        self.priceRevision = priceRevision
        self.priceFeed = priceFeed
        self.dayAheadUSDPerMWh = dayAheadUSDPerMWh
        self.hashpriceUSDPerTHDay = hashpriceUSDPerTHDay
        self.capMW = capMW
        self.constraints = constraints
        self.rules = rules
        self.frequencyHz = frequencyHz
        self.underFrequencyTripped = underFrequencyTripped
        self.eea = eea
        self.cpAlert = cpAlert
        self.waitingFor = waitingFor
        self.groups = groups
        self.activeEvents = activeEvents
        self.awards = awards
        self.counters = counters
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: Self.payloadName)
        var groups: [Group] = []
        for g in try json.objects("groups") {
            groups.append(
                Group(
                    name: try g.string("name"),
                    targetKW: try g.optionalNumber("target_kw"),
                    measuredKW: try g.optionalNumber("measured_kw"),
                    minersRunning: g.has("miners_running") ? try g.integer("miners_running", in: 0...100_000_000) : nil,
                    measuredMinersRunning: g.has("measured_miners_running") ? try g.integer("measured_miners_running", in: 0...100_000_000) : nil,
                    powerTargetW: try g.optionalNumber("power_target_w"),
                    breakEvenUSDPerMWh: try g.optionalNumber("break_even_usd_per_mwh"),
                    reason: try g.optionalString("reason"),
                    seq: g.has("seq") ? try g.int64("seq") : nil,
                    appliedSeq: g.has("applied_seq") ? try g.int64("applied_seq") : nil
                )
            )
        }
        var events: [Event] = []
        for e in try json.objects("active_events") {
            events.append(
                Event(
                    id: try e.string("id"),
                    program: try e.string("program"),
                    start: try e.timestamp("start"),
                    end: try e.timestamp("end"),
                    targetMW: try e.number("target_mw"),
                    baselineMW: try e.number("baseline_mw"),
                    acknowledgedAt: try e.timestamp("acknowledged_at"),
                    reachedAt: e.has("reached_at") ? try e.timestamp("reached_at") : nil,
                    measuredMWSeconds: try e.optionalNumber("measured_mw_seconds") ?? 0,
                    measuredSeconds: try e.optionalNumber("measured_seconds") ?? 0,
                    wholeMWSeconds: try e.optionalNumber("whole_mw_seconds") ?? 0,
                    wholeSeconds: try e.optionalNumber("whole_seconds") ?? 0,
                    reachedMWSeconds: try e.optionalNumber("reached_mw_seconds") ?? 0,
                    reachedSeconds: try e.optionalNumber("reached_seconds") ?? 0
                )
            )
        }
        var awards: [AncillaryAward] = []
        if json.has("awards") {
            for a in try json.objects("awards") { awards.append(try AwardPayload(json: a).award) }
        }
        var counters = Counters()
        if json.has("counters") {
            let c = try json.object("counters")
            counters = Counters(
                decisions: try c.integer("decisions", in: 0...(1 << 52)),
                commands: try c.integer("commands", in: 0...(1 << 52)),
                accepted: try c.integer("accepted", in: 0...(1 << 52)),
                duplicates: try c.integer("duplicates", in: 0...(1 << 52)),
                rejected: try c.counts("rejected")
            )
        }
        self.init(
            ts: try json.timestamp("ts"),
            site: try json.optionalString("site") ?? "",
            policy: try json.optionalString("policy") ?? "",
            seq: try json.int64("seq"),
            term: json.has("term") ? try json.int64("term") : 0,
            controller: try json.optionalString("controller"),
            targetMW: try json.optionalNumber("target_mw"),
            measuredMW: try json.optionalNumber("measured_mw"),
            priceUSDPerMWh: try json.optionalNumber("price_usd_per_mwh"),
            priceIntervalStart: json.has("price_interval_start") ? try json.timestamp("price_interval_start") : nil,
            priceAgeSeconds: json.has("price_age_seconds") ? Int64(try json.integer("price_age_seconds", in: -(1 << 52)...(1 << 52))) : nil,
            priceStatus: try json.optionalString("price_status"),
            priceRevision: json.has("price_revision") ? try json.integer("price_revision", in: PricePayload.revisionRange) : nil,
            priceFeed: try json.optionalString("price_feed"),
            dayAheadUSDPerMWh: try json.optionalNumber("day_ahead_usd_per_mwh"),
            hashpriceUSDPerTHDay: try json.optionalNumber("hashprice_usd_per_th_day"),
            capMW: try json.optionalNumber("cap_mw"),
            constraints: try json.strings("constraints"),
            rules: try json.strings("rules"),
            frequencyHz: try json.optionalNumber("frequency_hz"),
            underFrequencyTripped: json.has("under_frequency_tripped") ? try json.bool("under_frequency_tripped") : false,
            eea: json.has("eea") ? try json.integer("eea", in: 0...3) : 0,
            cpAlert: json.has("cp_alert") ? try json.bool("cp_alert") : false,
            waitingFor: try json.strings("waiting_for"),
            groups: groups,
            activeEvents: events,
            awards: awards,
            counters: counters
        )
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter(capacity: 512 + 256 * groups.count)
        json.field("ts", ts)
        json.field("site", site)
        json.field("policy", policy)
        json.field("seq", seq)
        if term > 0 { json.field("term", term) }
        json.field("controller", controller)
        json.field("target_mw", targetMW)
        json.field("measured_mw", measuredMW)
        json.field("price_usd_per_mwh", priceUSDPerMWh)
        json.field("price_interval_start", priceIntervalStart)
        json.field("price_age_seconds", priceAgeSeconds)
        json.field("price_status", priceStatus)
        json.field("price_revision", priceRevision)
        json.field("price_feed", priceFeed)
        json.field("day_ahead_usd_per_mwh", dayAheadUSDPerMWh)
        json.field("hashprice_usd_per_th_day", hashpriceUSDPerTHDay)
        json.field("cap_mw", capMW)
        json.field("constraints", constraints)
        json.field("rules", rules)
        json.field("frequency_hz", frequencyHz)
        json.field("under_frequency_tripped", underFrequencyTripped)
        json.field("eea", eea)
        json.field("cp_alert", cpAlert)
        json.field("waiting_for", waitingFor)
        json.field(
            "groups",
            groups.map { g in
                var o = JSONWriter(capacity: 256)
                o.field("name", g.name)
                o.field("target_kw", g.targetKW)
                o.field("measured_kw", g.measuredKW)
                o.field("miners_running", g.minersRunning)
                o.field("measured_miners_running", g.measuredMinersRunning)
                o.field("power_target_w", g.powerTargetW)
                o.field("break_even_usd_per_mwh", g.breakEvenUSDPerMWh)
                o.field("reason", g.reason)
                o.field("seq", g.seq)
                o.field("applied_seq", g.appliedSeq)
                return o
            }
        )
        json.field(
            "active_events",
            activeEvents.map { e in
                var o = JSONWriter(capacity: 384)
                o.field("id", e.id)
                o.field("program", e.program)
                o.field("start", e.start)
                o.field("end", e.end)
                o.field("target_mw", e.targetMW)
                o.field("baseline_mw", e.baselineMW)
                o.field("acknowledged_at", e.acknowledgedAt)
                o.field("reached_at", e.reachedAt)
                o.field("measured_mw_seconds", e.measuredMWSeconds)
                o.field("measured_seconds", e.measuredSeconds)
                o.field("whole_mw_seconds", e.wholeMWSeconds)
                o.field("whole_seconds", e.wholeSeconds)
                o.field("reached_mw_seconds", e.reachedMWSeconds)
                o.field("reached_seconds", e.reachedSeconds)
                return o
            }
        )
        if !awards.isEmpty { json.field("awards", awards.map { AwardPayload($0).writer() }) }
        var counters = JSONWriter(capacity: 128)
        counters.field("decisions", self.counters.decisions)
        counters.field("commands", self.counters.commands)
        counters.field("accepted", self.counters.accepted)
        counters.field("duplicates", self.counters.duplicates)
        counters.field("rejected", self.counters.rejected)
        json.field("counters", counters)
        return try json.finish(Self.payloadName)
    }
}
