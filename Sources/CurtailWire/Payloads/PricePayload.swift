public import CurtailCore

/// `grid/{market}/{node}/price`: one interval's price.
///
/// `{"interval_start": T, "interval_minutes": 15, "price_usd_per_mwh": 42.5, "kind": "rt"}`
/// (`kind` defaults to `rt`; `da` is a day-ahead price), optionally with
/// `"status": "provisional" | "final" | "corrected"` (default `final`) and `"revision": N`
/// (0 or more; a higher revision of the same interval and status replaces a lower one).
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
    /// How settled the price is (absent on the wire: final).
    public var status: PriceStatus
    /// The publisher's revision of this interval's price, if it numbers them.
    public var revision: Int?

    /// The highest revision accepted.
    public static let revisionRange = 0...2_000_000_000

    public init(
        intervalStart: Timestamp,
        intervalMinutes: Int,
        priceUSDPerMWh: Double,
        kind: Kind = .realTime,
        status: PriceStatus = .final,
        revision: Int? = nil
    ) {
        self.intervalStart = intervalStart
        self.intervalMinutes = intervalMinutes
        self.priceUSDPerMWh = priceUSDPerMWh
        self.kind = kind
        self.status = status
        self.revision = revision
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: Self.payloadName)
        let kindText = try json.optionalString("kind") ?? Kind.realTime.rawValue
        guard let kind = Kind(rawValue: kindText) else {
            throw Rejection(.unknownKind, "price kind must be \"rt\" or \"da\", found \"\(kindText)\"")
        }
        let statusText = try json.optionalString("status") ?? PriceStatus.final.rawValue
        guard let status = PriceStatus(rawValue: statusText) else {
            throw Rejection(.unknownKind, "price status must be \"provisional\", \"final\" or \"corrected\", found \"\(statusText)\"")
        }
        self.init(
            intervalStart: try json.timestamp("interval_start"),
            intervalMinutes: try json.integer("interval_minutes", in: 1...1440),
            priceUSDPerMWh: try json.number("price_usd_per_mwh", in: USDPerMWh.plausibleRange, unit: "USD/MWh"),
            kind: kind,
            status: status,
            revision: json.has("revision") ? try json.integer("revision", in: Self.revisionRange) : nil
        )
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter()
        json.field("interval_start", intervalStart)
        json.field("interval_minutes", intervalMinutes)
        json.field("price_usd_per_mwh", priceUSDPerMWh)
        json.field("kind", kind.rawValue)
        json.field("status", status.rawValue)
        json.field("revision", revision)
        return try json.finish(Self.payloadName)
    }
}
