public import CurtailCore

/// `grid/{market}/awards`: ancillary capacity awarded to the site.
///
/// `{"id": "DAM-2024-07-01-ECRS-14", "product": "ECRS", "mw": 3, "start": T, "end": T,
/// "price_usd_per_mw_h": 12.5}`. Products are `RRS`, `ECRS`, `NSPIN` and `REGUP`.
public struct AwardPayload: WirePayload, Hashable {
    public static var payloadName: String { "ancillary award" }
    /// Clearing prices the contract accepts, USD/MW/h (ERCOT's cap is 5,000).
    public static let priceRange: ClosedRange<Double> = 0...10_000

    public var award: AncillaryAward

    public init(_ award: AncillaryAward) { self.award = award }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        try self.init(json: JSONObjectReader(payload, what: Self.payloadName))
    }

    init(json: JSONObjectReader) throws(Rejection) {
        let id = try json.string("id")
        guard EventPayload.isValidID(id) else {
            throw Rejection(.wrongType, "ancillary award id must be 1-64 characters without '/', '+' or '#', found '\(id)'")
        }
        let name = try json.string("product")
        guard let product = AncillaryProduct(name: name), product.name == name else {
            throw Rejection(
                .unknownProgram,
                "ancillary award \(id): \(AncillaryProduct.unknownNameMessage(name))"
            )
        }
        let mw = try json.number("mw", in: 0...100_000, unit: "MW")
        guard mw > 0 else { throw Rejection(.outOfRange, "ancillary award \(id): 'mw' must be more than 0") }
        let start = try json.timestamp("start")
        let end = try json.timestamp("end")
        guard end > start else { throw Rejection(.outOfRange, "ancillary award \(id): end \(end) is not after start \(start)") }
        let price = try json.number("price_usd_per_mw_h", in: Self.priceRange, unit: "USD/MW/h")
        self.init(AncillaryAward(id: id, product: product, megawatts: mw, start: start, end: end, price: price))
    }

    public func encode() throws(WireError) -> [UInt8] {
        let json = writer()
        return try json.finish(Self.payloadName)
    }

    /// The award as a JSON object (also inside the site state).
    func writer() -> JSONWriter {
        var json = JSONWriter(capacity: 160)
        json.field("id", award.id)
        json.field("product", award.product.name)
        json.field("mw", award.megawatts)
        json.field("start", award.start)
        json.field("end", award.end)
        json.field("price_usd_per_mw_h", award.price)
        return json
    }
}
