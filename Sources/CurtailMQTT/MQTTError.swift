internal import CMosquitto

/// An error from the MQTT client, with a message written for a site operator.
///
/// Match on ``code`` to handle a kind of failure; print ``description`` to tell a person what
/// happened and what to do about it.
public struct MQTTError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure. New kinds may be added; switch with a `default` case.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidConfiguration
            case tlsFileUnreadable
            case invalidTopic
            case invalidTopicFilter
            case payloadTooLarge
            case notConnected
            case connectionRefused
            case connectionFailed
            case timedOut
            case publishRejected
            case subscriptionRejected
            case clientStopped
            case cancelled
            case alreadyRunning
            case library
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A setting in ``MQTTConfiguration`` is invalid.
        public static let invalidConfiguration = Self(.invalidConfiguration)
        /// A TLS CA, certificate or key file is missing or unreadable.
        public static let tlsFileUnreadable = Self(.tlsFileUnreadable)
        /// A topic name to publish to is not valid (empty, wildcards, bad UTF-8).
        public static let invalidTopic = Self(.invalidTopic)
        /// A topic filter to subscribe to is not valid (misplaced `#` or `+`, bad UTF-8).
        public static let invalidTopicFilter = Self(.invalidTopicFilter)
        /// A payload is larger than MQTT or the broker allows.
        public static let payloadTooLarge = Self(.payloadTooLarge)
        /// The operation needs a connection and there is none (QoS 0 publish while disconnected).
        public static let notConnected = Self(.notConnected)
        /// The broker refused the connection (bad credentials, not authorised, …); see ``MQTTError/reasonCode``.
        public static let connectionRefused = Self(.connectionRefused)
        /// The network connection could not be made (closed port, unknown host, TLS handshake).
        public static let connectionFailed = Self(.connectionFailed)
        /// The broker did not acknowledge in time.
        public static let timedOut = Self(.timedOut)
        /// The broker answered a publish with a failure reason code.
        public static let publishRejected = Self(.publishRejected)
        /// The broker refused a subscription.
        public static let subscriptionRejected = Self(.subscriptionRejected)
        /// The client was shut down while the operation was waiting.
        public static let clientStopped = Self(.clientStopped)
        /// The waiting task was cancelled.
        public static let cancelled = Self(.cancelled)
        /// ``MQTTClient/run()`` was called on a client that is already running or has run.
        public static let alreadyRunning = Self(.alreadyRunning)
        /// libmosquitto reported an error not covered above.
        public static let library = Self(.library)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// What happened and what to do, for a person.
    public let message: String
    /// The broker's reason code, when the broker said no.
    public let reasonCode: MQTTReasonCode?

    init(_ code: Code, _ message: String, reasonCode: MQTTReasonCode? = nil) {
        self.code = code
        self.message = message
        self.reasonCode = reasonCode
    }

    public var description: String { message }
}

extension MQTTError {
    /// An error for a libmosquitto return code, with `operation` saying what was being done.
    static func library(_ rc: Int32, _ operation: String) -> Self {
        let text = String(cString: mosquitto_strerror(rc))
        switch rc {
        case Int32(MOSQ_ERR_NO_CONN.rawValue):
            return .init(.notConnected, "\(operation): not connected to the broker; the client reconnects by itself, retry later")
        case Int32(MOSQ_ERR_PAYLOAD_SIZE.rawValue), Int32(MOSQ_ERR_OVERSIZE_PACKET.rawValue):
            return .init(.payloadTooLarge, "\(operation): payload is larger than the broker accepts (\(text))")
        case Int32(MOSQ_ERR_ERRNO.rawValue), Int32(MOSQ_ERR_EAI.rawValue), Int32(MOSQ_ERR_CONN_REFUSED.rawValue):
            return .init(.connectionFailed, "\(operation): \(text)")
        case Int32(MOSQ_ERR_TLS.rawValue), Int32(MOSQ_ERR_TLS_HANDSHAKE.rawValue):
            return .init(
                .connectionFailed,
                "\(operation): TLS failed (\(text)); check the CA file and that the broker's certificate matches the host name"
            )
        default:
            return .init(.library, "\(operation): \(text) (libmosquitto error \(rc))")
        }
    }
}
