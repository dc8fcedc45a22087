import CurtailObservability
import Testing

/// The live page's feed on its own: what a new page gets, and that a page that stops reading
/// costs the controller nothing but counted, dropped updates.
@Suite("Live page feed")
struct LiveFeedTests {
    static func state(_ ts: String, price: Double) -> String {
        #"{"ts":"\#(ts)","price_usd_per_mwh":\#(price),"groups":[{"name":"a","break_even_usd_per_mwh":80},{"name":"b","break_even_usd_per_mwh":140}]}"#
    }

    @Test("a new page gets the price history, recent commands and refusals, then the latest state; other topics are ignored")
    func snapshot() async {
        let feed = LiveFeed()
        feed.publish(topic: "site/s/state", payload: Self.state("2026-12-03T10:00:00Z", price: 30))
        feed.publish(topic: "site/s/state", payload: Self.state("2026-12-03T10:00:30Z", price: 31))  // same minute: replaces
        feed.publish(topic: "site/s/state", payload: Self.state("2026-12-03T10:01:00Z", price: 95))
        feed.publish(topic: "site/s/groups/a/command", payload: #"{"seq":1}"#)
        feed.publish(topic: "site/s/rejected", payload: #"{"reason":"bad \"x\""}"#)
        feed.publish(topic: "site/s/controller/status", payload: "online")
        var iterator = feed.subscribe().makeAsyncIterator()
        let prices = await iterator.next()
        #expect(prices == "event: prices\ndata: [[\"2026-12-03T10:00:30Z\",31.0,80.0,140.0],[\"2026-12-03T10:01:00Z\",95.0,80.0,140.0]]\n\n")
        #expect(await iterator.next()?.hasPrefix("event: command\ndata: {\"topic\":\"site/s/groups/a/command\"") == true)
        #expect(await iterator.next()?.contains(#""payload":{"reason":"bad \"x\""}"#) == true)
        #expect(await iterator.next()?.contains("\"price_usd_per_mwh\":95") == true)
        #expect(feed.clientCount == 1)
    }

    @Test("a page that never reads loses the oldest updates beyond its buffer, counted; publishing never waits")
    func slowPage() {
        let feed = LiveFeed()
        let stream = feed.subscribe()
        let clock = ContinuousClock()
        let start = clock.now
        for k in 0..<10_000 { feed.publish(topic: "site/s/groups/a/command", payload: "{\"seq\":\(k)}") }
        #expect(clock.now - start < .seconds(5))
        // The history event plus 10,000 updates into a buffer of 64.
        #expect(feed.droppedUpdates == 10_001 - LiveFeed.bufferPerClient)
        _ = stream
    }
}
