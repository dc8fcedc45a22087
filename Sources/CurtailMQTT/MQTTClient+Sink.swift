internal import CMosquitto
import Logging
import Synchronization

extension MQTTClient {
    /// What libmosquitto's loop thread reports, for ``MQTTClient/run()`` to act on.
    enum Control: Sendable {
        case connack(MQTTReasonCode, sessionPresent: Bool)
        case connectionLost(String)
        case stop
    }

    /// The object libmosquitto's callbacks reach through `userdata`.
    ///
    /// It owns no C resources and holds only thread-safe members, so the loop thread can use it
    /// while Swift tasks do too. Callbacks copy what they need out of C memory and return quickly.
    final class Sink: Sendable {
        let state: Mutex<ClientState>
        let messages: AsyncStream<MQTTMessage>.Continuation
        let events: AsyncStream<MQTTConnectionEvent>.Continuation
        let controls: AsyncStream<Control>.Continuation
        let dropped = Atomic<Int>(0)
        let maximumPayloadBytes: Int
        let logger: Logger

        init(
            state: ClientState,
            messages: AsyncStream<MQTTMessage>.Continuation,
            events: AsyncStream<MQTTConnectionEvent>.Continuation,
            controls: AsyncStream<Control>.Continuation,
            maximumPayloadBytes: Int,
            logger: Logger
        ) {
            self.state = Mutex(state)
            self.messages = messages
            self.events = events
            self.controls = controls
            self.maximumPayloadBytes = maximumPayloadBytes
            self.logger = logger
        }

        func connack(rc: Int32, flags: Int32) {
            let usesV5 = state.withLock { $0.usesV5 }
            let reason = usesV5 ? MQTTReasonCode(rawValue: UInt8(truncatingIfNeeded: rc)) : .fromV311Connack(rc)
            controls.yield(.connack(reason, sessionPresent: flags & 1 == 1))
        }

        func disconnected(rc: Int32) {
            guard rc != 0 else { return }  // 0: we asked for it
            let usesV5 = state.withLock { $0.usesV5 }
            // rc is a libmosquitto error (e.g. 7, connection lost) or, when the broker sent
            // DISCONNECT, an MQTT 5 reason code (0x80 and up).
            let reason =
                usesV5 && rc >= 0x80
                ? "broker disconnected us: \(MQTTReasonCode(rawValue: UInt8(truncatingIfNeeded: rc)))"
                : String(cString: mosquitto_strerror(rc))
            state.withLock { state in
                let wasConnected = state.isConnected
                state.disconnected()
                // A failed attempt's return code says only "a TLS error"; keep what libmosquitto
                // logged about it (e.g. "certificate verify failed"), whichever came first.
                let detail = wasConnected ? nil : state.lastLibraryProblem
                state.lastConnectionError = detail.map { "\(reason): \($0)" } ?? reason
                state.lastLibraryProblem = nil
            }
            controls.yield(.connectionLost(reason))
        }

        func acknowledged(mid: Int32, _ ack: Acknowledgement) {
            state.withLock { $0.acknowledge(mid: mid, ack) }?.resume(returning: .success(ack))
        }

