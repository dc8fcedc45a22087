/// Something that happened on the connection, delivered on ``MQTTClient/events``.
public enum MQTTConnectionEvent: Sendable, Hashable {
    /// The broker accepted the connection and the subscriptions it lacked have been re-sent and
    /// acknowledged. `sessionPresent` is `true` when it resumed a persistent session
    /// (subscriptions kept, queued messages follow).
    case connected(sessionPresent: Bool)
    /// The connection was lost; the client reconnects by itself with backoff.
    case disconnected(reason: String)
    /// The broker refused the connection.
    case connectionRefused(MQTTReasonCode)
    /// The broker refused a subscription made while (re)connecting.
    case subscriptionRejected(filter: String, MQTTReasonCode)
    /// A received message was not delivered to ``MQTTClient/messages``.
    case messageDropped(topic: String, payloadBytes: Int, reason: DropReason)

    /// Why a received message was dropped.
    public enum DropReason: Sendable, Hashable, CustomStringConvertible {
        /// Its payload was larger than ``MQTTConfiguration/maximumIncomingPayloadBytes``.
        case payloadTooLarge(limit: Int)
        /// The consumer fell behind by more than ``MQTTConfiguration/messageBufferCapacity``
        /// messages; the oldest waiting message was dropped.
        case bufferFull

        public var description: String {
            switch self {
            case .payloadTooLarge(let limit): "payload larger than the \(limit)-byte limit"
            case .bufferFull: "consumer too slow, receive buffer full"
            }
        }
    }
}
