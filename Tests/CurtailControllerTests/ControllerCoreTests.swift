import CurtailController
import CurtailCore
import CurtailWire
import Testing

/// The controller's logic without a broker: every input through ``ControllerCore``.
@Suite("ControllerCore")
struct ControllerCoreTests {
    /// A harness that has decided once at 30 $/MWh (everything running).
    static func running() throws -> CoreHarness {
        var h = try CoreHarness()
        h.hashPrice()
        h.price(30)
        return h
    }

    @Test("no command before a price and a hash price; then one retained, expiring command per group")
    func firstCommands() throws {
        var h = try CoreHarness()
        #expect(h.hashPrice().messages.allSatisfy { !$0.topic.hasSuffix("/command") })
        #expect(h.core.missingInputs == ["real-time price"])
        let step = h.price(30)
        let commands = h.commands(in: step)
        #expect(Set(commands.keys) == Set(h.groupNames))
        for message in step.messages where message.topic.hasSuffix("/command") {
            #expect(message.retain && message.expiry == .seconds(180))
        }
        let s19 = try #require(commands["s19jpro"])
        #expect(s19.minersRunning == 1000 && s19.powerTargetW == 3068)
        #expect(s19.expiresAt == h.now.adding(seconds: 180))
        #expect(s19.reason.contains("below break-even"))
        #expect(Set(commands.values.map(\.seq)).count == 3, "every command has its own seq")
        // The retained state follows the changed commands within a second (not with each signal).
        let later = h.tick(after: 1)
        #expect(later.messages.contains { $0.topic == h.topics.state && $0.retain })
    }

    @Test("a command payload is valid JSON whatever its reason says, and reads back")
    func commandPayload() throws {
        let time = Timestamp(iso8601: "2023-09-06T15:00:00Z")!
        let command = CommandPayload(
            seq: 42,
            issuedAt: time,
            expiresAt: time.adding(seconds: 180),
            minersRunning: 12,
            powerTargetW: 2550.04,
            targetKW: 30.61,
            reason: "rule \"4cp\" \\ fired\nnext line\u{1}"
        )
        let view = try CommandPayload(decoding: command.encode())
        #expect(view.seq == 42 && view.minersRunning == 12 && view.powerTargetW == 2550 && view.targetKW == 30.6)
        #expect(view.reason == command.reason)
        #expect(view.issuedAt.iso8601 == "2023-09-06T15:00:00Z" && view.expiresAt.iso8601 == "2023-09-06T15:03:00Z")
    }

    @Test("a price spike sheds the least efficient group first and restores it after")
    func spike() throws {
        var h = try Self.running()
        #expect(h.running == [1000, 1000, 1000])
        // Break-even at 0.06 $/TH/day and 2% pool fee: S19j Pro 83, S19 XP 114, S21 140 $/MWh.
        let shed = h.commands(in: h.price(95, after: 900))
        #expect(shed["s19jpro"]?.minersRunning == 0)
        #expect(shed["s19jpro"]?.reason.contains("above break-even") == true)
        #expect(h.running[2] == 1000, "the S21 keeps running at 95 $/MWh")
        h.price(5000, after: 900)
        #expect(h.running == [0, 0, 0])
        h.price(30, after: 900)
        #expect(h.running == [1000, 1000, 1000])
    }

    @Test("duplicates are ignored and older prices refused; neither changes a decision")
    func duplicatesAndOrder() throws {
        var h = try Self.running()
        let before = h.core.commands
        let interval = Timestamp(millisecondsSinceEpoch: (h.now.millisecondsSinceEpoch / 900_000 - 1) * 900_000)
        let duplicate = h.send(h.topics.price, PricePayload(intervalStart: interval, intervalMinutes: 15, priceUSDPerMWh: 30))
        #expect(duplicate.messages.isEmpty && h.core.counters.duplicates == 1)
        let old = h.send(h.topics.price, PricePayload(intervalStart: interval.adding(seconds: -900), intervalMinutes: 15, priceUSDPerMWh: 9000))
        #expect(old.rejections.first?.rejection.kind == .outOfOrder)
        #expect(old.messages.map(\.topic) == [h.topics.rejected])
        #expect(h.core.commands == before)
    }

