public import CurtailController
public import CurtailMQTT
import Synchronization

/// A broker connection in memory for the controller service under test: the test delivers
/// messages and connection events, and reads what the controller published, in order. Like a
/// broker, it delivers a publish back to the publisher when it matches one of its subscriptions
/// (MQTT's default, no "no local").
public final class InMemoryTransport: ControllerTransport, Sendable {
    /// One published message.
    public struct Published: Sendable, Hashable {
        public var message: OutgoingMessage
        /// The wall-time message expiry the controller asked for.
        public var expiry: Duration?
    }

    public let messages: AsyncStream<MQTTMessage>
    public let events: AsyncStream<MQTTConnectionEvent>
    private let messageSink: AsyncStream<MQTTMessage>.Continuation
    private let eventSink: AsyncStream<MQTTConnectionEvent>.Continuation
    private let state = Mutex<(connected: Bool, published: [Published], subscriptions: Set<String>)>((false, [], []))
    /// Every publish, as it happens (for tests that wait for one).
    public let publications: AsyncStream<Published>
    private let publicationSink: AsyncStream<Published>.Continuation

    public init() {
        (messages, messageSink) = AsyncStream.makeStream(of: MQTTMessage.self)
        (events, eventSink) = AsyncStream.makeStream(of: MQTTConnectionEvent.self)
        (publications, publicationSink) = AsyncStream.makeStream(of: Published.self)
    }

    // MARK: - The test's side

    /// Brings the connection up (the controller sees `.connected`).
    public func connect() {
        state.withLock { $0.connected = true }
        eventSink.yield(.connected(sessionPresent: true))
    }

    /// Delivers a message to the controller.
    public func deliver(_ payload: [UInt8], on topic: String, retain: Bool = false) {
        messageSink.yield(MQTTMessage(topic: topic, payload: payload, qos: .atLeastOnce, retain: retain))
    }

    /// Everything published so far, in order.
    public var published: [Published] { state.withLock { $0.published } }

    /// The filters subscribed to now.
    public var subscriptions: Set<String> { state.withLock { $0.subscriptions } }

    // MARK: - ControllerTransport

    public var isConnected: Bool { state.withLock { $0.connected } }

    public func runUntilCancelled() async throws {
        try await withTaskCancellationHandler {
            while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
        } onCancel: {
            messageSink.finish()
            eventSink.finish()
            publicationSink.finish()
        }
    }

    public func subscribe(_ filter: String) async throws {
        _ = state.withLock { $0.subscriptions.insert(filter) }
    }

    public func unsubscribe(from filter: String) async throws {
        _ = state.withLock { $0.subscriptions.remove(filter) }
    }

    public func enqueue(_ message: OutgoingMessage, expiry: Duration?) throws {
        let published = Published(message: message, expiry: expiry)
        let echo = state.withLock { state in
            state.published.append(published)
            return state.subscriptions.contains { Topic.matches(message.topic, filter: $0) }
        }
        publicationSink.yield(published)
        if echo { deliver(message.payload, on: message.topic, retain: false) }
    }

    public func publishAndWait(_ message: OutgoingMessage) async throws {
        try enqueue(message, expiry: nil)
    }

    public func burst(_ body: () -> Void) { body() }
}
