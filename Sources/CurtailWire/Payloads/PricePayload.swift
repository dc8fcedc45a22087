public import CurtailCore

/// `grid/{market}/{node}/price`: one interval's price.
///
/// `{"interval_start": T, "interval_minutes": 15, "price_usd_per_mwh": 42.5, "kind": "rt"}`
/// (`kind` defaults to `rt`; `da` is a day-ahead price).
public struct PricePayload: WirePayload, Hashable {
    /// Real-time (settlement) or day-ahead.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case realTime = "rt"
        case dayAhead = "da"
    }

    public static var payloadName: String { "price" }

    /// The start of the interval the price is for.
    public var intervalStart: Timestamp
    /// The interval's length, 1–1440 minutes.
    public var intervalMinutes: Int
    /// The price, inside ``USDPerMWh/plausibleRange``.
    public var priceUSDPerMWh: Double
    public var kind: Kind

    public init(intervalStart: Timestamp, intervalMinutes: Int, priceUSDPerMWh: Double, kind: Kind = .realTime) {
        self.intervalStart = intervalStart
        self.intervalMinutes = intervalMinutes
        self.priceUSDPerMWh = priceUSDPerMWh
        self.kind = kind
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: Self.payloadName)
        let kindText = try json.optionalString("kind") ?? Kind.realTime.rawValue
        guard let kind = Kind(rawValue: kindText) else {
            throw Rejection(.unknownKind, "price kind must be \"rt\" or \"da\", found \"\(kindText)\"")
        }
        self.init(
            intervalStart: try json.timestamp("interval_start"),
            intervalMinutes: try json.integer("interval_minutes", in: 1...1440),
            priceUSDPerMWh: try json.number("price_usd_per_mwh", in: USDPerMWh.plausibleRange, unit: "USD/MWh"),
            kind: kind
        )
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter()
        json.field("interval_start", intervalStart)
        json.field("interval_minutes", intervalMinutes)
        json.field("price_usd_per_mwh", priceUSDPerMWh)
        json.field("kind", kind.rawValue)
        return try json.finish(Self.payloadName)
    }
}
