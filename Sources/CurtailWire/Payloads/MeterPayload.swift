public import CurtailCore

/// `site/{site}/meter`: the site's revenue meter, `{"ts": T, "power_kw": 9580}`.
public struct MeterPayload: WirePayload, Hashable {
    public static var payloadName: String { "site meter" }

    public var ts: Timestamp
    /// Site import, kW (not negative; the receiver checks it against the site's size).
    public var powerKW: Double

    public init(ts: Timestamp, powerKW: Double) {
        self.ts = ts
        self.powerKW = powerKW
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: Self.payloadName)
        self.init(ts: try json.timestamp("ts"), powerKW: try json.number("power_kw", in: 0...1e9, unit: "kW"))
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter(capacity: 48)
        json.field("ts", ts)
        json.field("power_kw", powerKW)
        return try json.finish(Self.payloadName)
    }
}
