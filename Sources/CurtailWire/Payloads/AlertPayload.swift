public import CurtailCore

/// `grid/{market}/alerts`: a coincident-peak warning or an emergency level.
///
/// `{"kind": "4cp", "probability": 0.7, "start": T, "end": T}` or
/// `{"kind": "eea", "level": 2, "ts": T}` (`ts` optional; level 0 ends the emergency).
public enum AlertPayload: WirePayload, Hashable {
    /// The alert kinds the contract knows.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// A 4CP (coincident peak) warning for a window.
        case fourCP = "4cp"
        /// An Energy Emergency Alert level, 0–3.
        case eea = "eea"
    }

    case fourCP(GridAlert)
    case eea(level: Int, at: Timestamp?)

    public static var payloadName: String { "alert" }

    /// Which kind this is.
    public var kind: Kind {
        switch self {
        case .fourCP: .fourCP
        case .eea: .eea
        }
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: Self.payloadName)
        let kindText = try json.string("kind")
        switch Kind(rawValue: kindText) {
        case .fourCP:
            let probability = try json.number("probability", in: 0...1)
            let start = try json.timestamp("start")
            let end = try json.timestamp("end")
            guard end > start else { throw Rejection(.outOfRange, "4cp alert: end \(end) is not after start \(start)") }
            self = .fourCP(GridAlert(kind: .fourCP, probability: probability, start: start, end: end))
        case .eea:
            self = .eea(level: try json.integer("level", in: 0...3), at: json.has("ts") ? try json.timestamp("ts") : nil)
        case nil:
            throw Rejection(.unknownKind, "alert kind must be \"4cp\" or \"eea\", found \"\(kindText)\"")
        }
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter(capacity: 112)
        json.field("kind", kind.rawValue)
        switch self {
        case .fourCP(let alert):
            json.field("probability", alert.probability)
            json.field("start", alert.start)
            json.field("end", alert.end)
        case .eea(let level, let at):
            json.field("level", level)
            json.field("ts", at)
        }
        return try json.finish(Self.payloadName)
    }
}