        func received(_ message: UnsafePointer<mosquitto_message>, properties: OpaquePointer?) {
            let raw = message.pointee
            let topic = raw.topic.map { String(cString: $0) } ?? ""
            let length = Int(raw.payloadlen)
            guard length <= maximumPayloadBytes else {
                logger.warning(
                    "dropped an MQTT message: payload too large",
                    metadata: ["mqtt.topic": "\(topic)", "mqtt.bytes": "\(length)", "mqtt.limit": "\(maximumPayloadBytes)"]
                )
                events.yield(.messageDropped(topic: topic, payloadBytes: length, reason: .payloadTooLarge(limit: maximumPayloadBytes)))
                return
            }
            let payload: [UInt8] =
                if let bytes = raw.payload, length > 0 {
                    Array(UnsafeRawBufferPointer(start: bytes, count: length))
                } else {
                    []
                }
            var expiry: Duration? = nil
            if properties != nil {
                var seconds: UInt32 = 0
                if mosquitto_property_read_int32(properties, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), &seconds, false) != nil {
                    expiry = .seconds(seconds)
                }
            }
            let qos = MQTTQoS(rawValue: Int(raw.qos)) ?? .atMostOnce
            let result = messages.yield(
                MQTTMessage(topic: topic, payload: payload, qos: qos, retain: raw.retain, messageExpiryInterval: expiry)
            )
            if case .dropped(let oldest) = result {
                let total = dropped.add(1, ordering: .relaxed).newValue
                if total == 1 || total.isMultiple(of: 1000) {
                    logger.warning(
                        "MQTT consumer is too slow: dropping the oldest waiting messages",
                        metadata: ["mqtt.dropped_total": "\(total)", "mqtt.topic": "\(oldest.topic)"]
                    )
                }
                events.yield(.messageDropped(topic: oldest.topic, payloadBytes: oldest.payload.count, reason: .bufferFull))
            }
        }

        /// libmosquitto's own log. Errors and warnings (TLS verification failures among them,
        /// which reach no other callback) are logged and kept as the last connection error, so a
        /// connection timeout can say why; the rest is trace-level.
        func log(level: Int32, _ text: UnsafePointer<CChar>?) {
            guard let text else { return }
            let isProblem = level & Int32(MOSQ_LOG_ERR | MOSQ_LOG_WARNING) != 0
            guard isProblem || logger.logLevel <= .trace else { return }
            let message = String(cString: text)
            guard isProblem else {
                logger.trace("libmosquitto: \(message)", metadata: ["mqtt.log_level": "\(level)"])
                return
            }
            let connected = state.withLock { state in
                if !state.isConnected {
                    state.lastConnectionError = message
                    state.lastLibraryProblem = message
                }
                return state.isConnected
            }
            logger.warning("libmosquitto: \(message)", metadata: ["mqtt.connected": "\(connected)"])
        }
    }
}

// MARK: - C callbacks
//
// Plain functions: a C function pointer cannot capture. Each recovers the sink from `userdata`.

private func sink(_ userdata: UnsafeMutableRawPointer?) -> MQTTClient.Sink? {
    userdata.map { Unmanaged<MQTTClient.Sink>.fromOpaque($0).takeUnretainedValue() }
}

func mqttOnConnect(_: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ rc: Int32, _ flags: Int32, _: OpaquePointer?) {
    sink(userdata)?.connack(rc: rc, flags: flags)
}

func mqttOnDisconnect(_: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ rc: Int32, _: OpaquePointer?) {
    sink(userdata)?.disconnected(rc: rc)
}

func mqttOnPublish(_: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ mid: Int32, _ reason: Int32, _: OpaquePointer?) {
    sink(userdata)?.acknowledged(mid: mid, .published(MQTTReasonCode(rawValue: UInt8(truncatingIfNeeded: reason))))
}

func mqttOnSubscribe(
    _: OpaquePointer?,
    _ userdata: UnsafeMutableRawPointer?,
    _ mid: Int32,
    _ count: Int32,
    _ granted: UnsafePointer<Int32>?,
    _: OpaquePointer?
) {
    let codes = (0..<Int(max(count, 0))).map { MQTTReasonCode(rawValue: UInt8(truncatingIfNeeded: granted?[$0] ?? 0x80)) }
    sink(userdata)?.acknowledged(mid: mid, .subscribed(codes))
}

func mqttOnUnsubscribe(_: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ mid: Int32, _: OpaquePointer?) {
    sink(userdata)?.acknowledged(mid: mid, .unsubscribed)
}

func mqttOnMessage(
    _: OpaquePointer?,
    _ userdata: UnsafeMutableRawPointer?,
    _ message: UnsafePointer<mosquitto_message>?,
    _ properties: OpaquePointer?
) {
    guard let message else { return }
    sink(userdata)?.received(message, properties: properties)
}

func mqttOnLog(_: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ level: Int32, _ text: UnsafePointer<CChar>?) {
    sink(userdata)?.log(level: level, text)
}
