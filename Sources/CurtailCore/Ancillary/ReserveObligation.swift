/// Ancillary capacity the site has sold for the current hour, as the engine must honour it.
///
/// While awarded and not deployed, the awarded MW must stay running so they can be dropped:
/// the dispatcher keeps site load at or above sleep load plus ``heldMW`` whatever the rules say
/// (only grid events, deployments and the curtail failsafe go below). A deployment is a grid
/// event that drops the deployed MW.
public struct ReserveObligation: Hashable, Sendable {
    /// Awarded MW that must stay running and curtailable now (deployed products excluded).
    public var heldMW: Double
    /// MW awarded for the current hour, all products (the `awarded_mw` variable).
    public var awardedMW: Double
    /// The current hour's clearing price per product, USD/MW/h (NaN: unknown).
    public var clearingPrice: ProductValues
    /// Site load allowed by a deployment in force, MW (infinite: none). Replay sets it; live
    /// deployments arrive as grid events.
    public var deploymentCapMW: Double

    public init(heldMW: Double = 0, awardedMW: Double = 0, clearingPrice: ProductValues = .unknown, deploymentCapMW: Double = .infinity) {
        self.heldMW = heldMW
        self.awardedMW = awardedMW
        self.clearingPrice = clearingPrice
        self.deploymentCapMW = deploymentCapMW
    }

    /// No award, no price.
    public static let none = ReserveObligation()
}
