/// MQTT quality of service: how hard the broker and client try to deliver a message.
public enum MQTTQoS: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Fire and forget; a message can be lost when the connection drops.
    case atMostOnce = 0
    /// Acknowledged by the broker (PUBACK); a message can arrive more than once.
    case atLeastOnce = 1
    /// Four-step handshake (PUBREC/PUBREL/PUBCOMP); delivered exactly once.
    case exactlyOnce = 2

    public var description: String { "QoS \(rawValue)" }
}
