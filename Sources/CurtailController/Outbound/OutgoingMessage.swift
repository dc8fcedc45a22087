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
