internal import CMosquitto
public import Logging
public import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An MQTT client on libmosquitto, safe to use from any task.
///
/// The client is a swift-service-lifecycle ``Service``: ``run()`` owns the connection. It connects
/// (retrying with backoff until the broker is up), reconnects by itself after a loss, re-subscribes
/// what the broker forgot, and on graceful shutdown or cancellation disconnects cleanly, so the
/// broker does *not* publish the will. Publish and subscribe from other tasks while it runs.
///
/// ```swift
/// let client = try MQTTClient(configuration: .init(port: 1883, clientID: "curtail-west-texas-1"))
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await client.run() }
///     try await client.subscribe(to: "grid/ercot/+/price")
///     for await message in client.messages { … }
/// }
/// ```
///
/// Received messages arrive on ``messages`` and connection changes on ``events``; each is a
/// single-consumer stream (iterate it from one task only).
///
/// libmosquitto is thread-safe once its network thread runs ("libmosquitto provides thread safe
/// operation, with the exception of mosquitto_lib_init"); the handle is only destroyed in `deinit`.
public final class MQTTClient: Service, Sendable {
    /// The configuration the client was created with.
    public let configuration: MQTTConfiguration
    /// Messages for this client's subscriptions, in arrival order. Single consumer.
    public let messages: AsyncStream<MQTTMessage>
    /// Connection changes and dropped messages. Single consumer; keeps the newest 1,024 if not read.
    public let events: AsyncStream<MQTTConnectionEvent>

    let controls: AsyncStream<Control>
    let sink: Sink
    let logger: Logger
    let hasRun = Atomic<Bool>(false)
    let loopRunning = Atomic<Bool>(false)
    nonisolated(unsafe) let handle: OpaquePointer

    /// Creates a client. Nothing is sent until ``run()``.
    ///
    /// - Throws: ``MQTTError`` with code `invalidConfiguration` or `tlsFileUnreadable` when a
    ///   setting is wrong; the message names the setting.
    public init(configuration: MQTTConfiguration, logger: Logger = Logger(label: "curtail.mqtt")) throws(MQTTError) {
        try configuration.validate()
        if let tls = configuration.tls { try Self.checkReadable(tls) }
        Mosquitto.initialized

        var logger = logger
        logger[metadataKey: "mqtt.client_id"] = "\(configuration.clientID)"
        self.configuration = configuration
        self.logger = logger
        let (messages, messageSink) = AsyncStream.makeStream(
            of: MQTTMessage.self,
            bufferingPolicy: .bufferingNewest(configuration.messageBufferCapacity)
        )
        let (events, eventSink) = AsyncStream.makeStream(of: MQTTConnectionEvent.self, bufferingPolicy: .bufferingNewest(1024))
        let (controls, controlSink) = AsyncStream.makeStream(of: Control.self)
        self.messages = messages
        self.events = events
        self.controls = controls
        var state = ClientState()
        if case .v311 = configuration.protocolVersion { state.usesV5 = false }
        self.sink = Sink(
            state: state,
            messages: messageSink,
            events: eventSink,
            controls: controlSink,
            maximumPayloadBytes: configuration.maximumIncomingPayloadBytes,
            logger: logger
        )
        let userdata = Unmanaged.passUnretained(sink).toOpaque()
        guard
            let handle = mosquitto_new(
                configuration.clientID.isEmpty ? nil : configuration.clientID,
                configuration.cleanSession,
                userdata
            )
        else {
            throw MQTTError(.library, "could not create the MQTT client (out of memory or invalid client id)")
        }
        self.handle = handle
        // From here on `deinit` runs if a step throws, and destroys the handle.
        try configure()
    }

    deinit {
        if loopRunning.load(ordering: .relaxed) {
            _ = mosquitto_disconnect_v5(handle, 0, nil)
            _ = mosquitto_loop_stop(handle, false)
        }
        mosquitto_destroy(handle)
        sink.messages.finish()
        sink.events.finish()
        sink.controls.finish()
    }

    // MARK: - State

    /// `true` while the broker has accepted the connection.
    public var isConnected: Bool { sink.state.withLock { $0.isConnected } }

    /// Received messages dropped because ``messages`` was not read fast enough.
    public var droppedMessageCount: Int { sink.dropped.load(ordering: .relaxed) }

