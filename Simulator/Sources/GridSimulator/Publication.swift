public import CurtailController
public import CurtailCore
public import CurtailWire

/// One message the simulator publishes at a simulated time.
public struct Publication: Sendable, Hashable {
    public var at: Timestamp
    public var topic: String
    public var payload: String
    public var retain: Bool

    public init(at: Timestamp, topic: String, payload: String, retain: Bool = false) {
        self.at = at
        self.topic = topic
        self.payload = payload
        self.retain = retain
    }

    /// A contract payload, encoded through the wire types.
    public init(at: Timestamp, topic: String, encoding payload: some WirePayload, retain: Bool = false) throws(WireError) {
        self.init(at: at, topic: topic, payload: String(decoding: try payload.encode(), as: UTF8.self), retain: retain)
    }
}

/// Builds the grid side of a run ahead of time: prices, hash prices, events, alerts and
/// frequency, in time order. Deterministic under the scenario's seed.
public enum Timeline: Sendable {
    /// Every grid publication of `scenario`.
    ///
    /// Real-time prices are published when their interval ends (as a settlement price is), so a
    /// decision never sees the price of the interval it is in. The hash price (the UTC day's) is
    /// published at the start and every hour.
    public static func build(
        scenario: Scenario,
        prices: PriceFeed,
        hashPrice: (Timestamp) -> Double?,
        topics: ControllerTopics
    ) throws(WireError) -> [Publication] {
        var out: [Publication] = []
        let start = scenario.start
        let end = scenario.end
        for interval in prices.intervals {
            let published = interval.start.adding(seconds: Double(interval.minutes) * 60)
            guard published >= start, published <= end else { continue }
            let price = PricePayload(intervalStart: interval.start, intervalMinutes: interval.minutes, priceUSDPerMWh: interval.price)
            out.append(try Publication(at: published, topic: topics.price, encoding: price, retain: true))
        }
        // The hash price feed publishes every hour (the day's value), so a late subscriber or a
        // broker that lost its retained messages has it again within the hour.
        var hour = start
        while hour < end {
            if let value = hashPrice(hour) {
                out.append(try Publication(at: hour, topic: topics.hashPrice, encoding: HashPricePayload(ts: hour, usdPerTHDay: value), retain: true))
            }
            hour = hour.adding(seconds: 3600)
        }
        var signals = scenario.schedule
        if let random = scenario.random { signals += randomSignals(random, scenario: scenario) }
        var excursions: [(from: Timestamp, to: Timestamp)] = []
        for item in signals where item.at >= start && item.at < end {
            switch item.signal {
            case .event(let event):
                out.append(try Publication(at: item.at, topic: topics.events, encoding: EventPayload(event)))
            case .cancel(let id):
                out.append(try Publication(at: item.at, topic: topics.events, encoding: EventCancellation(id: id)))
            case .cpAlert(let probability, let from, let to):
                let alert = GridAlert(kind: .fourCP, probability: probability, start: from, end: to)
                out.append(try Publication(at: item.at, topic: topics.alerts, encoding: AlertPayload.fourCP(alert)))
            case .award(let award):
                out.append(try Publication(at: item.at, topic: topics.awards, encoding: AwardPayload(award)))
            case .eea(let level):
                out.append(try Publication(at: item.at, topic: topics.alerts, encoding: AlertPayload.eea(level: level, at: item.at)))
            case .frequency(let hz, let seconds):
                let to = item.at.adding(seconds: seconds)
                excursions.append((item.at, to))
                var t = item.at
                while t < to {
                    out.append(try Publication(at: t, topic: topics.frequency, encoding: FrequencyPayload(ts: t, hz: hz)))
                    t = t.adding(seconds: 2)
                }
            case .raw(let topic, let payload):
                out.append(Publication(at: item.at, topic: topic, payload: payload))
            }
        }
        if scenario.frequencyInterval > 0 {
            var random = SeededGenerator(seed: scenario.seed &+ 0x4652_4551)
            var t = start
            while t < end {
                if !excursions.contains(where: { $0.from <= t && t < $0.to.adding(seconds: 1) }) {
                    let hz = 60 + 0.015 * random.normal()
                    out.append(try Publication(at: t, topic: topics.frequency, encoding: FrequencyPayload(ts: t, hz: (hz * 1000).rounded() / 1000)))
                }
                t = t.adding(seconds: scenario.frequencyInterval)
            }
            // After each excursion, nominal frequency again right away.
            for excursion in excursions where excursion.to < end {
                out.append(try Publication(at: excursion.to, topic: topics.frequency, encoding: FrequencyPayload(ts: excursion.to, hz: 60)))
            }
        }
        // Stable order: by time, then by kind as listed (prices before events at the same instant).
        return out.enumerated().sorted { a, b in a.element.at != b.element.at ? a.element.at < b.element.at : a.offset < b.offset }.map(\.element)
    }

    /// Random deployments and under-frequency excursions, drawn hour by hour.
    static func randomSignals(_ random: Scenario.RandomEvents, scenario: Scenario) -> [Scenario.ScheduledSignal] {
        var generator = SeededGenerator(seed: scenario.seed &+ 0x5241_4E44)
        var out: [Scenario.ScheduledSignal] = []
        var hour = scenario.start
        var n = 0
        while hour < scenario.end {
            if generator.unit() < random.eventsPerDay / 24 {
                n += 1
                let at = hour.adding(seconds: (generator.unit() * 3600).rounded())
                let start = at.adding(seconds: random.noticeSeconds)
                let event = GridEvent(
                    id: "RND-\(n)",
                    program: random.program,
                    start: start,
                    end: start.adding(seconds: random.eventSeconds),
                    target: .maximum(Megawatts(random.eventMaxMW))
                )
                out.append(.init(at: at, signal: .event(event)))
            }
            if generator.unit() < random.underFrequencyPerDay / 24 {
                let at = hour.adding(seconds: (generator.unit() * 3600).rounded())
                out.append(.init(at: at, signal: .frequency(hz: random.underFrequencyHz, seconds: random.underFrequencySeconds)))
            }
            hour = hour.adding(seconds: 3600)
        }
        return out
    }

}
