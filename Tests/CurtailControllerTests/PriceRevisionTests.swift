import CurtailController
import CurtailCore
import CurtailWire
import Testing

/// Provisional, final and corrected prices of one interval (as `curtail feed ercot` publishes
/// them) are one interval to the controller: no double counting in rolling windows or
/// confirmations, no flapping back to an older interval, and the state says which it acted on.
@Suite("Price revisions")
struct PriceRevisionTests {
    /// Curtails everything while the 1-hour average price is above 100 (so the window's contents show in the decision).
    static let averaging = """
        policy: hour-average
        economics: {price: rt, pool_fee: 0.02}
        rules:
          - name: dear-hour
            priority: 10
            when: avg(price, 1h) > 100
            then:
              force_off: all
        """

    static func price(
        _ h: CoreHarness,
        _ start: Timestamp,
        minutes: Int = 15,
        _ value: Double,
        _ status: PriceStatus,
        revision: Int? = nil
    ) -> PricePayload {
        PricePayload(intervalStart: start, intervalMinutes: minutes, priceUSDPerMWh: value, status: status, revision: revision)
    }

    static func state(_ h: CoreHarness) throws -> StatePayload {
        try StatePayload(decoding: try h.core.stateMessage(at: h.now).payload)
    }

    @Test("5-minute provisional prices then the 15-minute final are one interval: the window holds one value, the latest")
    func oneInterval() throws {
        var h = try CoreHarness(policyYAML: Self.averaging, start: Timestamp(iso8601: "2023-09-06T15:00:30Z")!)
        h.hashPrice()
        let t = Timestamp(iso8601: "2023-09-06T15:00:00Z")!
        // Three SCED-cadence provisional prices of 15:00-15:15, as a third-party bridge might send them.
        h.send(h.topics.price, Self.price(h, t, minutes: 5, 60, .provisional, revision: 10))
        #expect(h.running == [1000, 1000, 1000])
        h.send(h.topics.price, Self.price(h, t.adding(seconds: 300), minutes: 5, 130, .provisional, revision: 310), after: 300)
        // Counted as a revision of the 15:00 interval, the hour's average is 130 (one value), so the rule fires.
        #expect(h.running == [0, 0, 0], "avg over one interval = 130")
        var state = try Self.state(h)
        #expect(state.priceIntervalStart == t && state.priceStatus == "provisional" && state.priceRevision == 310)
        h.send(h.topics.price, Self.price(h, t.adding(seconds: 600), minutes: 5, 70, .provisional, revision: 610), after: 300)
        #expect(h.running == [1000, 1000, 1000], "the latest provisional replaces the interval's value (avg 70)")
        // The final 15-minute price of the same interval replaces the provisional one.
        let step = h.send(h.topics.price, Self.price(h, t, 75, .final, revision: 960), after: 360)
        #expect(h.core.counters.rejected.isEmpty, "\(h.core.counters.rejected)")
        #expect(step.notes.contains { $0.contains("now final") })
        state = try Self.state(h)
        #expect(state.priceStatus == "final" && state.priceUSDPerMWh == 75 && state.priceIntervalStart == t)
    }

    @Test("the final price of an interval arriving after the next interval's provisional: recorded, not acted on, no flap")
    func lateFinal() throws {
        var h = try CoreHarness(start: Timestamp(iso8601: "2023-09-06T15:15:30Z")!)
        h.hashPrice()
        let t = Timestamp(iso8601: "2023-09-06T15:00:00Z")!
        let next = t.adding(seconds: 900)
        h.send(h.topics.price, Self.price(h, t, 30, .provisional, revision: 610))
        h.send(h.topics.price, Self.price(h, next, 500, .provisional, revision: 10), after: 5)
        #expect(h.running == [0, 0, 0], "500 $/MWh sheds every group")
        // The older interval's final price (cheap) must not bring the site back.
        let step = h.send(h.topics.price, Self.price(h, t, 31, .final, revision: 960), after: 60)
        #expect(h.commands(in: step).isEmpty && h.running == [0, 0, 0])
        #expect(h.core.counters.rejected.isEmpty)
        let state = try Self.state(h)
        #expect(state.priceIntervalStart == next && state.priceStatus == "provisional" && state.priceUSDPerMWh == 500)
        // Its repeat is a duplicate; a correction of it is taken; an out-of-date provisional of it is refused.
        let duplicates = h.core.counters.duplicates
        h.send(h.topics.price, Self.price(h, t, 31, .final, revision: 960), after: 1)
        #expect(h.core.counters.duplicates == duplicates + 1)
        h.send(h.topics.price, Self.price(h, t, 29.5, .corrected, revision: 90_000), after: 1)
        #expect(h.core.counters.rejected.isEmpty)
        h.send(h.topics.price, Self.price(h, t, 30, .provisional, revision: 700), after: 1)
        #expect(h.core.counters.rejected["out_of_order"] == 1)
    }

