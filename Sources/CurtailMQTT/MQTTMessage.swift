/// A message received from the broker.
///
/// Topic and payload are copied out of libmosquitto's memory before the message is delivered,
/// so a message stays valid for as long as you keep it.
public struct MQTTMessage: Sendable, Hashable {
    /// The topic the message was published to.
    public var topic: String
    /// The raw payload bytes. Nothing about them is assumed: decode and validate them yourself.
    public var payload: [UInt8]
    /// The QoS the message was delivered with.
    public var qos: MQTTQoS
    /// Whether the broker delivered a retained message (the last one kept for the topic).
    public var retain: Bool
    /// MQTT 5 message expiry interval left when the broker sent the message, if the publisher set one.
    public var messageExpiryInterval: Duration?

    /// Creates a message value (used by tests and by code that replays messages).
    public init(
        topic: String,
        payload: [UInt8],
        qos: MQTTQoS = .atMostOnce,
        retain: Bool = false,
        messageExpiryInterval: Duration? = nil
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.messageExpiryInterval = messageExpiryInterval
    }

    /// The payload as UTF-8 text, or `nil` when the bytes are not valid UTF-8.
    public var payloadString: String? {
        String(validating: payload, as: UTF8.self)
    }
}
