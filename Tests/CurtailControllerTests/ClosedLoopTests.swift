import CurtailController
import CurtailCore
import CurtailWire
import GridSimulator
import Testing

/// The whole loop in process and on simulated time: the simulator's grid timeline and
/// miner-controller models around the controller's ``ControllerLoop``, no broker, no wall clock.
/// Deterministic, and a simulated day takes well under a second. (The same loop through a real
/// mosquitto, with broker restarts and the `curtail run` process, is in `EndToEndTests`.)
@Suite("Closed loop in process")
struct ClosedLoopTests {
    @Test("a price spike sheds the least efficient group first and restores every group after")
    func spike() throws {
        // 15-minute prices; break-even at 0.06 $/TH/day: S19j Pro 83, S19 XP 114, S21 140 $/MWh.
        let loop = try Loop(minutes: 150, speed: 900, prices: [30, 30, 95, 95, 5000, 5000, 95, 30, 30, 30, 30])
        let (observer, ledger) = try loop.runInProcess()
        func firstSleep(_ group: String) -> Timestamp? { observer.commands(group).first { $0.command.minersRunning == 0 }?.at }
        let s19 = try #require(firstSleep("s19jpro"))
        let s21 = try #require(firstSleep("s21"))
        #expect(s19 < s21, "the S19j Pro (least efficient) is shed before the S21")
        // At 95 $/MWh the S21 really keeps hashing while the S19j Pro sleeps (telemetry, not just commands).
        let during95 = loop.scenario.start.adding(seconds: 45 * 60)
        #expect(observer.telemetry("s19jpro").last { $0.at <= during95 }?.telemetry.minersRunning == 0)
        #expect((observer.telemetry("s21").last { $0.at <= during95 }?.telemetry.minersRunning ?? 0) > 0)
        // After the spike every group is back, hashing, on the latest command.
        for group in ["s19jpro", "s19xp", "s21"] {
            let (at, last) = try #require(observer.telemetry(group).last)
            #expect(last.minersRunning == 1000, "\(group) back after the spike")
            #expect(last.appliedSeq >= observer.lastCommand(group, before: at)?.seq ?? .max, "\(group) applied every command")
        }
        #expect(ledger.commandsMalformed == 0 && ledger.fallbacks == 0)
    }

    @Test("an ERS-10 deployment reaches its target well within 10 minutes, and the compliance report says so")
    func ersDeployment() throws {
        var loop = try Loop(minutes: 50, speed: 600, prices: Array(repeating: 30, count: 5))
        let start = loop.scenario.start
        loop.scenario.schedule = [
            .init(
                at: start.adding(seconds: 600),
                signal: .event(
                    GridEvent(
                        id: "ERS-T1",
                        program: "ERS-10",
                        start: start.adding(seconds: 600),
                        end: start.adding(seconds: 2400),
                        target: .maximum(Megawatts(0.5))
                    )
                )
            )
        ]
        let (observer, _) = try loop.runInProcess()
        let reports = observer.reports.filter { $0.id == "ERS-T1" }
        #expect(reports.first?.status == .acknowledged)
        let final = try #require(reports.last)
        #expect(final.status == .completed)
        #expect(final.met == true)
        #expect(try #require(final.secondsToTarget) < 120, "sleeping miners drop within seconds: far inside ERS-10's 600 s")
        #expect(try #require(final.performanceFactor) >= 0.99)
        #expect(try #require(final.achievedMW) <= 0.5 + 0.05)
        #expect(try #require(final.baselineMW) > 9)
    }

    @Test("a stale price feed triggers the policy's fallback, and the miners follow it")
    func stalePriceFeed() throws {
        // Prices stop after 30 minutes; this policy curtails after 20 minutes without one.
        let loop = try Loop(
            minutes: 70,
            speed: 600,
            prices: [30, 30, 30],
            policyYAML: """
                policy: curtail-when-blind
                economics: {price: rt, pool_fee: 0.02}
                failsafe: {stale_price_after: 20m, on_stale_price: curtail}
                rules: []
                """
        )
        let (observer, _) = try loop.runInProcess()
        let stale = try #require(observer.states.first { $0.constraints.contains("stale_price") })
        let staleAt = stale.ts
        // The last price (for 15:15-15:30) arrived at 15:30; stale from 15:50.
        #expect(staleAt >= loop.scenario.start.adding(seconds: 50 * 60))
        #expect(staleAt < loop.scenario.start.adding(seconds: 52 * 60))
        for group in ["s19jpro", "s19xp", "s21"] {
            let command = try #require(observer.commands(group).last?.command)
            #expect(command.minersRunning == 0 && command.reason.contains("price feed stale"))
            #expect(observer.telemetry(group).last?.telemetry.minersRunning == 0)
        }
    }

    @Test("a malformed price message is refused on 'rejected' and does not change the decision")
    func malformedPrice() throws {
        var loop = try Loop(minutes: 30, speed: 600, prices: [30, 30, 30])
        let start = loop.scenario.start
        loop.scenario.schedule = [
            .init(
                at: start.adding(seconds: 600),
                signal: .raw(
                    topic: loop.topics.price,
                    payload: "{\"interval_start\":\"\(start.iso8601)\",\"interval_minutes\":15,\"price_usd_per_mwh\":\"9999\"}"
                )
            ),
            .init(at: start.adding(seconds: 660), signal: .raw(topic: loop.topics.price, payload: "{\"price\": 5000")),
        ]
        let (observer, _) = try loop.runInProcess()
        let kinds = observer.rejections.map(\.kind)
        #expect(kinds == [.wrongType, .malformed])
        #expect(observer.rejections.first?.reason.contains("price_usd_per_mwh") == true)
        for group in ["s19jpro", "s19xp", "s21"] {
            let running = Set(observer.commands(group).map { $0.command.minersRunning })
            #expect(running == [1000], "\(group): every command says run")
        }
        #expect(observer.states.last?.counters.rejected.values.reduce(0, +) == 2)
    }
}
