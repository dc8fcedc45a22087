public import CurtailController
public import CurtailCore

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
    ) -> [Publication] {
        var out: [Publication] = []
        let start = scenario.start
        let end = scenario.end
        for interval in prices.intervals {
            let published = interval.start.adding(seconds: Double(interval.minutes) * 60)
            guard published >= start, published <= end else { continue }
            out.append(
                Publication(
                    at: published,
                    topic: topics.price,
                    payload:
                        "{\"interval_start\":\"\(interval.start.iso8601)\",\"interval_minutes\":\(interval.minutes),\"price_usd_per_mwh\":\(number(interval.price)),\"kind\":\"rt\"}",
                    retain: true
                )
            )
        }
        // The hash price feed publishes every hour (the day's value), so a late subscriber or a
        // broker that lost its retained messages has it again within the hour.
        var hour = start
        while hour < end {
            if let value = hashPrice(hour) {
                out.append(
                    Publication(
                        at: hour,
                        topic: topics.hashPrice,
                        payload: "{\"ts\":\"\(hour.iso8601)\",\"usd_per_th_day\":\(number(value))}",
                        retain: true
                    )
                )
            }
            hour = hour.adding(seconds: 3600)
        }
        var signals = scenario.schedule
        if let random = scenario.random { signals += randomSignals(random, scenario: scenario) }
        var excursions: [(from: Timestamp, to: Timestamp)] = []
        for item in signals where item.at >= start && item.at < end {
            switch item.signal {
            case .event(let event):
                let target: String
                switch event.target {
                case .maximum(let mw): target = "{\"max_mw\":\(number(mw.value))}"
                case .reduction(let mw): target = "{\"reduce_mw\":\(number(mw.value))}"
                }
                out.append(
                    Publication(
                        at: item.at,
                        topic: topics.events,
                        payload:
                            "{\"id\":\"\(event.id)\",\"program\":\"\(event.program)\",\"start\":\"\(event.start.iso8601)\",\"end\":\"\(event.end.iso8601)\",\"target\":\(target)}"
                    )
                )
            case .cancel(let id):
                out.append(Publication(at: item.at, topic: topics.events, payload: "{\"id\":\"\(id)\",\"status\":\"cancelled\"}"))
            case .cpAlert(let probability, let from, let to):
                out.append(
                    Publication(
                        at: item.at,
                        topic: topics.alerts,
                        payload: "{\"kind\":\"4cp\",\"probability\":\(number(probability)),\"start\":\"\(from.iso8601)\",\"end\":\"\(to.iso8601)\"}"
                    )
                )
            case .eea(let level):
                out.append(
                    Publication(at: item.at, topic: topics.alerts, payload: "{\"kind\":\"eea\",\"level\":\(level),\"ts\":\"\(item.at.iso8601)\"}")
                )
            case .frequency(let hz, let seconds):
                let to = item.at.adding(seconds: seconds)
                excursions.append((item.at, to))
                var t = item.at
                while t < to {
                    out.append(Publication(at: t, topic: topics.frequency, payload: "{\"ts\":\"\(t.iso8601)\",\"hz\":\(number(hz))}"))
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
                    out.append(
                        Publication(
                            at: t,
                            topic: topics.frequency,
                            payload: "{\"ts\":\"\(t.iso8601)\",\"hz\":\(number((hz * 1000).rounded() / 1000))}"
                        )
                    )
                }
                t = t.adding(seconds: scenario.frequencyInterval)
            }
            // After each excursion, nominal frequency again right away.
            for excursion in excursions where excursion.to < end {
                out.append(Publication(at: excursion.to, topic: topics.frequency, payload: "{\"ts\":\"\(excursion.to.iso8601)\",\"hz\":60.0}"))
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

    /// A JSON number.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
