/// What a site may sell as ancillary capacity: its resource type, its relay, and the most it may
/// offer of each product (from the site file's `ancillary:` section).
public struct AncillaryQualification: Hashable, Sendable {
    /// How the site is registered with ERCOT.
    public enum Resource: String, Hashable, Sendable, CaseIterable {
        /// A Load Resource whose reserve is deployed by relay or instruction.
        case loadResource = "load_resource"
        /// A Controllable Load Resource, dispatched by SCED base points (can also sell Reg-Up).
        case controllableLoadResource = "controllable_load_resource"
    }

    public var resource: Resource
    /// Whether an under-frequency relay is installed (needed for RRS unless a CLR).
    public var underFrequencyRelay: Bool
    /// The most the site may offer of each product, MW (0: not qualified).
    public var maximumMW: ProductValues

    public init(resource: Resource, underFrequencyRelay: Bool, maximumMW: ProductValues) {
        self.resource = resource
        self.underFrequencyRelay = underFrequencyRelay
        self.maximumMW = maximumMW
    }

    /// The products with a positive maximum.
    public var products: [AncillaryProduct] { AncillaryProduct.allCases.filter { maximumMW[$0] > 0 } }
}

/// What the site can deliver as reserve: the load it can drop, from everything running to
/// everything asleep, within its import limit.
extension Site {
    /// MW the site can drop at most: nameplate (capped at the import limit) minus sleep load.
    public var curtailableMW: Double {
        max(0, min(maxImport.value, nameplatePower.value) - sleepPower.value)
    }
}
