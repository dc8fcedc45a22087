public import CurtailCore

/// `mining/hashprice`: `{"ts": T, "usd_per_th_day": 0.052}`.
public struct HashPricePayload: WirePayload, Hashable {
    public static var payloadName: String { "hash price" }
    /// What the contract accepts, USD per TH/s per day (2013's peak was about 8).
    public static let range: ClosedRange<Double> = 0.000_001...10

    public var ts: Timestamp
    public var usdPerTHDay: Double

    public init(ts: Timestamp, usdPerTHDay: Double) {
        self.ts = ts
        self.usdPerTHDay = usdPerTHDay
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: Self.payloadName)
        self.init(ts: try json.timestamp("ts"), usdPerTHDay: try json.number("usd_per_th_day", in: Self.range, unit: "USD/TH/day"))
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter(capacity: 64)
        json.field("ts", ts)
        json.field("usd_per_th_day", usdPerTHDay)
        return try json.finish(Self.payloadName)
    }
}
