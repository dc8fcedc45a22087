public import CurtailMQTT

/// What the controller service needs from its broker connection: received messages and
/// connection events, subscriptions, and publishing (QoS 1 throughout). ``MQTTClient`` is the
/// real one; tests use an in-memory transport (`CurtailTestSupport`) to run the whole service
/// on a manual clock.
public protocol ControllerTransport: Sendable {
    /// Messages on the subscribed topics, in arrival order.
    var messages: AsyncStream<MQTTMessage> { get }
    /// Connection changes.
    var events: AsyncStream<MQTTConnectionEvent> { get }
    /// Whether the connection is up now.
    var isConnected: Bool { get }
    /// Connects and keeps the connection until the task is cancelled.
    func runUntilCancelled() async throws
    /// Subscribes to `filter`, now or as soon as the connection is up.
    func subscribe(_ filter: String) async throws
    /// Unsubscribes from `filter`.
    func unsubscribe(from filter: String) async throws
    /// Hands `message` to the outgoing queue without waiting for the broker; `expiry` is the
    /// MQTT 5 message expiry in wall time.
    func enqueue(_ message: OutgoingMessage, expiry: Duration?) throws
    /// Publishes `message` and waits for the broker's acknowledgement.
    func publishAndWait(_ message: OutgoingMessage) async throws
    /// Runs a burst of ``enqueue(_:expiry:)`` calls so they leave together.
    func burst(_ body: () -> Void)
}

extension MQTTClient: ControllerTransport {
    public func subscribe(_ filter: String) async throws {
        try await subscribe(to: filter, qos: .atLeastOnce)
    }

    public func enqueue(_ message: OutgoingMessage, expiry: Duration?) throws {
        try enqueue(message.payload, to: message.topic, qos: .atLeastOnce, retain: message.retain, messageExpiry: expiry)
    }

    public func publishAndWait(_ message: OutgoingMessage) async throws {
        try await publish(message.payload, to: message.topic, qos: .atLeastOnce, retain: message.retain, messageExpiry: nil)
    }

    public func burst(_ body: () -> Void) {
        corked { () throws(Never) in body() }
    }
}
