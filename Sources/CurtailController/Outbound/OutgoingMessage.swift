#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A message the controller wants published.
public struct OutgoingMessage: Hashable, Sendable {
    /// Where to publish.
    public var topic: String
    /// UTF-8 JSON (or `online`/`offline`).
    public var payload: [UInt8]
    /// Kept by the broker as the topic's last value.
    public var retain: Bool
    /// MQTT 5 message expiry, in clock time (the service converts it to wall time).
    public var expiry: Duration?

    public init(topic: String, payload: [UInt8], retain: Bool = false, expiry: Duration? = nil) {
        self.topic = topic
        self.payload = payload
        self.retain = retain
        self.expiry = expiry
    }

    /// The payload as text (for logs and tests).
    public var text: String { String(decoding: payload, as: UTF8.self) }
}

/// JSON encoding shared by the outgoing payloads: snake_case keys, sorted, no escaped slashes.
enum PayloadEncoder {
    /// The payload's JSON, or `nil` when it cannot be encoded (a non-finite number that slipped
    /// past rounding): the caller then publishes nothing and says so, never crashes.
    static func encode(_ value: some Encodable) -> [UInt8]? {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map(Array.init)
    }

    /// Rounds for display in payloads (`places` decimals); non-finite values become `nil`.
    static func rounded(_ value: Double, _ places: Int = 3) -> Double? {
        guard value.isFinite else { return nil }
        let scale = [1.0, 10, 100, 1000, 10_000, 100_000][min(max(places, 0), 5)]
        return (value * scale).rounded() / scale
    }
}
