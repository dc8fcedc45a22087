import CurtailCore
import CurtailPolicy
import CurtailPolicyFiles
import Testing

/// A two-group toy site: at hash price 0.072 USD/TH/day group `a` (30 J/TH) breaks even at 100
/// USD/MWh and `b` (20 J/TH) at 150 (sleep 0 W); 10 miners each, 30 kW and 40 kW.
enum ToySite {
    static let site: Site = {
        let a = MinerModel(id: "a", vendor: "t", name: "A", nominalHashrate: TerahashPerSecond(100), nominalPower: Watts(3000), sleepPower: .zero)
        let b = MinerModel(id: "b", vendor: "t", name: "B", nominalHashrate: TerahashPerSecond(200), nominalPower: Watts(4000), sleepPower: .zero)
        return Site(
            id: "toy",
            market: "ercot",
            node: "HB_WEST",
            timeZone: .usCentral,
            maxImport: Megawatts(1),
            groups: [MinerGroup(name: "a", model: a, count: 10), MinerGroup(name: "b", model: b, count: 10)]
        )
    }()

    static func engine(_ yaml: String, parameters: [String: Double] = [:]) throws -> PolicyEngine {
        try PolicyEngine(policy: try PolicyFile.parse("policy: t\n" + yaml, file: "t.yaml"), site: site, parameters: parameters)
    }

    static let start = Timestamp(iso8601: "2023-07-31T21:00:00Z")!  // 16:00 Monday in Central time

    static func input(_ price: Double, minute: Double = 0, _ edit: (inout DecisionInput) -> Void = { _ in }) -> DecisionInput {
        let time = start.adding(seconds: minute * 60)
        var input = DecisionInput(
            time: time,
            realTimePrice: PriceObservation(intervalStart: time, price: USDPerMWh(price)),
            hashPrice: USDPerTerahashDay(0.072)
        )
        edit(&input)
        return input
    }
}

extension Decision {
    var running: [Int] { groups.map(\.minersRunning) }
    var kW: Double { (sitePower.value * 1e9).rounded() / 1e6 }
}

@Suite("Policy engine actions")
struct PolicyEngineTests {
    @Test("no rules: break-even economics")
    func plain() throws {
        var engine = try ToySite.engine("rules: []")
        #expect(engine.decide(ToySite.input(120)).running == [0, 10])
        #expect(engine.decide(ToySite.input(90, minute: 15)).running == [10, 10])
    }

    @Test("cap_site_mw: the tightest cap of the fired rules")
    func cap() throws {
        var engine = try ToySite.engine(
            """
            rules:
              - {name: loose, priority: 2, when: "true", then: {cap_site_mw: 0.06}}
              - {name: tight, priority: 1, when: "price < 100", then: {cap_site_mw: 50 kW}}
            """
        )
        let decision = engine.decide(ToySite.input(50))
        #expect(decision.kW == 49 && decision.firedRules == [0, 1] && decision.cap.value == 0.05)
    }

    @Test("floor_site_mw")
    func floor() throws {
        var engine = try ToySite.engine("rules:\n  - {name: f, when: \"true\", then: {floor_site_mw: 0.055}}")
        #expect(engine.decide(ToySite.input(120)).running == [5, 10])
    }

    @Test("price overrides (highest priority wins) and price offsets (summed)")
    func price() throws {
        var engine = try ToySite.engine(
            """
            rules:
              - {name: high, priority: 9, when: "true", then: {price: 160}}
              - {name: low, priority: 1, when: "true", then: {price: 10}}
            """
        )
        #expect(engine.decide(ToySite.input(50)).running == [0, 0])
        var offsets = try ToySite.engine(
            """
            rules:
              - {name: one, when: "true", then: {price_offset: 15}}
              - {name: two, when: "true", then: {price_offset: 10}}
            """
        )
        let decision = offsets.decide(ToySite.input(80))
        #expect(decision.running == [0, 10] && decision.effectivePrice.value == 105)
    }

    @Test("strike and strike_offset")
    func strike() throws {
        var fixed = try ToySite.engine("rules:\n  - {name: s, when: \"true\", then: {strike: 130}}")
        #expect(fixed.decide(ToySite.input(120)).running == [10, 10])
        var shifted = try ToySite.engine("rules:\n  - {name: s, when: \"true\", then: {strike_offset: -35}}")
        #expect(shifted.decide(ToySite.input(120)).running == [0, 0])
    }

    @Test("force_on, force_off and hold; the highest-priority rule claims a group")
    func forced() throws {
        var engine = try ToySite.engine(
            """
            rules:
              - {name: on-a, priority: 3, when: "price > 140", then: {force_on: a}}
              - {name: off-all, priority: 2, when: "price > 140", then: {force_off: all}}
              - {name: hold-b, priority: 1, when: "price < 20", then: {hold: [b]}}
            """
        )
        #expect(engine.decide(ToySite.input(200)).running == [10, 0])
        let held = engine.decide(ToySite.input(10, minute: 15))
        #expect(held.running == [10, 0] && held.groups[1].reason == .hold)
    }

