public import CurtailCore

/// `site/{site}/rejected`: one refused input, with the reason.
///
/// `{"ts": T, "topic": "...", "kind": "out_of_range", "reason": "...", "payload": "..."}`
/// (`payload` is the start of the refused message, as text).
public struct RejectedPayload: WirePayload, Hashable {
    public static var payloadName: String { "rejection" }

    public var ts: Timestamp
    public var topic: String
    public var kind: Rejection.Kind
    public var reason: String
    /// The start of the refused payload (at most 256 bytes), as text.
    public var payload: String

    public init(ts: Timestamp, topic: String, rejection: Rejection, payload: [UInt8]) {
        self.ts = ts
        self.topic = topic
        self.kind = rejection.kind
        self.reason = rejection.reason
        self.payload = String(decoding: payload.prefix(256), as: UTF8.self)
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: Self.payloadName)
        let kindText = try json.string("kind")
        guard let kind = Rejection.Kind(rawValue: kindText) else {
            throw Rejection(
                .unknownKind,
                "rejection kind '\(kindText)' is not one of \(Rejection.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        ts = try json.timestamp("ts")
        topic = try json.string("topic")
        self.kind = kind
        reason = try json.string("reason")
        self.payload = try json.optionalString("payload") ?? ""
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter(capacity: 128 + reason.utf8.count + payload.utf8.count)
        json.field("ts", ts)
        json.field("topic", topic)
        json.field("kind", kind.rawValue)
        json.field("reason", reason)
        json.field("payload", payload)
        return try json.finish(Self.payloadName)
    }
}