    /// Bad inputs of every kind: refused with a reason, counted, published on `rejected`, no decision change.
    @Test(
        "bad input is refused with a reason and changes nothing",
        arguments: [
            ("price", "not json", Rejection.Kind.malformed),
            ("price", "[1, 2]", .malformed),
            ("price", "{\"interval_start\":\"2023-09-06T14:45:00Z\",\"interval_minutes\":15}", .missingField),
            ("price", "{\"interval_start\":\"2023-09-06T14:45:00Z\",\"interval_minutes\":15,\"price_usd_per_mwh\":\"cheap\"}", .wrongType),
            ("price", "{\"interval_start\":\"2023-09-06T14:45:00Z\",\"interval_minutes\":15,\"price_usd_per_mwh\":25000}", .outOfRange),
            ("price", "{\"interval_start\":\"2023-09-06T14:45:00Z\",\"interval_minutes\":15,\"price_usd_per_mwh\":-10500}", .outOfRange),
            ("price", "{\"interval_start\":\"2023-09-06 14:45\",\"interval_minutes\":15,\"price_usd_per_mwh\":20}", .wrongType),
            ("price", "{\"interval_start\":\"2024-01-01T00:00:00Z\",\"interval_minutes\":15,\"price_usd_per_mwh\":20}", .futureTimestamp),
            ("price", "{\"interval_start\":\"2023-09-01T00:00:00Z\",\"interval_minutes\":15,\"price_usd_per_mwh\":20}", .staleTimestamp),
            (
                "price", "{\"interval_start\":\"2023-09-06T14:45:00Z\",\"interval_minutes\":15,\"price_usd_per_mwh\":20,\"kind\":\"ftr\"}",
                .unknownKind
            ),
            (
                "events",
                "{\"id\":\"E1\",\"program\":\"ERS-5\",\"start\":\"2023-09-06T15:00:00Z\",\"end\":\"2023-09-06T16:00:00Z\",\"target\":{\"max_mw\":0}}",
                .unknownProgram
            ),
            (
                "events", "{\"id\":\"E1\",\"program\":\"ERS-10\",\"start\":\"2023-09-06T15:00:00Z\",\"end\":\"2023-09-06T16:00:00Z\",\"target\":{}}",
                .missingField
            ),
            (
                "events",
                "{\"id\":\"E1\",\"program\":\"ERS-10\",\"start\":\"2023-09-06T15:00:00Z\",\"end\":\"2023-09-06T16:00:00Z\",\"target\":{\"max_mw\":\"0\"}}",
                .wrongType
            ),
            ("alerts", "{\"kind\":\"eea\",\"level\":7}", .outOfRange),
            ("alerts", "{\"kind\":\"tornado\"}", .unknownKind),
            ("frequency", "{\"ts\":\"2023-09-06T15:00:00Z\",\"hz\":true}", .wrongType),
            ("frequency", "{\"ts\":\"2023-09-06T15:00:00Z\",\"hz\":600}", .outOfRange),
            ("hashprice", "{\"ts\":\"2023-09-06T15:00:00Z\",\"usd_per_th_day\":-1}", .outOfRange),
            (
                "telemetry:s25", "{\"ts\":\"2023-09-06T15:00:00Z\",\"power_kw\":1,\"hashrate_th\":1,\"miners_running\":1,\"applied_seq\":1}",
                .unknownGroup
            ),
            (
                "telemetry:s21", "{\"ts\":\"2023-09-06T15:00:00Z\",\"power_kw\":1,\"hashrate_th\":1,\"miners_running\":5000,\"applied_seq\":1}",
                .outOfRange
            ),
            ("command:s21", "{\"seq\":99,\"miners_running\":0}", .missingField),
            // A well-formed command from a controller without this one's term (1): fenced off.
            (
                "command:s21",
                "{\"seq\":99,\"issued_at\":\"2023-09-06T15:00:00Z\",\"expires_at\":\"2023-09-06T16:00:00Z\",\"miners_running\":0,\"power_target_w\":0,\"target_kw\":0}",
                .staleTerm
            ),
        ]
    )
    func badInput(_ kind: String, _ payload: String, _ expected: Rejection.Kind) throws {
        var h = try Self.running()
        let topic: String
        switch kind {
        case "price": topic = h.topics.price
        case "events": topic = h.topics.events
        case "alerts": topic = h.topics.alerts
        case "frequency": topic = h.topics.frequency
        case "hashprice": topic = h.topics.hashPrice
        default:
            let parts = kind.split(separator: ":")
            topic = parts[0] == "telemetry" ? h.topics.telemetry(group: String(parts[1])) : h.topics.command(group: String(parts[1]))
        }
        let before = h.core.commands
        let decisions = h.core.counters.decisions
        let step = h.send(topic, payload, after: 1)
        let rejection = try #require(step.rejections.first?.rejection)
        #expect(rejection.kind == expected, "\(rejection)")
        #expect(!rejection.reason.isEmpty)
        #expect(step.messages.count == 1 && step.messages[0].topic == h.topics.rejected)
        let published = try #require((try? RejectedPayload(decoding: step.messages[0].payload)))
        #expect(published.kind == expected && published.topic == topic)
        #expect(h.core.commands == before && h.core.counters.decisions == decisions)
        #expect(h.core.counters.rejected[expected.rawValue] == 1)
    }

