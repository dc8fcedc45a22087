import CurtailCore
import CurtailPolicy
import Testing

@Suite("Price windows")
struct PriceWindowTests {
    /// Rules that fire only when a window statistic has the hand-computed value.
    @Test("avg, lowest, highest and percentile over the intervals that started within the window")
    func statistics() throws {
        var engine = try ToySite.engine(
            """
            rules:
              - {name: avg, when: "avg(price, 1h) == 25", then: {price_offset: 0}}
              - {name: low, when: "lowest(price, 1h) == 10", then: {price_offset: 0}}
              - {name: high, when: "highest(price, 1h) == 40", then: {price_offset: 0}}
              - {name: p50, when: "percentile(price, 1h, 50) == 25", then: {price_offset: 0}}
              - {name: p90, when: "percentile(price, 1h, 90) == 37", then: {price_offset: 0}}
              - {name: evicted, when: "lowest(price, 1h) == 20", then: {price_offset: 0}}
            """
        )
        var decision = engine.decide(ToySite.input(10))
        #expect(decision.firedRules == [1])
        for (minute, price) in [(15.0, 20.0), (30, 30)] { decision = engine.decide(ToySite.input(price, minute: minute)) }
        // 10, 20, 30, 40: mean 25, median 25, p90 = 30 + 0.7 · 10 = 37.
        decision = engine.decide(ToySite.input(40, minute: 45))
        #expect(decision.firedRules == [0, 1, 2, 3, 4])
        // At 60 min the 10 of minute 0 leaves the 1 h window: 20, 30, 40, 50.
        decision = engine.decide(ToySite.input(50, minute: 60))
        #expect(decision.firedRules == [5])
        // A second tick in the same interval adds nothing.
        decision = engine.decide(ToySite.input(50, minute: 61) { $0.realTimePrice?.intervalStart = ToySite.start.adding(seconds: 3600) })
        #expect(decision.firedRules == [5])
    }
}