    @Test("immediate skips confirmation; final stops lower rules")
    func immediateAndFinal() throws {
        var engine = try ToySite.engine(
            """
            hysteresis: {curtail_after_intervals: 3}
            rules:
              - {name: now, priority: 2, when: "price > 110", then: {immediate: true}, final: true}
              - {name: never, priority: 1, when: "true", then: {cap_site_mw: 0}}
            """
        )
        _ = engine.decide(ToySite.input(90))
        let decision = engine.decide(ToySite.input(120, minute: 15))
        #expect(decision.running == [0, 10] && decision.firedRules == [0])
    }

    @Test("rules see market-local time, windows of past prices, events, alerts, EEA and frequency")
    func variables() throws {
        var engine = try ToySite.engine(
            """
            rules:
              - {name: peak-hour, when: "hour == 16 and weekday == mon and month == 7", then: {cap_site_mw: 0.06}}
              - {name: spike, when: "price > 2 * avg(price, 1h)", then: {cap_site_mw: 0.05}}
              - {name: ers, when: "event_active(\\"ERS-10\\")", then: {cap_site_mw: event_cap_mw}}
              - {name: cp, when: "cp_alert and cp_probability > 0.5", then: {cap_site_mw: 0.03}}
              - {name: eea, when: "eea >= 2", then: {cap_site_mw: 0.02}}
              - {name: ufr, when: "frequency < 59.7 Hz", then: {cap_site_mw: 0.01}}
            """
        )
        var d = engine.decide(ToySite.input(10))
        #expect(d.firedRules == [0] && d.cap.value == 0.06)
        d = engine.decide(ToySite.input(10, minute: 15))
        d = engine.decide(ToySite.input(10, minute: 30))
        d = engine.decide(ToySite.input(40, minute: 45))  // 40 > 2 · avg(10, 10, 10, 40) = 35
        #expect(d.firedRules == [0, 1])
        let t = ToySite.start
        d = engine.decide(
            ToySite.input(10, minute: 60) {
                $0.events = [GridEvent(id: "E1", program: "ERS-10", start: t, end: t.adding(seconds: 7200), target: .reduction(Megawatts(0.02)))]
            }
        )
        // 17:00 now: the peak-hour rule no longer fires. Baseline = the last decision (49 kW under
        // the spike cap); reduce 20 kW → cap 29 kW.
        #expect(d.firedRules == [2] && abs(d.cap.value - 0.029) < 1e-12 && d.kW <= 29)
        d = engine.decide(
            ToySite.input(10, minute: 75) {
                $0.alerts = [GridAlert(kind: .fourCP, probability: 0.8, start: t, end: t.adding(seconds: 7200))]
                $0.eeaLevel = 2
                $0.frequency = 59.6
            }
        )
        #expect(d.firedRules == [3, 4, 5] && d.cap.value == 0.01)
    }

    @Test("failsafes: stale price and lost broker")
    func failsafe() throws {
        var engine = try ToySite.engine(
            """
            failsafe: {stale_price_after: 10m, on_stale_price: hold, broker_lost_after: 30s, on_broker_lost: curtail}
            rules: []
            """
        )
        _ = engine.decide(ToySite.input(90))
        var d = engine.decide(
            ToySite.input(90, minute: 11) { $0.realTimePrice?.publishedAt = ToySite.start }
        )
        #expect(d.constraints.contains(.stalePrice))
        #expect(d.running == [10, 10] && d.groups[0].reason == .failsafeHold)
        d = engine.decide(ToySite.input(90, minute: 20) { $0.brokerLostSince = ToySite.start.adding(seconds: 20 * 60 - 31) })
        #expect(d.constraints.contains(.brokerLost) && d.running == [0, 0])
        d = engine.decide(ToySite.input(90, minute: 30) { $0.realTimePrice = nil })
        #expect(d.constraints.contains(.stalePrice) && d.running == [0, 0])
    }

    @Test("parameters: defaults, overrides, ranges, and settings that refer to them")
    func parameters() throws {
        let yaml = """
            parameters:
              strike: {default: 130, min: 50, max: 200, unit: $/MWh}
              after: {default: 2, min: 1, max: 5, integer: true}
            hysteresis: {curtail_after_intervals: after}
            rules:
              - {name: s, when: "true", then: {strike: strike}}
            """
        var engine = try ToySite.engine(yaml)
        #expect(engine.dispatchSettings.confirmIntervalsDown == 2)
        #expect(engine.decide(ToySite.input(120)).running == [10, 10])
        try engine.set(parameter: "strike", to: 110)
        try engine.set(parameter: "after", to: 1)
        #expect(engine.decide(ToySite.input(120, minute: 15)).running == [0, 0])
        #expect(throws: PolicyError.self) { try engine.set(parameter: "strike", to: 500) }
        #expect(throws: PolicyError.self) { try engine.set(parameter: "nope", to: 1) }
        #expect(throws: PolicyError.self) { try ToySite.engine(yaml, parameters: ["after": 9]) }
    }

    @Test("a rule naming a group the site lacks cannot bind")
    func unknownGroup() throws {
        #expect(throws: PolicyError.self) { try ToySite.engine("rules:\n  - {name: x, when: \"true\", then: {force_off: [zz]}}") }
    }
}