    @Test("a stale price feed triggers the policy's failsafe: hold, or curtail")
    func stalePrice() throws {
        var hold = try Self.running()
        hold.tick(after: 19 * 60)
        #expect(!hold.core.decision.constraints.contains(.stalePrice))
        hold.tick(after: 2 * 60)
        #expect(hold.core.decision.constraints.contains(.stalePrice))
        #expect(hold.running == [1000, 1000, 1000], "breakeven.yaml holds on a stale feed")

        var curtail = try CoreHarness(
            policyYAML: """
                policy: curtail-when-blind
                economics: {price: rt, pool_fee: 0.02}
                failsafe: {stale_price_after: 10m, on_stale_price: curtail}
                rules: []
                """
        )
        curtail.hashPrice()
        curtail.price(30)
        let step = curtail.tick(after: 11 * 60)
        #expect(curtail.running == [0, 0, 0])
        #expect(curtail.commands(in: step)["s21"]?.reason.contains("price feed stale") == true)
        curtail.price(30, after: 5 * 60)  // the next interval's price
        #expect(!curtail.core.decision.constraints.contains(.stalePrice), "a fresh price ends the failsafe")
        #expect(curtail.core.decision.sitePower.value > 1, "and load comes back, within the 2 MW/min ramp")
        for _ in 0..<60 { curtail.tick(after: 5) }
        #expect(curtail.running == [1000, 1000, 1000])
    }

    @Test("under-frequency sheds the site in the same call, and releases after the recovery time")
    func underFrequency() throws {
        var h = try Self.running()
        let normal = h.send(h.topics.frequency, FrequencyPayload(ts: h.now, hz: 59.85), after: 1)
        #expect(h.commands(in: normal).isEmpty)
        let trip = h.send(h.topics.frequency, FrequencyPayload(ts: h.now.adding(seconds: 1), hz: 59.62), after: 1)
        #expect(trip.decided && h.core.underFrequencyTripped)
        #expect(h.commands(in: trip).values.allSatisfy { $0.minersRunning == 0 })
        #expect(h.commands(in: trip)["s21"]?.reason.contains("under-frequency") == true)
        // Recovered frequency: held off until it has been good for 10 minutes.
        for minute in 0...9 {
            h.send(h.topics.frequency, FrequencyPayload(ts: h.now.adding(seconds: 60), hz: 60), after: 60)
            #expect(h.core.underFrequencyTripped, "still tripped after \(minute) min of good frequency")
        }
        let release = h.send(h.topics.frequency, FrequencyPayload(ts: h.now.adding(seconds: 60), hz: 60), after: 60)
        #expect(!h.core.underFrequencyTripped)
        #expect(h.commands(in: release)["s19jpro"]?.minersRunning == 1000)
    }

