import CurtailCore
import CurtailPolicy
import CurtailPolicyFiles
import Foundation
import Testing

/// The shipped policies on real ERCOT HB_WEST prices and real daily hash prices.
@Suite("Shipped policies on real prices")
struct ShippedPolicyTests {
    struct Run {
        var prices: [(time: Timestamp, price: Double)]
        var decisions: [Decision]
        var engine: PolicyEngine
    }

    /// Replays `[from, to)` (one decision per 15-minute price, each seen when its interval starts).
    static func run(
        _ policy: String,
        from: String,
        to: String,
        parameters: [String: Double] = [:],
        edit: (Timestamp, inout DecisionInput) -> Void = { _, _ in }
    ) throws -> Run {
        let loaded = try ConfigurationFiles.load(policyPath: TestData.path("Policies/\(policy).yaml"))
        var engine = try PolicyEngine(policy: loaded.policy, site: loaded.site.site, parameters: parameters)
        let prices = try TestData.prices(from: from, to: to)
        var hashPrices: [String: Double] = [:]
        var decisions: [Decision] = []
        for (time, price) in prices {
            let day = String(time.iso8601.prefix(10))
            if hashPrices[day] == nil { hashPrices[day] = try TestData.hashPrice(on: day) }
            var input = DecisionInput(
                time: time,
                realTimePrice: PriceObservation(intervalStart: time, price: USDPerMWh(price)),
                hashPrice: USDPerTerahashDay(hashPrices[day] ?? 0)
            )
            edit(time, &input)
            decisions.append(engine.decide(input))
        }
        return Run(prices: prices, decisions: decisions, engine: engine)
    }

    /// Levels each group should reach at `price`: its steps whose break-even (hash price of the
    /// decision, pool fee 2 %) is above the price. Computed from the bid curve, not the dispatcher.
    static func expectedLevels(_ engine: PolicyEngine, price: Double, hashPrice: Double) -> [Int] {
        let curve = engine.bidCurve
        return curve.groupSteps.map { range in
            range.filter { curve.steps[$0].breakEven(hashPrice: USDPerTerahashDay(hashPrice), poolFee: 0.02).value > price }.count
        }
    }

    @Test("breakeven: every group sits at the level its break-evens dictate, through a 2023 heat wave week")
    func breakeven() throws {
        let run = try Self.run("breakeven", from: "2023-08-20T05:00:00Z", to: "2023-08-27T05:00:00Z")
        var allOn = 0
        var allOff = 0
        var partial = 0
        for (index, decision) in run.decisions.enumerated() {
            let expected = Self.expectedLevels(run.engine, price: run.prices[index].price, hashPrice: decision.hashPrice.value)
            #expect(decision.groups.map(\.level) == expected, "\(run.prices[index])")
            if decision.groups.allSatisfy({ $0.minersRunning == 1000 }) { allOn += 1 }
            if decision.groups.allSatisfy({ $0.minersRunning == 0 }) { allOff += 1 }
            let s21 = decision.groups[2]
            if s21.minersRunning == 1000 && s21.powerTarget.value < 3500 { partial += 1 }
        }
        // The week had cheap nights and scarcity evenings (HB_WEST above 1,000 USD/MWh).
        #expect(allOn > 50 && allOff > 10 && partial > 10, "on \(allOn), off \(allOff), partial \(partial)")
    }

    @Test("dual-strike: emergency strike sleeps everything at once; normal strike waits 2 intervals, resumes after 4")
    func dualStrike() throws {
        let run = try Self.run("dual-strike", from: "2023-08-20T05:00:00Z", to: "2023-08-27T05:00:00Z")
        var emergencies = 0
        var ignoredSpikes = 0
        for index in run.decisions.indices {
            let price = run.prices[index].price
            let decision = run.decisions[index]
            if price >= 150 {
                emergencies += 1
                #expect(decision.sitePower.value < 0.08, "\(run.prices[index])")  // 3000 miners × 25 W asleep
                #expect(decision.firedRules == [0])
            }
            // The S19j Pro group (one on/off step): it only switches off after two intervals above its
            // break-even (or an emergency), and only back on after four below.
            guard index >= 4 else { continue }
            let group = { (i: Int) in run.decisions[i].groups[0].minersRunning }
            let be = { (i: Int) in run.engine.bidCurve.steps[0].breakEven(hashPrice: run.decisions[i].hashPrice, poolFee: 0.02).value }
            if group(index - 1) == 1000 && group(index) == 0 && price < 150 {
                #expect(run.prices[index - 1].price >= be(index - 1) && price >= be(index))
            }
            if group(index - 1) == 0 && group(index) == 1000 {
                #expect((index - 3...index).allSatisfy { run.prices[$0].price < be($0) })
            }
            if group(index - 1) == 1000 && price >= be(index) && price < 150 && run.prices[index - 1].price < be(index - 1) {
                ignoredSpikes += 1
                #expect(group(index) == 1000)
            }
        }
        #expect(emergencies > 0 && ignoredSpikes > 0, "emergencies \(emergencies), single-interval spikes ridden through \(ignoredSpikes)")
    }