    /// `true` while the connection speaks MQTT 5 (`false` after falling back to 3.1.1).
    public var usesMQTT5: Bool { sink.state.withLock { $0.usesV5 } }

    /// Waits until the broker has accepted the connection (and, after a reconnect, the
    /// subscriptions it lacked are back).
    ///
    /// - Throws: ``MQTTError`` `timedOut` after `timeout`, `connectionRefused` if the broker
    ///   refuses for good, `clientStopped` if the client stops first.
    public func waitUntilConnected(timeout: Duration) async throws(MQTTError) {
        let ticket = sink.state.withLock { $0.openConnectionWaiter() }
        let sink = self.sink
        let target = "\(configuration.host):\(configuration.port)"
        try await awaitOutcome(
            timeout: timeout,
            timedOut: {
                let last = sink.state.withLock { $0.lastConnectionError }.map { " (last attempt: \($0))" } ?? ""
                return "not connected to the MQTT broker at \(target) after \(timeout)\(last); is it running and reachable?"
            },
            cancelled: { "cancelled while waiting for the connection to \(target)" },
            fail: { state, error in state.resolveConnectionWaiter(ticket, .failure(error)) },
            park: { state, continuation in state.parkConnectionWaiter(ticket, continuation) }
        ).get()
    }

    // MARK: - Publish

    /// Publishes a message and, for QoS 1 and 2, waits until the broker has acknowledged it.
    ///
    /// While the connection is down, QoS 1/2 messages are queued and sent after the reconnect;
    /// the call keeps waiting for the acknowledgement up to
    /// ``MQTTConfiguration/acknowledgementTimeout``. A QoS 0 publish while disconnected fails
    /// with `notConnected` (it would be lost).
    ///
    /// - Parameters:
    ///   - payload: The message bytes.
    ///   - topic: The topic name (no wildcards).
    ///   - qos: Delivery guarantee; defaults to at least once.
    ///   - retain: Ask the broker to keep the message as the topic's last known value.
    ///   - messageExpiry: MQTT 5 message expiry: the broker discards the message (also a retained
    ///     one) once it is this old. Whole seconds; ignored on an MQTT 3.1.1 connection.
    /// - Throws: ``MQTTError``: `invalidTopic`, `payloadTooLarge`, `notConnected`, `timedOut`,
    ///   `publishRejected` (the broker's reason code says why), `clientStopped`, `cancelled`.
    public func publish(
        _ payload: [UInt8],
        to topic: String,
        qos: MQTTQoS = .atLeastOnce,
        retain: Bool = false,
        messageExpiry: Duration? = nil
    ) async throws(MQTTError) {
        let awaiting = qos != .atMostOnce
        let (mid, ticket) = try submit(payload, to: topic, qos: qos, retain: retain, messageExpiry: messageExpiry, awaiting: awaiting)
        guard awaiting else { return }
        let ack = try await acknowledgement(of: mid, ticket: ticket) { "publish to '\(topic)'" }
        if case .published(let reason) = ack, reason.isFailure {
            throw MQTTError(.publishRejected, "the broker rejected the publish to '\(topic)': \(reason)", reasonCode: reason)
        }
    }

    /// Publishes UTF-8 text; see ``publish(_:to:qos:retain:messageExpiry:)``.
    public func publish(
        _ text: String,
        to topic: String,
        qos: MQTTQoS = .atLeastOnce,
        retain: Bool = false,
        messageExpiry: Duration? = nil
    ) async throws(MQTTError) {
        try await publish(Array(text.utf8), to: topic, qos: qos, retain: retain, messageExpiry: messageExpiry)
    }

    /// Hands a message to the client's outgoing queue and returns at once, without waiting for
    /// the broker.
    ///
    /// QoS 1/2 messages stay in libmosquitto's queue until the broker acknowledges them, across
    /// reconnects. Use this on hot paths (a relay, a burst of commands) where waiting for each
    /// acknowledgement would serialise the work.
    ///
    /// - Throws: ``MQTTError``: `invalidTopic`, `payloadTooLarge`, `notConnected` (QoS 0 only).
    public func enqueue(
        _ payload: [UInt8],
        to topic: String,
        qos: MQTTQoS = .atLeastOnce,
        retain: Bool = false,
        messageExpiry: Duration? = nil
    ) throws(MQTTError) {
        _ = try submit(payload, to: topic, qos: qos, retain: retain, messageExpiry: messageExpiry, awaiting: false)
    }