    @Test("a grid event is acknowledged, caps the site, and gets a compliance report at its end")
    func gridEvent() throws {
        var h = try Self.running()
        h.obedientTelemetry()
        let start = h.now.adding(seconds: 60)
        let end = start.adding(seconds: 3600)
        let ack = h.send(
            h.topics.events,
            EventPayload(GridEvent(id: "ERS-1", program: "ERS-10", start: start, end: end, target: .reduction(Megawatts(9)))),
            after: 1
        )
        let report = try #require(
            ack.messages.first { $0.topic == h.topics.eventReport(id: "ERS-1") }.flatMap { (try? EventReportPayload(decoding: $0.payload)) }
        )
        #expect(report.status == .acknowledged && report.baselineMW! > 9.5)
        #expect(abs(report.targetMW! - (report.baselineMW! - 9)) < 1e-6, "reduce_mw counts from the measured baseline")
        #expect(h.running == [1000, 1000, 1000], "nothing changes before the start")
        h.tick(after: 60)
        #expect(h.core.decision.sitePower.value <= report.targetMW! + 1e-9)
        h.obedientTelemetry()
        // Repeats of the same event are duplicates; a telemetry stream keeps compliance.
        let repeatStep = h.send(
            h.topics.events,
            EventPayload(GridEvent(id: "ERS-1", program: "ERS-10", start: start, end: end, target: .reduction(Megawatts(9))))
        )
        #expect(repeatStep.messages.isEmpty)
        for _ in 0..<59 {
            h.tick(after: 60)
            h.obedientTelemetry()
        }
        let final = h.tick(after: 60)
        let done = try #require(
            final.messages.first { $0.topic == h.topics.eventReport(id: "ERS-1") }.flatMap { (try? EventReportPayload(decoding: $0.payload)) }
        )
        #expect(done.status == .completed && done.met == true)
        #expect(done.secondsToTarget! <= 60 && done.performanceFactor! >= 0.99)
        #expect(done.achievedMW! <= done.targetMW! + 0.05)
        #expect(h.core.obligations.isEmpty)
        #expect(h.core.decision.constraints.contains(.stalePrice), "no price for an hour: holding")
        h.price(30)
        for _ in 0..<60 { h.tick(after: 5) }
        #expect(h.running == [1000, 1000, 1000], "with a fresh price load comes back after the event, within the ramp limit")
    }

    @Test("commands are re-issued before they expire, with a higher seq")
    func reissue() throws {
        var h = try Self.running()
        let first = h.core.commands.compactMap { $0?.seq }.max()!
        #expect(h.commands(in: h.tick(after: 100)).isEmpty)
        let again = h.commands(in: h.tick(after: 30))  // 130 s: less than a third of 180 s left
        #expect(again.count == 3)
        #expect(again.values.allSatisfy { $0.seq > first && $0.minersRunning == 1000 })
    }

    @Test("while the broker is away nothing is published; on reconnect every command is published again")
    func reconnect() throws {
        var h = try Self.running()
        h.core.connectionLost(at: h.now)
        let spike = h.price(5000, after: 900)
        #expect(spike.decided && spike.messages.isEmpty)
        let back = h.core.connectionRestored(at: h.now.adding(seconds: 30))
        #expect(h.commands(in: back).count == 3)
        #expect(h.running == [0, 0, 0])
    }

    @Test("a restarted controller resumes retained commands, seq and active events without changing a target")
    func restore() throws {
        var first = try Self.running()
        first.price(95, after: 900)  // S19j Pro off, the others on
        let start = first.now.adding(seconds: 10)
        first.send(
            first.topics.events,
            EventPayload(GridEvent(id: "ERS-2", program: "ERS-30", start: start, end: start.adding(seconds: 7200), target: .maximum(Megawatts(5))))
        )
        first.tick(after: 20)
        let retainedCommands = first.core.commands
        let state = try first.core.stateMessage(at: first.now)  // as retained on the broker

        // The new process: reads its retained messages back, then decides with the same inputs.
        var second = try CoreHarness(start: first.now.adding(seconds: 30), restoring: true)
        for (g, name) in second.groupNames.enumerated() {
            second.send(second.topics.command(group: name), try #require(retainedCommands[g]))
        }
        second.send(second.topics.state, state.text)
        second.hashPrice()
        second.send(
            second.topics.price,
            PricePayload(intervalStart: first.core.decision.time.adding(seconds: -900 - 20 - 10), intervalMinutes: 15, priceUSDPerMWh: 95)
        )
        let resumed = second.core.takeCharge(term: 1, at: second.now)
        #expect(second.core.obligations["ERS-2"] != nil, "the active event comes back from the retained state")
        #expect(second.commands(in: resumed).isEmpty, "same targets, still fresh: nothing re-sent")
        #expect(second.running == retainedCommands.map { $0!.minersRunning })
        let later = second.commands(in: second.tick(after: 120))
        #expect(later.values.allSatisfy { $0.seq > retainedCommands.map { $0!.seq }.max()! })
        #expect(later.values.map(\.minersRunning).sorted() == retainedCommands.map { $0!.minersRunning }.sorted())
    }
}

@Suite("ControllerCore restore with hysteresis")
struct ControllerCoreRestoreHysteresisTests {
    static let sticky = """
        policy: sticky
        economics: {price: rt, pool_fee: 0.02}
        hysteresis: {price_band_usd_per_mwh: 10}
        rules: []
        """

    @Test("a group kept on by the price band stays on after a restart")
    func bandSurvivesRestart() throws {
        var first = try CoreHarness(policyYAML: Self.sticky)
        first.hashPrice()
        first.price(30)
        first.price(85, after: 900)
        #expect(first.running[0] == 1000, "inside the band: the S19j Pro (break-even 83) stays on")
        var second = try CoreHarness(policyYAML: Self.sticky, start: first.now.adding(seconds: 60), restoring: true)
        for (g, name) in second.groupNames.enumerated() {
            second.send(second.topics.command(group: name), try #require(first.core.commands[g]))
        }
        second.hashPrice()
        second.price(85)
        let resumed = second.core.takeCharge(term: 1, at: second.now)
        #expect(second.commands(in: resumed)["s19jpro"] == nil, "nothing re-sent")
        #expect(second.running[0] == 1000)
        second.tick(after: 5)
        #expect(second.running[0] == 1000, "still on after the next decision")
        second.price(85, after: 900)
        #expect(second.running[0] == 1000, "and after the next price interval")
    }
}
