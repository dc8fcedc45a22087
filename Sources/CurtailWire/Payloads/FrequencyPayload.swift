public import CurtailCore

/// `grid/{market}/frequency`: `{"ts": T, "hz": 59.68}`.
public struct FrequencyPayload: WirePayload, Hashable {
    public static var payloadName: String { "frequency" }
    /// What the contract accepts, Hz (a 50 Hz grid would need its own range).
    public static let range: ClosedRange<Double> = 55...65

    public var ts: Timestamp
    public var hz: Double

    public init(ts: Timestamp, hz: Double) {
        self.ts = ts
        self.hz = hz
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: Self.payloadName)
        self.init(ts: try json.timestamp("ts"), hz: try json.number("hz", in: Self.range, unit: "Hz"))
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter(capacity: 48)
        json.field("ts", ts)
        json.field("hz", hz)
        return try json.finish(Self.payloadName)
    }
}