    @Test("within an interval: an older revision or a provisional after the final is refused; a repeat is a duplicate")
    func ordering() throws {
        var h = try CoreHarness(start: Timestamp(iso8601: "2023-09-06T15:16:00Z")!)
        h.hashPrice()
        let t = Timestamp(iso8601: "2023-09-06T15:00:00Z")!
        h.send(h.topics.price, Self.price(h, t, 40, .provisional, revision: 310))
        h.send(h.topics.price, Self.price(h, t, 41, .provisional, revision: 10))
        #expect(h.core.counters.rejected["out_of_order"] == 1)
        h.send(h.topics.price, Self.price(h, t, 42, .final, revision: 960))
        h.send(h.topics.price, Self.price(h, t, 43, .provisional, revision: 610))
        #expect(h.core.counters.rejected["out_of_order"] == 2)
        let before = h.core.counters.duplicates
        h.send(h.topics.price, Self.price(h, t, 42, .final, revision: 960))
        #expect(h.core.counters.duplicates == before + 1)
        h.send(h.topics.price, Self.price(h, t, 44, .final, revision: 960))
        #expect(h.core.counters.rejected["out_of_order"] == 3, "the same revision with another price is refused")
    }

    @Test("a price without status or revision is a final price, as before")
    func legacy() throws {
        var h = try CoreHarness()
        h.hashPrice()
        h.price(30)
        #expect(try Self.state(h).priceStatus == "final")
        #expect(
            try PricePayload(decoding: Array(#"{"interval_start":"2023-09-06T14:45:00Z","interval_minutes":15,"price_usd_per_mwh":30}"#.utf8)).status
                == .final
        )
        #expect(throws: Rejection.self) {
            try PricePayload(
                decoding: Array(#"{"interval_start":"2023-09-06T14:45:00Z","interval_minutes":15,"price_usd_per_mwh":30,"status":"guess"}"#.utf8)
            )
        }
    }

    @Test("the feed saying it is stale triggers the stale-price fail-safe at once; ok lifts it")
    func feedStale() throws {
        var h = try CoreHarness(
            policyYAML: """
                policy: curtail-when-blind
                economics: {price: rt, pool_fee: 0.02}
                failsafe: {stale_price_after: 20m, on_stale_price: curtail}
                rules: []
                """
        )
        h.hashPrice()
        h.price(30)
        #expect(h.running == [1000, 1000, 1000])
        h.send(h.topics.priceFeed, PriceFeedStatusPayload(ts: h.now, state: .stale, lastIntervalStart: h.now), after: 60)
        #expect(h.running == [0, 0, 0])
        #expect(h.core.decision.constraints.contains(.stalePrice))
        #expect(try Self.state(h).priceFeed == "stale")
        h.send(h.topics.priceFeed, PriceFeedStatusPayload(ts: h.now, state: .ok), after: 60)
        #expect(!h.core.decision.constraints.contains(.stalePrice))
        // offline (the feed's will) does not trip it: the price ages as usual.
        h.send(h.topics.priceFeed, PriceFeedStatusPayload(ts: nil, state: .offline), after: 1)
        #expect(!h.core.decision.constraints.contains(.stalePrice))
    }
}
