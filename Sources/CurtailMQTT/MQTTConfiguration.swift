/// Everything ``MQTTClient`` needs to reach a broker and behave on the connection.
///
/// The defaults suit a controller on a site network: MQTT 5 with 3.1.1 fallback, 15 s keep-alive,
/// `TCP_NODELAY` on, reconnect with exponential backoff from 1 s to 30 s, retry the first
/// connection until the broker is up.
public struct MQTTConfiguration: Sendable {
    /// Broker host name or IP address.
    public var host: String
    /// Broker TCP port (1883 plain, 8883 TLS by convention).
    public var port: Int
    /// Client identifier. A stable id plus `cleanSession = false` lets the broker keep the
    /// session (subscriptions and queued QoS 1/2 messages) while the client is away.
    public var clientID: String
    /// `true`: the broker forgets the session when the connection ends. `false`: persistent session.
    public var cleanSession: Bool
    /// With `cleanSession = false` on MQTT 5: how long the broker keeps the session after the
    /// client disappears (MQTT 3.1.1 sessions last until the broker's own expiry setting).
    public var sessionExpiry: Duration
    /// How often the client pings an idle broker; a dead connection is noticed after about 1.5×.
    public var keepAlive: Duration
    /// User name and password, if the broker requires them.
    public var credentials: Credentials?
    /// TLS settings; `nil` for a plain TCP connection.
    public var tls: TLS?
    /// The message the broker publishes for this client if it disappears without disconnecting.
    public var will: Will?
    /// Which MQTT protocol version to speak.
    public var protocolVersion: ProtocolVersion
    /// Disable Nagle's algorithm on the client socket. Keep it on: with Nagle a request/response
    /// exchange through the broker takes tens of milliseconds instead of about 0.1 ms.
    public var tcpNoDelay: Bool
    /// Delays between connection attempts, for the first connection and for reconnects.
    public var reconnect: Reconnect
    /// How long ``MQTTClient/publish(_:to:qos:retain:messageExpiry:)`` and
    /// ``MQTTClient/subscribe(to:qos:)`` wait for the broker's acknowledgement.
    public var acknowledgementTimeout: Duration
    /// How many received messages may wait for the consumer of ``MQTTClient/messages``;
    /// past that the oldest are dropped and counted (``MQTTClient/droppedMessageCount``).
    public var messageBufferCapacity: Int
    /// Received payloads larger than this are not copied or delivered; they are dropped, counted
    /// and reported as ``MQTTConnectionEvent/messageDropped(topic:payloadBytes:reason:)``.
    public var maximumIncomingPayloadBytes: Int

    /// Creates a configuration for the broker at `host:port`.
    public init(
        host: String = "127.0.0.1",
        port: Int = 1883,
        clientID: String,
        cleanSession: Bool = true
    ) {
        self.host = host
        self.port = port
        self.clientID = clientID
        self.cleanSession = cleanSession
        self.keepAlive = .seconds(15)
        self.sessionExpiry = .seconds(86_400)
        self.credentials = nil
        self.tls = nil
        self.will = nil
        self.protocolVersion = .v5(fallbackToV311: true)
        self.tcpNoDelay = true
        self.reconnect = Reconnect()
        self.acknowledgementTimeout = .seconds(10)
        self.messageBufferCapacity = 65_536
        self.maximumIncomingPayloadBytes = 1 << 20
    }

    /// Reads `mqtt://HOST:PORT` or `mqtts://HOST:PORT` (TLS with the system CA store) into a
    /// configuration. The port defaults to 1883 (`mqtt`) or 8883 (`mqtts`).
    ///
    /// - Throws: ``MQTTError/Code-swift.struct/invalidConfiguration`` with the accepted form.
    public init(url: String, clientID: String, cleanSession: Bool = true) throws(MQTTError) {
        let address = try BrokerAddress(parsing: url)
        self.init(host: address.host, port: address.port, clientID: clientID, cleanSession: cleanSession)
        if address.tls { tls = TLS() }
    }

    /// Checks the settings that can be checked without a network. Called by ``MQTTClient/init(configuration:logger:)``.
    func validate() throws(MQTTError) {
        func invalid(_ message: String) -> MQTTError { MQTTError(.invalidConfiguration, message) }
        guard !host.isEmpty else { throw invalid("broker host is empty; set it to the broker's name or IP address") }
        guard (1...65_535).contains(port) else { throw invalid("broker port \(port) is out of range 1...65535") }
        guard clientID.utf8.count <= 65_535 else { throw invalid("client id is longer than 65535 bytes") }
        guard !clientID.isEmpty || cleanSession else {
            throw invalid("a persistent session (cleanSession = false) needs a non-empty, stable client id")
        }
        let keepAliveSeconds = keepAlive.components.seconds
        guard (5...65_535).contains(keepAliveSeconds) else {
            throw invalid("keep-alive \(keepAliveSeconds) s is out of range 5...65535 s")
        }
        guard reconnect.initialDelay >= .seconds(1), reconnect.maximumDelay >= reconnect.initialDelay else {
            throw invalid("reconnect delays must be at least 1 s and maximumDelay ≥ initialDelay")
        }
        guard acknowledgementTimeout > .zero else { throw invalid("acknowledgementTimeout must be positive") }
        guard messageBufferCapacity > 0 else { throw invalid("messageBufferCapacity must be positive") }
        guard maximumIncomingPayloadBytes >= 0 else { throw invalid("maximumIncomingPayloadBytes must not be negative") }
        if let credentials, credentials.username.isEmpty {
            throw invalid("user name is empty; remove the credentials or set a user name")
        }
        if let will {
            try will.validate()
        }
    }
}

