import Foundation
import Synchronization

/// What the live page shows, fed with every message the controller publishes: the latest state,
/// recent commands, refused inputs and event reports, and a day of price points; streamed to each
/// open page as server-sent events.
///
/// A slow or vanished browser never slows the controller: each page has a bounded buffer (the
/// oldest undelivered updates are dropped, and counted), and ``publish(topic:payload:)`` only
/// appends under a lock.
public final class LiveFeed: Sendable {
    /// Updates kept per page before the oldest are dropped.
    public static let bufferPerClient = 64
    /// Recent commands and refusals kept for a new page.
    public static let recentCount = 20

    private struct State {
        var latestState: String?
        var commands: [String] = []
        var rejections: [String] = []
        var reports: [String: String] = [:]
        /// One point a minute: `[ts, price, break-even low, high]` as JSON arrays.
        var prices: [(minute: Int64, json: String)] = []
        var clients: [Int: AsyncStream<String>.Continuation] = [:]
        var nextClient = 0
        var dropped = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Updates not delivered to a page because its buffer was full, so far.
    public var droppedUpdates: Int { state.withLock { $0.dropped } }

    /// Pages connected now.
    public var clientCount: Int { state.withLock { $0.clients.count } }

    /// Takes in one message the controller published (`payload` is its JSON text).
    public func publish(topic: String, payload: String) {
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
        let event = "event: \(kind)\ndata: {\"topic\":\(Self.quoted(topic)),\"payload\":\(payload)}\n\n"
        state.withLock { s in
            switch kind {
            case "state":
                s.latestState = event
                if let point = Self.pricePoint(payload) {
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
            for (_, client) in s.clients {
                if case .dropped = client.yield(event) { s.dropped += 1 }
            }
        }
    }

    /// A page's stream: everything known now (the price history, recent commands, refusals and
    /// reports, the latest state), then every update. Ends when the page goes away.
    public func subscribe() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(Self.bufferPerClient))
        let id: Int = state.withLock { s in
            let history = "event: prices\ndata: [" + s.prices.map(\.json).joined(separator: ",") + "]\n\n"
            continuation.yield(history)
            for event in s.commands + s.rejections + s.reports.values.sorted() { continuation.yield(event) }
            if let latest = s.latestState { continuation.yield(latest) }
            let id = s.nextClient
            s.nextClient += 1
            s.clients[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.clients.removeValue(forKey: id) }
        }
        return stream
    }

    private static func keep(_ event: String, in list: inout [String]) {
        list.append(event)
        if list.count > recentCount { list.removeFirst(list.count - recentCount) }
    }

    /// `[ts, price, low, high]` of a state payload, keyed by its minute, or `nil` without a price.
    private static func pricePoint(_ payload: String) -> (minute: Int64, json: String)? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any],
            let ts = object["ts"] as? String, let price = (object["price_usd_per_mwh"] as? NSNumber)?.doubleValue
        else { return nil }
        let breakEvens = (object["groups"] as? [[String: Any]] ?? []).compactMap { ($0["break_even_usd_per_mwh"] as? NSNumber)?.doubleValue }
        let low = breakEvens.min() ?? price
        let high = breakEvens.max() ?? price
        // `YYYYMMDDHHMM`: one key per minute, increasing with time.
        let minute = Int64(ts.prefix(16).filter(\.isNumber)) ?? 0
        return (minute, "[\(quoted(ts)),\(price),\(low),\(high)]")
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
