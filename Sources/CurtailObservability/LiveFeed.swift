import CurtailWire
import Foundation
public import Metrics
import Synchronization

/// What the live page shows, fed with the site's messages (by a ``SiteWatcher``): the latest
/// state, recent commands, refused inputs and event reports, a day of price points, and a
/// summary of `curtail agent`'s miners; streamed to each open page as server-sent events.
///
/// A slow or vanished browser never slows anything: each page has a bounded buffer (the oldest
/// undelivered updates are dropped, and counted in `curtail_live_page_dropped_updates_total`),
/// and ``publish(topic:payload:)`` only appends under a lock. A payload that is not what its
/// topic carries is not passed to the page (it would break its script); it is counted in
/// `curtail_live_page_unreadable_total`.
public final class LiveFeed: Sendable {
    /// Updates kept per page before the oldest are dropped.
    public static let bufferPerClient = 64
    /// Recent commands and refusals kept for a new page.
    public static let recentCount = 20
    /// Miners needing attention listed by name on the page (the rest are counted).
    public static let attentionListed = 100

    private struct State {
        var latestState: String?
        var commands: [String] = []
        var rejections: [String] = []
        var reports: [String: String] = [:]
        /// One point a minute: `[ts, price, break-even low, high]` as JSON arrays.
        var prices: [(minute: Int64, json: String)] = []
        /// Group → address → the miner's last status.
        var miners: [String: [String: MinerStatusPayload]] = [:]
        var agentStatus: String?
        var minersChanged = false
        var latestMiners: String?
        var clients: [Int: AsyncStream<String>.Continuation] = [:]
        var nextClient = 0
        var dropped = 0
        var unreadable = 0
    }

    private let state = Mutex(State())
    private let droppedCounter: Counter
    private let unreadableCounter: Counter
    private let clientsGauge: Gauge

    /// A feed whose counters go to `metricsFactory` (``MetricsSystem/factory`` unless given).
    public init(metricsFactory: any MetricsFactory = MetricsSystem.factory) {
        droppedCounter = Counter(label: "curtail_live_page_dropped_updates_total", factory: metricsFactory)
        unreadableCounter = Counter(label: "curtail_live_page_unreadable_total", factory: metricsFactory)
        clientsGauge = Gauge(label: "curtail_live_page_clients", factory: metricsFactory)
    }

    /// Updates not delivered to a page because its buffer was full, so far.
    public var droppedUpdates: Int { state.withLock { $0.dropped } }

    /// Messages not shown because they were not what their topic carries, so far.
    public var unreadableMessages: Int { state.withLock { $0.unreadable } }

    /// Pages connected now.
    public var clientCount: Int { state.withLock { $0.clients.count } }

    /// Takes in one message from the site's topics (`payload` as received).
    public func publish(topic: String, payload: [UInt8]) {
        if topic.hasSuffix("/status") {
            if topic.hasSuffix("/agent/status") {
                let text = String(decoding: payload, as: UTF8.self)
                state.withLock {
                    $0.agentStatus = text == "online" || text == "offline" ? text : nil
                    $0.minersChanged = true
                }
            } else if topic.contains("/miners/") {
                minerStatus(topic: topic, payload: payload)
            }
            return
        }
        let kind: String
        if topic.hasSuffix("/state") {
            kind = "state"
        } else if topic.hasSuffix("/command") {
            kind = "command"
        } else if topic.hasSuffix("/rejected") {
            kind = "rejected"
        } else if topic.hasSuffix("/report") {
            kind = "report"
        } else {
            return
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any] else {
            countUnreadable()
            return
        }
        var text = "event: \(kind)\ndata: {\"topic\":"
        JSONWriter.appendString(topic, to: &text)
        text += ",\"payload\":"
        text += String(decoding: payload, as: UTF8.self)
        text += "}\n\n"
        let event = text
        let point = kind == "state" ? Self.pricePoint(object) : nil
        state.withLock { s in
            switch kind {
            case "state":
                s.latestState = event
                if let point {
                    if s.prices.last?.minute == point.minute { s.prices.removeLast() }
                    s.prices.append(point)
                    if s.prices.count > 24 * 60 { s.prices.removeFirst() }  // a day of minutes
                }
            case "command": Self.keep(event, in: &s.commands)
            case "rejected": Self.keep(event, in: &s.rejections)
            default:
                let id = topic.split(separator: "/").dropLast().last.map(String.init) ?? topic
                s.reports[id] = event
                if s.reports.count > Self.recentCount, let oldest = s.reports.keys.sorted().first { s.reports[oldest] = nil }
            }
            send(event, to: &s)
        }
    }

    /// Sends the miners' summary to every page if a status changed since the last one (called
    /// about once a second by the ``SiteWatcher``).
    public func flushMiners() {
        state.withLock { s in
            guard s.minersChanged else { return }
            s.minersChanged = false
            let event = "event: miners\ndata: " + Self.minersSummary(s.miners, agent: s.agentStatus) + "\n\n"
            s.latestMiners = event
            send(event, to: &s)
        }
    }

    /// Sends an SSE comment to every page: keeps proxies from closing a quiet stream and finds
    /// a page that went away (its next write fails).
    public func keepAlive() {
        state.withLock { s in
            for (_, client) in s.clients { client.yield(": keep-alive\n\n") }
        }
    }