extension MQTTConfiguration {
    /// MQTT user name and password.
    public struct Credentials: Sendable, Hashable {
        /// The MQTT user name.
        public var username: String
        /// The password; `nil` sends none.
        public var password: String?

        public init(username: String, password: String?) {
            self.username = username
            self.password = password
        }
    }

    /// TLS settings. Files are PEM; they are checked for readability before connecting.
    public struct TLS: Sendable, Hashable {
        /// CA certificate(s) that signed the broker's certificate. `nil`: the operating system's CA store.
        public var caFile: String?
        /// Client certificate, for brokers that authenticate clients by certificate.
        public var certificateFile: String?
        /// Private key of the client certificate (unencrypted PEM).
        public var keyFile: String?

        public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    /// The last-will message: published by the broker when this client vanishes without a clean
    /// disconnect (crash, power loss, network cut), never after a clean shutdown.
    public struct Will: Sendable, Hashable {
        /// Where the broker publishes the will, e.g. `site/west-texas-1/controller/status`.
        public var topic: String
        /// The will's payload, e.g. `offline`.
        public var payload: [UInt8]
        /// QoS of the will message.
        public var qos: MQTTQoS
        /// Keep the will as the topic's retained value, so late subscribers see it too.
        public var retain: Bool
        /// MQTT 5 message expiry of the will message.
        public var messageExpiry: Duration?

        public init(topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce, retain: Bool = true, messageExpiry: Duration? = nil) {
            self.topic = topic
            self.payload = payload
            self.qos = qos
            self.retain = retain
            self.messageExpiry = messageExpiry
        }

        func validate() throws(MQTTError) {
            try Topic.validateName(topic)
        }
    }

    /// The MQTT protocol version.
    public enum ProtocolVersion: Sendable, Hashable {
        /// MQTT 5 (message expiry, reason codes). With `fallbackToV311`, a broker that answers
        /// "unsupported protocol version" is retried with MQTT 3.1.1.
        case v5(fallbackToV311: Bool)
        /// MQTT 3.1.1 only.
        case v311
    }

    /// Backoff between connection attempts.
    public struct Reconnect: Sendable, Hashable {
        /// First delay after a failed attempt (whole seconds, at least 1 s: libmosquitto's unit).
        public var initialDelay: Duration
        /// Longest delay between attempts.
        public var maximumDelay: Duration
        /// Double the delay after each failure (otherwise grow it linearly).
        public var exponential: Bool

        public init(initialDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(30), exponential: Bool = true) {
            self.initialDelay = initialDelay
            self.maximumDelay = maximumDelay
            self.exponential = exponential
        }

        /// The delay before attempt number `attempt` (0 = after the first failure).
        func delay(afterFailures attempt: Int) -> Duration {
            let base = Double(initialDelay.components.seconds)
            let seconds = exponential ? base * Double(1 << min(attempt, 16)) : base * Double(attempt + 1)
            return min(.seconds(seconds), maximumDelay)
        }
    }
}

/// A parsed `mqtt://` or `mqtts://` broker address.
struct BrokerAddress: Hashable {
    var host: String
    var port: Int
    var tls: Bool

    init(parsing url: String) throws(MQTTError) {
        let usage = "expected mqtt://HOST:PORT or mqtts://HOST:PORT, got '\(url)'"
        let rest: Substring
        if url.hasPrefix("mqtt://") {
            rest = url.dropFirst("mqtt://".count)
            tls = false
        } else if url.hasPrefix("mqtts://") {
            rest = url.dropFirst("mqtts://".count)
            tls = true
        } else {
            throw MQTTError(.invalidConfiguration, "broker address: \(usage)")
        }
        let authority = rest.hasSuffix("/") ? rest.dropLast() : rest
        guard !authority.contains("/"), !authority.contains("@") else {
            throw MQTTError(.invalidConfiguration, "broker address: \(usage) (no path or user part)")
        }
        var hostPart = authority
        var portPart: Substring? = nil
        if authority.hasPrefix("[") {  // [IPv6]:port
            guard let close = authority.firstIndex(of: "]") else {
                throw MQTTError(.invalidConfiguration, "broker address: unclosed '[' in '\(url)'")
            }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                portPart = after.dropFirst()
            } else if !after.isEmpty {
                throw MQTTError(.invalidConfiguration, "broker address: \(usage)")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        guard !hostPart.isEmpty else { throw MQTTError(.invalidConfiguration, "broker address: host is missing; \(usage)") }
        host = String(hostPart)
        if let portPart {
            guard let value = Int(portPart), (1...65_535).contains(value) else {
                throw MQTTError(.invalidConfiguration, "broker address: port '\(portPart)' is not a number in 1...65535")
            }
            port = value
        } else {
            port = tls ? 8883 : 1883
        }
    }
}
