import CurtailCore
import Testing

/// Two toy groups with round numbers: at a hash price of 0.072 USD/TH/day, k = 0.072·10⁶/24 = 3000,
/// so a 30 J/TH miner breaks even at 100 USD/MWh and a 20 J/TH miner at 150 USD/MWh (sleep 0 W).
enum Toy {
    static let hashPrice = 0.072
    static let a = MinerModel(id: "a", vendor: "t", name: "A", nominalHashrate: TerahashPerSecond(100), nominalPower: Watts(3000), sleepPower: .zero)
    static let b = MinerModel(id: "b", vendor: "t", name: "B", nominalHashrate: TerahashPerSecond(200), nominalPower: Watts(4000), sleepPower: .zero)

    static func site(maxImportMW: Double = 1, rampUp: Double? = nil, rampDown: Double? = nil, groups: [MinerGroup]? = nil) -> Site {
        Site(
            id: "toy",
            market: "ercot",
            node: "HB_WEST",
            timeZone: .usCentral,
            maxImport: Megawatts(maxImportMW),
            rampUpMWPerMinute: rampUp,
            rampDownMWPerMinute: rampDown,
            groups: groups ?? [MinerGroup(name: "a", model: a, count: 10), MinerGroup(name: "b", model: b, count: 10)]
        )
    }

    static func at(minutes: Double) -> Timestamp { Timestamp(secondsSinceEpoch: 1_700_000_000).adding(seconds: minutes * 60) }
}

/// Drives a dispatcher tick by tick.
struct Drive {
    var dispatcher: Dispatcher
    var decision: Decision
    var minute = 0.0

    init(_ site: Site, _ settings: DispatchSettings = DispatchSettings()) {
        dispatcher = Dispatcher(site: site, settings: settings)
        decision = Decision(groupCount: site.groups.count)
    }

    /// One tick `minutes` after the previous one, seeing a new price interval.
    @discardableResult
    mutating func tick(price: Double, after minutes: Double = 15, _ edit: (inout DispatchDirectives) -> Void = { _ in }) -> Decision {
        var directives = DispatchDirectives(price: price, hashPrice: Toy.hashPrice, groupCount: dispatcher.site.groups.count)
        edit(&directives)
        dispatcher.dispatch(directives, at: Toy.at(minutes: minute), newPriceInterval: true, into: &decision)
        minute += minutes
        return decision
    }

    var running: [Int] { decision.groups.map(\.minersRunning) }
    var kW: Double { (decision.sitePower.value * 1000 * 1e6).rounded() / 1e6 }
}

@Suite("Bid curve")
struct BidCurveTests {
    @Test("steps break even at hash price × ΔTH/ΔW, most valuable first")
    func meritOrder() {
        let curve = BidCurve(site: Toy.site())
        let priced = curve.priced(hashPrice: USDPerTerahashDay(Toy.hashPrice), poolFee: 0)
        #expect(priced.map { ($0.price.value * 1e6).rounded() / 1e6 } == [150, 100])
        #expect(priced.map(\.cumulative.value) == [0.04, 0.07])
    }

    @Test("on/off steps start from sleep power: incremental, not nameplate, J/TH")
    func sleepPowerCounts() throws {
        let model = try #require(MinerCatalog.model(named: "S19j Pro"))
        let site = Toy.site(groups: [MinerGroup(name: "j", model: model, count: 1)])
        let step = BidCurve(site: site).steps[0]
        // 104 TH/s for 3068 − 25 W: 0.05·10⁶/24 · 104/3043 = 71.20 USD/MWh (70.62 at nameplate J/TH).
        #expect(abs(step.breakEven(hashPrice: USDPerTerahashDay(0.05), poolFee: 0).value - 71.2019) < 1e-3)
    }