    /// Ends every page's stream (the process is stopping); a page that connects later gets what
    /// is known and then nothing.
    public func close() {
        let clients = state.withLock { s in
            defer { s.clients.removeAll() }
            return Array(s.clients.values)
        }
        for client in clients { client.finish() }
        clientsGauge.record(0)
    }

    /// A page's stream: everything known now (the price history, recent commands, refusals and
    /// reports, the miners' summary, the latest state), then every update. Ends when the page
    /// goes away.
    public func subscribe() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(Self.bufferPerClient))
        let (id, count): (Int, Int) = state.withLock { s in
            let history = "event: prices\ndata: [" + s.prices.map(\.json).joined(separator: ",") + "]\n\n"
            continuation.yield(history)
            for event in s.commands + s.rejections + s.reports.values.sorted() { continuation.yield(event) }
            if let miners = s.latestMiners { continuation.yield(miners) }
            if let latest = s.latestState { continuation.yield(latest) }
            let id = s.nextClient
            s.nextClient += 1
            s.clients[id] = continuation
            return (id, s.clients.count)
        }
        clientsGauge.record(count)
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            let count = self.state.withLock { s in
                s.clients.removeValue(forKey: id)
                return s.clients.count
            }
            self.clientsGauge.record(count)
        }
        return stream
    }

    private func send(_ event: String, to s: inout State) {
        for (_, client) in s.clients {
            if case .dropped = client.yield(event) {
                s.dropped += 1
                droppedCounter.increment()
            }
        }
    }

    private func countUnreadable() {
        state.withLock { $0.unreadable += 1 }
        unreadableCounter.increment()
    }

    /// `site/{site}/groups/{group}/miners/{address}/status`.
    private func minerStatus(topic: String, payload: [UInt8]) {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 5, parts[parts.count - 5] == "groups", parts[parts.count - 3] == "miners",
            let status = try? MinerStatusPayload(decoding: payload)
        else {
            countUnreadable()
            return
        }
        let group = String(parts[parts.count - 4])
        state.withLock {
            $0.miners[group, default: [:]][status.address] = status
            $0.minersChanged = true
        }
    }

    private static func keep(_ event: String, in list: inout [String]) {
        list.append(event)
        if list.count > recentCount { list.removeFirst(list.count - recentCount) }
    }

    /// `{"agent": "online", "groups": [{"group": "s21", "ok": 3, …}], "attention": [{…}], "attention_total": 1}`:
    /// per group the miners in each state; the miners that need a person (unreachable, refused,
    /// mismatch), the first ``attentionListed`` by group and address.
    private static func minersSummary(_ miners: [String: [String: MinerStatusPayload]], agent: String?) -> String {
        let needsAttention: Set<MinerStatusPayload.State> = [.unreachable, .refused, .mismatch]
        let states = MinerStatusPayload.State.allCases
        var groups: [JSONWriter] = []
        var attention: [JSONWriter] = []
        var attentionTotal = 0
        for name in miners.keys.sorted() {
            let members = miners[name] ?? [:]
            var counts = [String: Int]()
            for miner in members.values { counts[miner.state.rawValue, default: 0] += 1 }
            var row = JSONWriter(capacity: 120)
            row.field("group", name)
            for state in states { row.field(state.rawValue, counts[state.rawValue] ?? 0) }
            groups.append(row)
            for address in members.keys.sorted() {
                guard let status = members[address], needsAttention.contains(status.state) else { continue }
                attentionTotal += 1
                guard attention.count < attentionListed else { continue }
                var entry = JSONWriter(capacity: 160)
                entry.field("group", name)
                entry.field("address", status.address)
                entry.field("firmware", status.firmware)
                entry.field("state", status.state.rawValue)
                entry.field("ts", status.ts)
                entry.field("last_error", status.lastError)
                attention.append(entry)
            }
        }
        var summary = JSONWriter(capacity: 200 + 120 * groups.count + 160 * attention.count)
        summary.field("agent", agent)
        summary.field("groups", groups)
        summary.field("attention", attention)
        summary.field("attention_total", attentionTotal)
        // Every field is a string or a count: nothing can be non-finite.
        return (try? String(decoding: summary.finish("live page miners"), as: UTF8.self)) ?? "{}"
    }

    /// `[ts, price, low, high]` of a state payload, keyed by its minute, or `nil` without a price.
    private static func pricePoint(_ object: [String: Any]) -> (minute: Int64, json: String)? {
        guard let ts = object["ts"] as? String, let price = (object["price_usd_per_mwh"] as? NSNumber)?.doubleValue else { return nil }
        let breakEvens = (object["groups"] as? [[String: Any]] ?? []).compactMap { ($0["break_even_usd_per_mwh"] as? NSNumber)?.doubleValue }
        let low = breakEvens.min() ?? price
        let high = breakEvens.max() ?? price
        // `YYYYMMDDHHMM`: one key per minute, increasing with time.
        let minute = Int64(ts.prefix(16).filter(\.isNumber)) ?? 0
        var json = "["
        JSONWriter.appendString(ts, to: &json)
        json += ",\(price),\(low),\(high)]"
        return (minute, json)
    }
}
