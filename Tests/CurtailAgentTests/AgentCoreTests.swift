import CurtailAgent
import CurtailCore
import CurtailMiners
import CurtailPolicyFiles
import CurtailWire
import Testing

/// The agent's decisions on an injected clock: no sockets, no sleeps.
@Suite("Agent core: which miners run, stagger, read-back, expiry")
struct AgentCoreTests {
    let t0 = Timestamp(iso8601: "2026-07-01T12:00:00Z")!
    let mining = MinerReading(mode: .mining, powerW: 3010, hashrateTH: 140, powerTargetW: 3010)
    let asleep = MinerReading(mode: .sleeping, powerW: 25, hashrateTH: 0)

    /// Four S19 XPs on LuxOS in group s19xp; `models` overrides some miners' model.
    func core(count: Int = 4, models: [Int: String] = [:], settings: SiteConfiguration.AgentSettings = .init()) -> AgentCore {
        var inventory = FleetHarness.inventory(net: 90, [(.luxos, "s19xp", count)])
        for (i, id) in models { inventory.miners[i].model = MinerCatalog.model(named: id)! }
        return AgentCore(inventory: inventory, site: FleetHarness.site, settings: settings)
    }

    func command(seq: Int64, term: Int64 = 1, running: Int, power: Double = 3010, expires: Double = 600) -> CommandPayload {
        CommandPayload(
            seq: seq,
            term: term,
            issuedAt: t0,
            expiresAt: t0.adding(seconds: expires),
            minersRunning: running,
            powerTargetW: power,
            targetKW: Double(running) * power / 1000,
            reason: "test"
        )
    }

    func operations(_ actions: [AgentCore.Action]) -> [(Int, MinerOperation)] {
        actions.compactMap { if case .perform(let miner, let operation) = $0 { (miner, operation) } else { nil } }
    }

    /// Answers every read in `actions` with `reading(miner)`; returns what followed.
    func answerReads(_ core: inout AgentCore, _ actions: [AgentCore.Action], at now: Timestamp, _ reading: (Int) -> MinerReading) -> [AgentCore
        .Action]
    {
        for (miner, operation) in operations(actions) where operation == .read {
            core.completed(miner: miner, operation: .read, result: .success(reading(miner)), at: now)
        }
        return core.tick(at: now)
    }

    @Test("nothing is planned before every miner of the group was read; a restart over running miners wakes none")
    func readsFirst() {
        var core = core()
        let first = core.receive(command: command(seq: 1, running: 4), group: "s19xp", at: t0)
        #expect(operations(first).map(\.1) == [.read, .read, .read, .read], "only reads until each miner answered")
        let after = answerReads(&core, first, at: t0) { _ in mining }
        #expect(operations(after).isEmpty, "all four already run: nothing to wake")
        #expect(operations(core.tick(at: t0.adding(seconds: 1))).isEmpty)
    }

    @Test("fewer miners: the least efficient sleep first, at once")
    func leastEfficientSleeps() {
        // Miners 1 and 3 are S19j Pros (29.5 J/TH) among S19 XPs (21.5 J/TH).
        var core = core(models: [1: "antminer-s19j-pro", 3: "antminer-s19j-pro"])
        _ = answerReads(&core, core.tick(at: t0), at: t0) { _ in mining }
        let actions = core.receive(command: command(seq: 2, running: 2), group: "s19xp", at: t0)
        #expect(Set(operations(actions).filter { $0.1 == .sleep }.map(\.0)) == [1, 3])
    }