    @Test("profiles under the concave hull are never dispatched")
    func hull() {
        // (1000 W, 50 TH), (2000 W, 60 TH) lies under the chord to (3000 W, 100 TH): dropped.
        let curve = PowerCurve.points([
            PowerCurve.Point(power: Watts(1000), hashrate: TerahashPerSecond(50)),
            PowerCurve.Point(power: Watts(2000), hashrate: TerahashPerSecond(60)),
            PowerCurve.Point(power: Watts(3000), hashrate: TerahashPerSecond(100)),
        ])
        var model = Toy.a
        model.curve = curve
        let group = MinerGroup(name: "p", model: model, count: 1, firmware: .profiles([Watts(1000), Watts(2000), Watts(3000)]))
        let steps = BidCurve(site: Toy.site(groups: [group])).steps
        #expect(steps.map(\.toPower.value) == [1000, 3000])
        #expect(steps.map(\.terahashPerWatt) == [0.05, 0.025])
    }
}

@Suite("Dispatcher")
struct DispatcherTests {
    @Test("economics: each group runs while the price is below its break-even")
    func economics() {
        var drive = Drive(Toy.site())
        drive.tick(price: 90)
        #expect(drive.running == [10, 10] && drive.kW == 70)
        drive.tick(price: 120)
        #expect(drive.running == [0, 10] && drive.kW == 40)
        drive.tick(price: 160)
        #expect(drive.running == [0, 0] && drive.kW == 0)
        // Exactly at break-even the step is not worth its wear: off.
        drive.tick(price: 150)
        #expect(drive.running == [0, 0])
    }

    @Test("cap: least valuable load goes first, whole miners, never above the cap")
    func cap() {
        var drive = Drive(Toy.site())
        drive.tick(price: 50) { $0.capMW = 0.05 }
        // 70 kW wanted, cap 50: take 20 kW off A (3 kW miners) → 7 miners off, A keeps 3 (9 kW).
        #expect(drive.running == [3, 10] && drive.kW == 49)
        #expect(drive.decision.constraints.contains(.cap))
        #expect(drive.decision.groups[0].reason == .cap && drive.decision.groups[1].reason == .economic)
        // The site's own max import is a cap too.
        var small = Drive(Toy.site(maxImportMW: 0.03))
        small.tick(price: 50)
        #expect(small.running == [0, 7] && small.kW == 28)
    }

    @Test("floor: load is added in merit order; a cap below the floor wins")
    func floor() {
        var drive = Drive(Toy.site())
        drive.tick(price: 120) { $0.floorMW = 0.055 }
        #expect(drive.running == [5, 10] && drive.kW == 55)
        #expect(drive.decision.groups[0].reason == .floor)
        drive.tick(price: 120) {
            $0.floorMW = 0.055
            $0.capMW = 0.02
        }
        #expect(drive.kW <= 20 && drive.running == [0, 5])
    }

    @Test("ramp up: at most N MW per minute above the last decision, most valuable first")
    func rampUp() {
        var drive = Drive(Toy.site(rampUp: 0.01))
        drive.tick(price: 200, after: 1)  // all off
        drive.tick(price: 50, after: 1)  // allowed 10 kW
        #expect(drive.running == [0, 2] && drive.kW == 8)
        #expect(drive.decision.constraints.contains(.rampUp))
        drive.tick(price: 50, after: 1)  // allowed 10 kW + the 2 kW left unused: 20 kW over two minutes
        #expect(drive.running == [0, 5] && drive.kW == 20)
        for _ in 0..<10 { drive.tick(price: 50, after: 1) }
        #expect(drive.running == [10, 10])
    }

