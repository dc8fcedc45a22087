import CurtailObservability
import Foundation
import Testing

/// The live page's feed on its own: what a new page gets, and that a page that stops reading
/// costs the controller nothing but counted, dropped updates.
@Suite("Live page feed")
struct LiveFeedTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func state(_ ts: String, price: Double) -> String {
        #"{"ts":"\#(ts)","price_usd_per_mwh":\#(price),"groups":[{"name":"a","break_even_usd_per_mwh":80},{"name":"b","break_even_usd_per_mwh":140}]}"#
    }

    @Test("a new page gets the price history, recent commands and refusals, then the latest state; other topics are ignored")
    func snapshot() async {
        let feed = LiveFeed()
        feed.publish(topic: "site/s/state", payload: Self.bytes(Self.state("2026-12-03T10:00:00Z", price: 30)))
        feed.publish(topic: "site/s/state", payload: Self.bytes(Self.state("2026-12-03T10:00:30Z", price: 31)))  // same minute: replaces
        feed.publish(topic: "site/s/state", payload: Self.bytes(Self.state("2026-12-03T10:01:00Z", price: 95)))
        feed.publish(topic: "site/s/groups/a/command", payload: Self.bytes(#"{"seq":1}"#))
        feed.publish(topic: "site/s/rejected", payload: Self.bytes(#"{"reason":"bad \"x\""}"#))
        feed.publish(topic: "site/s/controller/status", payload: Self.bytes("online"))
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
        for k in 0..<10_000 { feed.publish(topic: "site/s/groups/a/command", payload: Self.bytes("{\"seq\":\(k)}")) }
        #expect(clock.now - start < .seconds(5))
        // The history event plus 10,000 updates into a buffer of 64.
        #expect(feed.droppedUpdates == 10_001 - LiveFeed.bufferPerClient)
        _ = stream
    }

    static func miner(_ address: String, _ state: String, error: String? = nil) -> [UInt8] {
        let last = error.map { #","last_error":"\#($0)""# } ?? ""
        return bytes(#"{"ts":"2026-12-03T10:00:00Z","address":"\#(address)","firmware":"luxos","state":"\#(state)"\#(last)}"#)
    }

    @Test("miner statuses are summarised per group, those needing a person listed; a bad payload is counted, never shown")
    func miners() async throws {
        let feed = LiveFeed()
        feed.publish(topic: "site/s/agent/status", payload: Self.bytes("online"))
        feed.publish(topic: "site/s/groups/a/miners/10.0.0.1:4028/status", payload: Self.miner("10.0.0.1:4028", "ok"))
        feed.publish(topic: "site/s/groups/a/miners/10.0.0.2:4028/status", payload: Self.miner("10.0.0.2:4028", "mismatch", error: "did not apply"))
        feed.publish(topic: "site/s/groups/b/miners/10.0.0.3:4028/status", payload: Self.miner("10.0.0.3:4028", "sleeping"))
        feed.publish(topic: "site/s/groups/b/miners/10.0.0.3:4028/status", payload: Self.miner("10.0.0.3:4028", "unreachable"))
        feed.publish(topic: "site/s/groups/b/miners/10.0.0.4:4028/status", payload: Self.bytes(#"{"state":"dancing"}"#))
        feed.publish(topic: "site/s/state", payload: Self.bytes("not json"))
        #expect(feed.unreadableMessages == 2)
        feed.flushMiners()
        var iterator = feed.subscribe().makeAsyncIterator()
        _ = await iterator.next()  // the price history
        let event = try #require(await iterator.next())
        #expect(event.hasPrefix("event: miners\ndata: "))
        let json = try #require(event.split(separator: "\n").dropFirst().first?.dropFirst("data: ".count))
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(summary["agent"] as? String == "online")
        let groups = try #require(summary["groups"] as? [[String: Any]])
        #expect(groups.map { $0["group"] as? String } == ["a", "b"])
        #expect(groups[0]["ok"] as? Int == 1 && groups[0]["mismatch"] as? Int == 1)
        #expect(groups[1]["unreachable"] as? Int == 1 && groups[1]["sleeping"] as? Int == 0, "the latest status of a miner counts")
        let attention = try #require(summary["attention"] as? [[String: Any]])
        #expect(attention.map { $0["address"] as? String } == ["10.0.0.2:4028", "10.0.0.3:4028"])
        #expect(attention.first?["last_error"] as? String == "did not apply")
        #expect(summary["attention_total"] as? Int == 2)
        // Nothing changed since: no second summary.
        feed.flushMiners()
        feed.publish(topic: "site/s/rejected", payload: Self.bytes(#"{"reason":"x"}"#))
        #expect(await iterator.next()?.hasPrefix("event: rejected") == true)
    }
}
