/// An ERCOT ancillary service a load can sell: capacity to drop load, paid per MW per hour at
/// the market clearing price (MCPC) whether or not it is deployed.
///
/// Reg-Down is not here: a load provides it by *raising* its draw, which Curtail does not model.
public enum AncillaryProduct: Int, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    /// Responsive Reserve Service: an under-frequency relay trips the load at 59.7 Hz, or ERCOT
    /// deploys it by instruction (10 minutes).
    case rrs
    /// ERCOT Contingency Reserve Service (since 2023-06-10): 10 minutes, sustained up to 2 h.
    case ecrs
    /// Non-Spinning Reserve: 30 minutes.
    case nonSpin
    /// Regulation Up: a Controllable Load Resource follows ERCOT's base points (5 minutes).
    case regulationUp

    /// The name in ERCOT's files, site and policy files, and award messages (`RRS`).
    public var name: String {
        switch self {
        case .rrs: return "RRS"
        case .ecrs: return "ECRS"
        case .nonSpin: return "NSPIN"
        case .regulationUp: return "REGUP"
        }
    }

    public var description: String { name }

    /// The products by raw value, for hot loops: `for raw in AncillaryProduct.rawValues`
    /// touches no array (``allCases`` builds a new one at each use).
    public static let rawValues = 0..<4

    /// Why `name` is no product, and which are: the one message the site and policy files, the
    /// clearing-price file and award messages give.
    public static func unknownNameMessage(_ name: String) -> String {
        let regDown = name.uppercased() == "REGDN" ? " (a load provides Reg-Down by raising its draw, which Curtail does not model)" : ""
        return "unknown ancillary product '\(name)'\(regDown); products are \(allCases.map(\.name).joined(separator: ", "))"
    }

    /// What a site needs to sell it, in words (`nil`: any Load Resource).
    public var requirement: String? {
        switch self {
        case .rrs: return "an under-frequency relay (under_frequency_relay: true) or a Controllable Load Resource"
        case .regulationUp: return "a Controllable Load Resource (resource: controllable_load_resource)"
        case .ecrs, .nonSpin: return nil
        }
    }

    /// Whether a site with this qualification may sell it.
    public func isAllowed(resource: AncillaryQualification.Resource, underFrequencyRelay: Bool) -> Bool {
        switch self {
        case .rrs: return underFrequencyRelay || resource == .controllableLoadResource
        case .regulationUp: return resource == .controllableLoadResource
        case .ecrs, .nonSpin: return true
        }
    }

    /// The product called `name` (case-insensitive: `rrs`, `RRS`), or `nil`.
    public init?(name: String) {
        guard let product = Self.allCases.first(where: { $0.name == name.uppercased() }) else { return nil }
        self = product
    }
}

/// One number per ancillary product (clearing prices, offers, awards).
public struct ProductValues: Hashable, Sendable {
    public var rrs: Double
    public var ecrs: Double
    public var nonSpin: Double
    public var regulationUp: Double

    public init(rrs: Double = 0, ecrs: Double = 0, nonSpin: Double = 0, regulationUp: Double = 0) {
        self.rrs = rrs
        self.ecrs = ecrs
        self.nonSpin = nonSpin
        self.regulationUp = regulationUp
    }

    /// Every product at `value`.
    public init(repeating value: Double) {
        self.init(rrs: value, ecrs: value, nonSpin: value, regulationUp: value)
    }

    /// All zero.
    public static let zero = ProductValues()
    /// All NaN: unknown.
    public static let unknown = ProductValues(repeating: .nan)

    public subscript(product: AncillaryProduct) -> Double {
        get {
            switch product {
            case .rrs: return rrs
            case .ecrs: return ecrs
            case .nonSpin: return nonSpin
            case .regulationUp: return regulationUp
            }
        }
        set {
            switch product {
            case .rrs: rrs = newValue
            case .ecrs: ecrs = newValue
            case .nonSpin: nonSpin = newValue
            case .regulationUp: regulationUp = newValue
            }
        }
    }

    /// The sum over the products (NaN counts as 0).
    public var total: Double {
        (rrs.isNaN ? 0 : rrs) + (ecrs.isNaN ? 0 : ecrs) + (nonSpin.isNaN ? 0 : nonSpin) + (regulationUp.isNaN ? 0 : regulationUp)
    }
}