    @Test("ramp up with decisions every few seconds still takes a profile step larger than one tick's allowance")
    func rampUpCarriesCreditForIndivisibleSteps() {
        // 1,000 S19 XP on three profiles: each profile step moves 450-460 kW at once; the ramp
        // allows 2 MW/min, i.e. 167 kW per 5-second decision.
        let model = MinerCatalog.model(named: "antminer-s19-xp")!
        let group = MinerGroup(name: "xp", model: model, count: 1000, firmware: .profiles([Watts(2100), Watts(2550), Watts(3010)]))
        let site = Site(
            id: "t",
            market: "ercot",
            node: "HB_WEST",
            timeZone: .usCentral,
            maxImport: Megawatts(10),
            rampUpMWPerMinute: 2,
            groups: [group]
        )
        var dispatcher = Dispatcher(site: site, settings: DispatchSettings())
        var decision = Decision(groupCount: 1)
        var time = Timestamp(secondsSinceEpoch: 1_700_000_000)
        var directives = DispatchDirectives(price: 20, hashPrice: 0.06, groupCount: 1)
        directives.capMW = 2.2  // first decision: the 2,100 W profile only
        dispatcher.dispatch(directives, at: time, newPriceInterval: true, into: &decision)
        #expect(decision.groups[0].powerTarget == Watts(2100))
        directives.capMW = .infinity
        var seconds = 0
        while decision.groups[0].powerTarget != Watts(3010) && seconds < 120 {
            time = time.adding(seconds: 5)
            seconds += 5
            dispatcher.dispatch(directives, at: time, newPriceInterval: false, into: &decision)
        }
        #expect(decision.groups[0].powerTarget == Watts(3010))
        // Two steps of about 0.46 MW at 2 MW/min take about 28 s, never less.
        #expect((25...40).contains(seconds))
    }

    @Test("ramp down slows economic decreases but never a cap")
    func rampDown() {
        var drive = Drive(Toy.site(rampDown: 0.01))
        drive.tick(price: 50, after: 1)
        drive.tick(price: 200, after: 1)  // wants 0, may drop 10 kW: keeps B and 7 of A's miners (61 kW ≥ 60)
        #expect(drive.kW == 61 && drive.running == [7, 10] && drive.decision.constraints.contains(.rampDown))
        drive.tick(price: 200, after: 1) { $0.capMW = 0 }
        #expect(drive.kW == 0)
    }

    @Test("minimum off time keeps miners asleep")
    func dwell() {
        var drive = Drive(Toy.site(), DispatchSettings(minimumOffSeconds: 900))
        drive.tick(price: 90, after: 15)  // t0: on
        drive.tick(price: 120, after: 5)  // t15: A off
        drive.tick(price: 90, after: 10)  // t20: A wants on, off for 5 min < 15
        #expect(drive.running == [0, 10] && drive.decision.groups[0].reason == .dwell)
        drive.tick(price: 90)  // t30: 15 min elapsed
        #expect(drive.running == [10, 10])
    }

    @Test("minimum on time keeps miners running, except when forced off")
    func minimumOn() {
        var drive = Drive(Toy.site(), DispatchSettings(minimumOnSeconds: 1800))
        drive.tick(price: 200, after: 5)  // off
        drive.tick(price: 90, after: 5)  // t5 on
        drive.tick(price: 120, after: 5)  // t10: A wants off, on for 5 min < 30
        #expect(drive.running == [10, 10] && drive.decision.groups[0].reason == .dwell)
        drive.tick(price: 120) { $0.overrides[0] = .forceOff }
        #expect(drive.running == [0, 10])
    }

    @Test("N-interval confirmation: 2 intervals to curtail, 3 to resume")
    func confirmation() {
        var drive = Drive(Toy.site(), DispatchSettings(confirmIntervalsDown: 2, confirmIntervalsUp: 3))
        drive.tick(price: 90)
        drive.tick(price: 120)
        #expect(drive.running == [10, 10])
        #expect(drive.decision.groups[0].reason == .awaitingConfirmation && drive.decision.groups[0].confirmations == 1)
        #expect(drive.decision.groups[0].confirmationsNeeded == 2)
        drive.tick(price: 120)
        #expect(drive.running == [0, 10])
        drive.tick(price: 90)
        drive.tick(price: 90)
        #expect(drive.running == [0, 10])
        drive.tick(price: 90)
        #expect(drive.running == [10, 10])
        // An interrupted run starts over.
        drive.tick(price: 120)
        drive.tick(price: 90)
        drive.tick(price: 120)
        #expect(drive.running == [10, 10])
        // `immediate` skips confirmation.
        drive.tick(price: 130) { $0.immediate = true }
        #expect(drive.running == [0, 10])
    }

