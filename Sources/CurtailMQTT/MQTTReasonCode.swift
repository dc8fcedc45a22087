internal import CMosquitto

/// An MQTT reason code as a broker reports it in CONNACK, PUBACK, SUBACK or DISCONNECT.
///
/// MQTT 5 codes are used throughout; MQTT 3.1.1 CONNACK return codes are translated to their
/// MQTT 5 equivalents, so `0x86` means "bad user name or password" whatever the protocol.
public struct MQTTReasonCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The code as sent on the wire.
    public let rawValue: UInt8

    /// Wraps a raw reason code.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Success, normal disconnection, or QoS 0 granted.
    public static let success = Self(rawValue: 0x00)
    /// Published, but nobody is subscribed (PUBACK, informational).
    public static let noMatchingSubscribers = Self(rawValue: 0x10)
    /// The broker failed without saying why.
    public static let unspecifiedError = Self(rawValue: 0x80)
    /// The broker does not speak the requested MQTT version.
    public static let unsupportedProtocolVersion = Self(rawValue: 0x84)
    /// The broker rejected the client id.
    public static let clientIdentifierNotValid = Self(rawValue: 0x85)
    /// Wrong user name or password.
    public static let badUserNameOrPassword = Self(rawValue: 0x86)
    /// The client may not connect, publish or subscribe here (ACL).
    public static let notAuthorized = Self(rawValue: 0x87)
    /// The broker cannot take the connection now.
    public static let serverUnavailable = Self(rawValue: 0x88)
    /// The broker is busy; try again later.
    public static let serverBusy = Self(rawValue: 0x89)
    /// The broker has banned this client.
    public static let banned = Self(rawValue: 0x8A)
    /// The authentication method is not supported.
    public static let badAuthenticationMethod = Self(rawValue: 0x8C)
    /// Another connection with the same client id took over the session.
    public static let sessionTakenOver = Self(rawValue: 0x8E)
    /// The broker rejected a topic filter.
    public static let topicFilterInvalid = Self(rawValue: 0x8F)
    /// The broker rejected a topic name.
    public static let topicNameInvalid = Self(rawValue: 0x90)
    /// The message is larger than the broker accepts.
    public static let packetTooLarge = Self(rawValue: 0x95)
    /// An administrative quota was exceeded.
    public static let quotaExceeded = Self(rawValue: 0x97)
    /// The payload does not match its declared format.
    public static let payloadFormatInvalid = Self(rawValue: 0x99)

    /// `true` for codes of 0x80 and above, which mean the operation failed.
    public var isFailure: Bool { rawValue >= 0x80 }

    /// `true` when retrying the same connection cannot succeed without an operator changing
    /// something (credentials, ACLs, client id, protocol).
    public var isPermanentConnectFailure: Bool {
        [.badUserNameOrPassword, .notAuthorized, .banned, .badAuthenticationMethod, .clientIdentifierNotValid]
            .contains(self)
    }

    /// Translates an MQTT 3.1.1 CONNACK return code (0–5) to the MQTT 5 reason code.
    static func fromV311Connack(_ code: Int32) -> Self {
        switch code {
        case 0: .success
        case 1: .unsupportedProtocolVersion
        case 2: .clientIdentifierNotValid
        case 3: .serverUnavailable
        case 4: .badUserNameOrPassword
        case 5: .notAuthorized
        default: .unspecifiedError
        }
    }

    public var description: String {
        let text = String(cString: mosquitto_reason_string(Int32(rawValue)))
        return "\(text) (0x\(String(rawValue, radix: 16, uppercase: true)))"
    }
}