    @Test("wakes go through the stagger: at most N per second, per feeder")
    func stagger() {
        var settings = SiteConfiguration.AgentSettings()
        settings.wakeMinersPerSecond = 1
        var core = core(count: 4, settings: settings)
        _ = answerReads(&core, core.tick(at: t0), at: t0) { _ in asleep }
        var wakes: [(Double, Int)] = []
        var now = t0
        var actions = core.receive(command: command(seq: 1, running: 4), group: "s19xp", at: now)
        for step in 0...40 {
            for (miner, operation) in operations(actions) where operation == .wake {
                wakes.append((now.seconds(since: t0), miner))
                core.completed(miner: miner, operation: .wake, result: .success(nil), at: now)
            }
            now = t0.adding(seconds: Double(step + 1) * 0.25)
            actions = core.tick(at: now)
        }
        #expect(wakes.count == 4)
        let times = wakes.map(\.0)
        for (a, b) in zip(times, times.dropFirst()) { #expect(b - a >= 0.99, "one wake a second: \(times)") }
    }

    @Test("a miner that says OK and does not sleep is retried, marked 'mismatch' and replaced by another of its group")
    func liarReplaced() {
        var core = core()
        core.retryLimit = 2
        _ = answerReads(&core, core.tick(at: t0), at: t0) { _ in mining }
        var actions = core.receive(command: command(seq: 1, running: 3), group: "s19xp", at: t0)
        let first = operations(actions).first { $0.1 == .sleep }!.0
        var now = t0
        var slept: [Int] = []
        for step in 1...400 {
            for (miner, operation) in operations(actions) {
                switch operation {
                case .sleep:
                    slept.append(miner)
                    core.completed(miner: miner, operation: .sleep, result: .success(nil), at: now)
                case .read:
                    // The liar keeps mining; everyone else does what they are told.
                    let reading = miner == first || !slept.contains(miner) ? mining : asleep
                    core.completed(miner: miner, operation: .read, result: .success(reading), at: now)
                default:
                    core.completed(miner: miner, operation: operation, result: .success(nil), at: now)
                }
            }
            now = t0.adding(seconds: Double(step))
            actions = core.tick(at: now)
        }
        #expect(core.miners[first].state == .mismatch, "\(core.miners[first])")
        #expect(core.miners[first].lastError?.contains("did not apply") == true)
        #expect(slept.filter { $0 == first }.count >= 3, "retried, then tried again now and then: \(slept)")
        let substitute = Set(slept).subtracting([first])
        #expect(substitute.count == 1, "one other miner slept in its place: \(slept)")
        #expect(core.counts(of: "s19xp")[.ok] == 3)
    }

    @Test("an older term's command is ignored; expiry with nothing fresh sends the group to its safe state")
    func fencingAndExpiry() {
        var core = core()
        _ = answerReads(&core, core.tick(at: t0), at: t0) { _ in mining }
        _ = core.receive(command: command(seq: 10, term: 3, running: 4, expires: 60), group: "s19xp", at: t0)
        let stale = core.receive(command: command(seq: 11, term: 2, running: 0), group: "s19xp", at: t0)
        #expect(operations(stale).filter { $0.1 == .sleep }.isEmpty, "a deposed controller's command changes nothing")
        #expect(core.command(of: "s19xp")?.seq == 10)
        let expired = core.tick(at: t0.adding(seconds: 61))
        #expect(operations(expired).filter { $0.1 == .sleep }.count == 4, "safe state: all asleep")
        #expect(expired.contains { if case .note(let text) = $0 { text.contains("safe state") } else { false } })
    }

    @Test("telemetry reports what the miners report, with the command's seq and term")
    func telemetry() {
        var core = core()
        _ = answerReads(&core, core.tick(at: t0), at: t0) { $0 < 2 ? mining : asleep }
        // One report per instant: the one for the new command comes at the next.
        let actions = core.receive(command: command(seq: 7, term: 2, running: 2), group: "s19xp", at: t0.adding(seconds: 1))
        let telemetry = actions.compactMap { if case .publishTelemetry(_, let t) = $0 { t } else { nil } }.last
        #expect(telemetry?.minersRunning == 2)
        #expect(telemetry?.appliedSeq == 7)
        #expect(telemetry?.appliedTerm == 2)
        #expect(telemetry.map { abs($0.powerKW - (2 * 3.010 + 2 * 0.025)) < 1e-9 } == true)
        #expect(telemetry.map { abs($0.hashrateTH - 280) < 1e-9 } == true)
    }
}

@Suite("Wake stagger")
struct WakeStaggerTests {
    @Test("per feeder: each feeder has its own budget of N miners a second")
    func perFeeder() {
        var stagger = WakeStagger(minersPerSecond: 1, kWPerSecond: nil)
        var taken: [Bool] = []
        for (feeder, t) in [("F1", 0.0), ("F1", 0.5), ("F2", 0.5), ("F1", 1.0), ("F2", 1.0), ("F2", 1.5)] {
            taken.append(stagger.take(feeder: feeder, kW: 3, at: t))
        }
        // F1 waits a second after its first wake; F2 has its own budget.
        #expect(taken == [true, false, true, true, false, true])
    }

    @Test("kW per second: 6 kW/s lets a 3 kW miner start every half second, whatever the miner rate")
    func kilowatts() {
        var stagger = WakeStagger(minersPerSecond: 100, kWPerSecond: 6)
        var starts: [Double] = []
        for step in 0...40 {
            let t = Double(step) * 0.05
            while stagger.take(feeder: "", kW: 3, at: t) { starts.append(t) }
        }
        #expect(starts.count == 5, "\(starts)")
        for (a, b) in zip(starts, starts.dropFirst()) { #expect(b - a >= 0.499, "\(starts)") }
    }

    @Test("no burst after a quiet spell: at most the rate plus 4 % in any second")
    func noBurst() {
        var stagger = WakeStagger(minersPerSecond: 100, kWPerSecond: nil)
        var starts: [Double] = []
        for step in 0...200 {  // 20 ms ticks for 4 s, after an idle minute
            let t = 60 + Double(step) * 0.02
            while stagger.take(feeder: "", kW: 3, at: t) { starts.append(t) }
        }
        var busiest = 0
        var lo = 0
        for hi in starts.indices {
            while starts[hi] - starts[lo] >= 1 { lo += 1 }
            busiest = max(busiest, hi - lo + 1)
        }
        #expect(busiest <= 104, "\(busiest) in one second")
        #expect(starts.count >= 396, "the rate is kept: \(starts.count) in 4 s")
    }
}