    @Test("price band: off above break-even + band, on below break-even − band")
    func band() {
        var drive = Drive(Toy.site(), DispatchSettings(priceBand: 10))
        drive.tick(price: 80)
        drive.tick(price: 105)
        #expect(drive.running == [10, 10])
        drive.tick(price: 111)
        #expect(drive.running == [0, 10])
        drive.tick(price: 95)
        #expect(drive.running == [0, 10])
        drive.tick(price: 89)
        #expect(drive.running == [10, 10])
    }

    @Test("strike override and offset replace or shift break-evens")
    func strike() {
        var drive = Drive(Toy.site())
        drive.tick(price: 120) { $0.strikeOverride = 130 }
        #expect(drive.running == [10, 10])
        drive.tick(price: 120) { $0.strikeOffset = 25 }  // A: 125 > 120 → on
        #expect(drive.running == [10, 10])
        drive.tick(price: 120) { $0.strikeOffset = -35 }  // B: 115 < 120 → off
        #expect(drive.running == [0, 0])
    }

    @Test("forced states and failsafes")
    func forced() {
        var drive = Drive(Toy.site())
        drive.tick(price: 200) { $0.overrides[0] = .forceOn }
        #expect(drive.running == [10, 0] && drive.decision.groups[0].reason == .forcedOn)
        drive.tick(price: 50) { $0.overrides[0] = .hold }
        #expect(drive.running == [10, 10] && drive.decision.groups[0].reason == .hold)
        drive.tick(price: 200) { $0.failsafe = .hold }
        #expect(drive.running == [10, 10] && drive.decision.groups[1].reason == .failsafeHold)
        drive.tick(price: 50) { $0.failsafe = .curtail }
        #expect(drive.running == [0, 0] && drive.decision.groups[1].reason == .failsafeCurtail)
        // No price: keep the state.
        drive.tick(price: 50)
        drive.tick(price: .nan)
        #expect(drive.running == [10, 10])
    }

    @Test("continuous firmware runs at the power where the next step stops paying")
    func partialPower() throws {
        let s21 = try #require(MinerCatalog.model(named: "S21"))
        let group = MinerGroup(name: "s21", model: s21, count: 100, firmware: .continuous(min: Watts(1925), max: Watts(3500)))
        let site = Toy.site(groups: [group])
        let k = Toy.hashPrice * 1e6 / 24
        for price in [60.0, 120, 150, 170] {
            var drive = Drive(site)
            drive.tick(price: price)
            let target = drive.decision.groups[0]
            let p = target.powerTarget.value
            if target.minersRunning == 0 {
                // The first step (sleep → 1925 W) does not pay.
                let h = try #require(s21.curve.hashrate(at: Watts(1925))).value
                #expect(k * (h - 0) / (1925 - 25) <= price)
                continue
            }
            // Levels are 1925 W, then every 175 W (5 % of nameplate) up to 3500 W. The step into P
            // pays; the next one does not (or P is the maximum).
            let at = try #require(s21.curve.hashrate(at: Watts(p))).value
            if p > 1925 + 1e-6 {
                let below = try #require(s21.curve.hashrate(at: Watts(p - 175))).value
                #expect(k * (at - below) / 175 > price)
            }
            if p < 3500 - 1e-6 {
                let next = try #require(s21.curve.hashrate(at: Watts(p + 175))).value
                #expect(k * (next - at) / 175 <= price)
            }
            #expect(target.minersRunning == 100)
            #expect(abs(target.groupPower.value - 100 * p) < 1e-6)
        }
    }

    @Test("a cap between levels of continuous firmware sets an intermediate power target")
    func capIntermediate() throws {
        let s21 = try #require(MinerCatalog.model(named: "S21"))
        let group = MinerGroup(name: "s21", model: s21, count: 100, firmware: .continuous(min: Watts(1925), max: Watts(3500)))
        var drive = Drive(Toy.site(maxImportMW: 0.3, groups: [group]))
        drive.tick(price: 10)
        #expect(drive.running == [100])
        #expect(abs(drive.decision.groups[0].powerTarget.value - 3000) < 1e-6)
        #expect(abs(drive.decision.sitePower.value - 0.3) < 1e-9)
    }
}