    @Test("ercot-4cp-ers: asleep during every 2023 4CP interval, with no alert feed")
    func fourCP() throws {
        let text = try String(contentsOf: TestData.data.appending(path: "ercot_4cp_intervals.csv"), encoding: .utf8)
        let intervals = text.split(separator: "\n").filter { $0.hasPrefix("2023,") }.map { String($0.split(separator: ",")[2]) }
        #expect(intervals.count == 4)
        for interval in intervals {
            let start = try #require(Timestamp(iso8601: interval))
            let from = start.adding(seconds: -6 * 3600).iso8601
            let to = start.adding(seconds: 3600).iso8601
            let run = try Self.run("ercot-4cp-ers", from: from, to: to)
            let index = try #require(run.prices.firstIndex { $0.time == start })
            #expect(run.decisions[index].groups.allSatisfy { $0.minersRunning == 0 }, "\(interval)")
            #expect(run.decisions[index].firedRules.contains(5))  // 4cp-window
        }
    }

    @Test("ercot-4cp-ers: EEA2 of 2023-09-06 and an ERS-10 deployment")
    func eeaAndERS() throws {
        let eeaStart = try #require(Timestamp(iso8601: "2023-09-07T00:25:00Z"))
        let eeaEnd = try #require(Timestamp(iso8601: "2023-09-07T01:40:00Z"))
        let run = try Self.run("ercot-4cp-ers", from: "2023-09-06T22:00:00Z", to: "2023-09-07T04:00:00Z") { time, input in
            input.eeaLevel = time >= eeaStart && time < eeaEnd ? 2 : 0
        }
        var duringEEA = 0
        for (index, entry) in run.prices.enumerated() where entry.time >= eeaStart && entry.time < eeaEnd {
            duringEEA += 1
            #expect(run.decisions[index].groups.allSatisfy { $0.minersRunning == 0 })
        }
        #expect(duringEEA == 5, "five 15-minute decisions from 00:25 to 01:40 UTC")
        // ERS-10 on a cheap winter night: hold the site at or below 2 MW from 03:00 to 05:00 UTC.
        let ersStart = try #require(Timestamp(iso8601: "2023-01-10T03:00:00Z"))
        let event = GridEvent(id: "ERS-0110", program: "ERS-10", start: ersStart, end: ersStart.adding(seconds: 7200), target: .maximum(Megawatts(2)))
        let ers = try Self.run("ercot-4cp-ers", from: "2023-01-10T00:00:00Z", to: "2023-01-10T07:00:00Z") { _, input in
            input.events = [event]
        }
        var inside = 0
        for (index, entry) in ers.prices.enumerated() {
            if event.isActive(at: entry.time) {
                inside += 1
                #expect(ers.decisions[index].sitePower.value <= 2 + 1e-9)
                #expect(ers.decisions[index].constraints.contains(.cap))
            } else if entry.time < ersStart {
                #expect(ers.decisions[index].sitePower.value > 9)  // cheap night: everything runs
            }
        }
        #expect(inside == 8)
    }

    @Test("fixed-price-ppa: mining competes with resale at real time minus the resale fee")
    func ppa() throws {
        let ppa = try Self.run("fixed-price-ppa", from: "2023-08-20T05:00:00Z", to: "2023-08-27T05:00:00Z")
        var running = 0
        for (index, decision) in ppa.decisions.enumerated() where decision.groups[0].minersRunning == 1000 {
            running += 1
            let price = ppa.prices[index].price
            let be = ppa.engine.bidCurve.steps[0].breakEven(hashPrice: decision.hashPrice, poolFee: 0.02).value
            #expect(price - (price > 0 ? 2 : 0) < be)
        }
        #expect(
            running > 0 && running < ppa.decisions.count,
            "the week has both running and curtailed intervals: \(running) of \(ppa.decisions.count)"
        )
        // The decision price is the resale value: real time minus the fee whenever it is positive.
        for (index, decision) in ppa.decisions.enumerated() {
            let price = ppa.prices[index].price
            #expect(abs(decision.effectivePrice.value - (price > 0 ? price - 2 : price)) < 1e-9)
        }
        #expect(ppa.engine.policy.economics.contractPrice == 35)
    }
}
