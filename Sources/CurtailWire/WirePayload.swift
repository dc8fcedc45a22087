/// One payload of the MQTT contract (`../shared/docs/PRODUCT.md`): every process that speaks
/// the contract (controller, simulator, agent, feeds, benchmarks, tests) encodes and decodes it
/// through these types, so the contract lives in one place.
///
/// Decoding checks the shape and what the contract itself fixes (types, required fields, known
/// kinds, site-independent ranges such as ``USDPerMWh/plausibleRange``); what depends on a site
/// or a clock (ages, a group's size) is the receiver's business.
public protocol WirePayload: Sendable {
    /// The payload's name, for messages (`price`, `command`).
    static var payloadName: String { get }
    /// The UTF-8 JSON text.
    ///
    /// - Throws: ``WireError`` when a number is not finite (nothing malformed is published).
    func encode() throws(WireError) -> [UInt8]
    /// Reads a payload.
    ///
    /// - Throws: ``Rejection`` naming the field that is missing, of the wrong type or out of range.
    init(decoding payload: [UInt8]) throws(Rejection)
}

/// Why a payload could not be encoded.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A number field holds NaN or an infinity, which JSON cannot carry.
    case nonFinite(payload: String, field: String)

    public var description: String {
        switch self {
        case .nonFinite(let payload, let field):
            "the \(payload) payload cannot be encoded: '\(field)' is not a finite number; nothing was published (please report this)"
        }
    }
}