    /// Runs `body` (a burst of ``enqueue(_:to:qos:retain:messageExpiry:)`` calls) with the
    /// socket corked, so the kernel sends the burst in as few TCP segments as it can instead of
    /// one per message (`TCP_NODELAY` otherwise sends each at once). Uncorks when `body` returns.
    ///
    /// For a controller answering one signal with a command per group. Harmless when not
    /// connected (there is no socket to cork).
    public func corked<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        #if os(Linux)
            let socket = mosquitto_socket(handle)
            guard socket >= 0 else { return try body() }
            var on: Int32 = 1
            _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_CORK, &on, socklen_t(MemoryLayout<Int32>.size))
            defer {
                var off: Int32 = 0
                _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_CORK, &off, socklen_t(MemoryLayout<Int32>.size))
            }
            return try body()
        #else
            // TCP_CORK is Linux's; elsewhere the burst goes out as the kernel sends it (TCP_NODELAY).
            return try body()
        #endif
    }

    private func submit(
        _ payload: [UInt8],
        to topic: String,
        qos: MQTTQoS,
        retain: Bool,
        messageExpiry: Duration?,
        awaiting: Bool
    ) throws(MQTTError) -> (mid: Int32, ticket: UInt64) {
        try Topic.validateName(topic)
        guard payload.count <= 268_435_455 else {
            throw MQTTError(.payloadTooLarge, "payload of \(payload.count) bytes for '\(topic)' exceeds MQTT's 256 MiB limit")
        }
        var properties: OpaquePointer? = nil
        defer { mosquitto_property_free_all(&properties) }
        if let messageExpiry, usesMQTT5 {
            let seconds = UInt32(clamping: max(messageExpiry.components.seconds, 1))
            _ = mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), seconds)
        }
        // QoS 1/2 messages are queued by libmosquitto even when the connection is down (NO_CONN).
        return try callReturningMessageID(
            awaiting: awaiting,
            queuedWhileDisconnected: qos != .atMostOnce,
            "publish to '\(topic)'"
        ) { mid in
            payload.withUnsafeBytes { bytes in
                mosquitto_publish_v5(handle, &mid, topic, Int32(bytes.count), bytes.baseAddress, Int32(qos.rawValue), retain, properties)
            }
        }
    }

    // MARK: - Subscribe

    /// Subscribes to `filter` and keeps the subscription across reconnects.
    ///
    /// When connected, waits for the broker's SUBACK. When not connected, the subscription is
    /// remembered and sent as soon as the connection is up; a refusal then shows on ``events``.
    ///
    /// - Throws: ``MQTTError``: `invalidTopicFilter` (checked locally, nothing sent),
    ///   `subscriptionRejected` (the broker refused, e.g. by ACL), `timedOut`, `clientStopped`.
    public func subscribe(to filter: String, qos: MQTTQoS = .atLeastOnce) async throws(MQTTError) {
        try Topic.validateFilter(filter)
        let subscription = ClientState.Subscription(filter: filter, qos: qos)
        let connected = sink.state.withLock { state in
            state.remember(subscription)
            return state.isConnected
        }
        guard connected else { return }
        do {
            try await send(subscription)
        } catch  where error.code == .subscriptionRejected {
            sink.state.withLock { $0.forget(filter: filter) }
            throw error
        }
    }

    /// Removes a subscription (and stops re-subscribing it after reconnects).
    public func unsubscribe(from filter: String) async throws(MQTTError) {
        try Topic.validateFilter(filter)
        let connected = sink.state.withLock { state in
            state.forget(filter: filter)
            return state.isConnected
        }
        guard connected else { return }
        let (mid, ticket) = try callReturningMessageID(awaiting: true, "unsubscribe from '\(filter)'") { mid in
            mosquitto_unsubscribe_v5(handle, &mid, filter, nil)
        }
        _ = try await acknowledgement(of: mid, ticket: ticket) { "unsubscribe from '\(filter)'" }
    }

    func send(_ subscription: ClientState.Subscription) async throws(MQTTError) {
        let filter = subscription.filter
        let (mid, ticket) = try callReturningMessageID(awaiting: true, "subscribe to '\(filter)'") { mid in
            mosquitto_subscribe_v5(handle, &mid, filter, Int32(subscription.qos.rawValue), 0, nil)
        }
        let ack = try await acknowledgement(of: mid, ticket: ticket) { "subscribe to '\(filter)'" }
        let granted: MQTTReasonCode = if case .subscribed(let codes) = ack, let first = codes.first { first } else { .unspecifiedError }
        guard !granted.isFailure else {
            throw MQTTError(
                .subscriptionRejected,
                "the broker refused the subscription to '\(filter)': \(granted); check the broker's ACL for this client",
                reasonCode: granted
            )
        }
        sink.state.withLock { $0.confirm(filter: filter) }
    }

    // MARK: - Message ids and waiting

    /// Runs a libmosquitto call that hands back a message id, with the bookkeeping that lets an
    /// acknowledgement arriving before the call returns find its caller (see ``ClientState``).
    ///
    /// - Parameters:
    ///   - awaiting: Open a slot for the acknowledgement (the caller will wait for it).
    ///   - queuedWhileDisconnected: Treat "not connected" as taken (QoS 1/2 publishes are queued).
    ///   - operation: What is being done, for the error message.
    ///   - call: The libmosquitto call; it writes the message id into its argument.
    private func callReturningMessageID(
        awaiting: Bool,
        queuedWhileDisconnected: Bool = false,
        _ operation: @autoclosure () -> String,
        _ call: (inout Int32) -> Int32
    ) throws(MQTTError) -> (mid: Int32, ticket: UInt64) {
        let ticket = sink.state.withLock { $0.beginCall() }
        var mid: Int32 = 0
        let rc = call(&mid)
        let accepted = rc == MOSQ_ERR_SUCCESS.rawValue || (queuedWhileDisconnected && rc == MOSQ_ERR_NO_CONN.rawValue)
        sink.state.withLock { $0.endCall(ticket: ticket, mid: mid, awaiting: accepted && awaiting) }
        guard accepted else { throw MQTTError.library(rc, operation()) }
        return (mid, ticket)
    }

    /// Waits for the broker's acknowledgement of `mid`, bounded by the configured timeout.
    /// `operation` is only evaluated for an error message.
    private func acknowledgement(
        of mid: Int32,
        ticket: UInt64,
        _ operation: @escaping @Sendable () -> String
    ) async throws(MQTTError) -> Acknowledgement {
        try await awaitOutcome(
            timeout: configuration.acknowledgementTimeout,
            timedOut: { [timeout = configuration.acknowledgementTimeout] in
                "\(operation()): no acknowledgement from the broker within \(timeout); the message may still be delivered after a reconnect"
            },
            cancelled: { "\(operation()): cancelled while waiting for the broker's acknowledgement" },
            fail: { state, error in state.failAcknowledgement(mid: mid, ticket: ticket, error) },
            park: { state, continuation in state.parkAcknowledgement(mid: mid, ticket: ticket, continuation) }
        ).get()
    }

    /// Parks the caller in a waiter slot (``WaiterTable``) until it is resolved, failing the slot
    /// with `timedOut` after `timeout` or with `cancelled` when the calling task is cancelled.
    private func awaitOutcome<Value: Sendable>(
        timeout: Duration,
        timedOut: @escaping @Sendable () -> String,
        cancelled: @escaping @Sendable () -> String,
        fail: @escaping @Sendable (inout ClientState, MQTTError) -> CheckedContinuation<Result<Value, MQTTError>, Never>?,
        park: (inout ClientState, CheckedContinuation<Result<Value, MQTTError>, Never>) -> Result<Value, MQTTError>?
    ) async -> Result<Value, MQTTError> {
        let sink = self.sink
        return await withTaskGroup(of: Void.self, returning: Result<Value, MQTTError>.self) { group in
            group.addTask {
                let failure: MQTTError
                do {
                    try await Task.sleep(for: timeout)
                    failure = MQTTError(.timedOut, timedOut())
                } catch {
                    failure = MQTTError(.cancelled, cancelled())
                }
                sink.state.withLock { fail(&$0, failure) }?.resume(returning: .failure(failure))
            }
            let outcome = await withCheckedContinuation { continuation in
                if let ready = sink.state.withLock({ park(&$0, continuation) }) {
                    continuation.resume(returning: ready)
                }
            }
            group.cancelAll()
            return outcome
        }
    }
}
