public import CurtailCore

/// `grid/{market}/events`: a deployment, new or updated.
///
/// `{"id": "ERS-0817", "program": "ERS-10", "start": T, "end": T, "target": {"max_mw": 0}}`
/// (or `{"reduce_mw": X}`); an optional `"status"` of `active` or `scheduled`. The same topic
/// carries ``EventCancellation``; ``GridEventMessage`` reads either.
public struct EventPayload: WirePayload, Hashable {
    public static var payloadName: String { "grid event" }

    public var event: GridEvent

    public init(_ event: GridEvent) { self.event = event }

    /// Whether `id` can name an event: 1–64 characters, none of them an MQTT wildcard or level
    /// separator (the id becomes a topic level of the event's report).
    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && !id.contains("/") && !id.contains("+") && !id.contains("#")
    }

    static func id(_ json: JSONObjectReader) throws(Rejection) -> String {
        let id = try json.string("id")
        guard isValidID(id) else {
            throw Rejection(.wrongType, "grid event id must be 1-64 characters without '/', '+' or '#', found '\(id)'")
        }
        return id
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        switch try GridEventMessage(decoding: payload) {
        case .event(let event): self = event
        case .cancellation(let cancellation):
            throw Rejection(.unknownKind, "grid event \(cancellation.id) is a cancellation, not an event")
        }
    }

    init(json: JSONObjectReader, id: String) throws(Rejection) {
        let program = try json.string("program")
        let start = try json.timestamp("start")
        let end = try json.timestamp("end")
        guard end > start else { throw Rejection(.outOfRange, "grid event \(id): end \(end) is not after start \(start)") }
        let targetJSON = try json.object("target")
        let maxMW = try targetJSON.optionalNumber("max_mw", in: 0...100_000, unit: "MW")
        let reduceMW = try targetJSON.optionalNumber("reduce_mw", in: 0...100_000, unit: "MW")
        let target: GridEvent.Target
        switch (maxMW, reduceMW) {
        case (let max?, nil): target = .maximum(Megawatts(max))
        case (nil, let reduce?): target = .reduction(Megawatts(reduce))
        case (nil, nil): throw Rejection(.missingField, "grid event \(id): target needs 'max_mw' or 'reduce_mw'")
        default: throw Rejection(.wrongType, "grid event \(id): target has both 'max_mw' and 'reduce_mw'; give one")
        }
        self.init(GridEvent(id: id, program: program, start: start, end: end, target: target))
    }

    public func encode() throws(WireError) -> [UInt8] {
        var target = JSONWriter(capacity: 24)
        switch event.target {
        case .maximum(let mw): target.field("max_mw", mw.value)
        case .reduction(let mw): target.field("reduce_mw", mw.value)
        }
        var json = JSONWriter()
        json.field("id", event.id)
        json.field("program", event.program)
        json.field("start", event.start)
        json.field("end", event.end)
        json.field("target", target)
        return try json.finish(Self.payloadName)
    }
}

/// `grid/{market}/events` with `"status": "cancelled"`: `{"id": "ERS-0817", "status": "cancelled"}`.
public struct EventCancellation: WirePayload, Hashable {
    public static var payloadName: String { "grid event cancellation" }

    public var id: String

    public init(id: String) { self.id = id }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        switch try GridEventMessage(decoding: payload) {
        case .cancellation(let cancellation): self = cancellation
        case .event(let event): throw Rejection(.unknownKind, "grid event \(event.event.id) is an event, not a cancellation")
        }
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter(capacity: 48)
        json.field("id", id)
        json.field("status", "cancelled")
        return try json.finish(Self.payloadName)
    }
}

/// What the events topic carries: an event or a cancellation.
public enum GridEventMessage: Hashable, Sendable {
    case event(EventPayload)
    case cancellation(EventCancellation)

    /// Reads either (`"status": "cancelled"` or `"canceled"` makes a cancellation).
    public init(decoding payload: [UInt8]) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: EventPayload.payloadName)
        let id = try EventPayload.id(json)
        if let status = try json.optionalString("status") {
            switch status {
            case "cancelled", "canceled":
                self = .cancellation(EventCancellation(id: id))
                return
            case "active", "scheduled": break
            default:
                throw Rejection(.unknownKind, "grid event \(id): status must be \"active\", \"scheduled\" or \"cancelled\", found \"\(status)\"")
            }
        }
        self = .event(try EventPayload(json: json, id: id))
    }
}
