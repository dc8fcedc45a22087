public import CurtailWire

/// What the VEN knows of the site, from the controller's retained state.
public struct SiteObservation: Hashable, Sendable {
    /// The site's measured load.
    public var measuredMW: Double?
    /// What mining earns per MWh above the current price, at the best group (`nil` unknown).
    public var marginUSDPerMWh: Double?
    /// Whether the controller said it is online.
    public var controllerOnline: Bool

    public init(measuredMW: Double? = nil, marginUSDPerMWh: Double? = nil, controllerOnline: Bool = false) {
        self.measuredMW = measuredMW
        self.marginUSDPerMWh = marginUSDPerMWh
        self.controllerOnline = controllerOnline
    }

    /// From a `site/{site}/state`: the measured load, and the best group's break-even minus the price.
    public init(state: StatePayload) {
        measuredMW = state.measuredMW
        let breakEven = state.groups.compactMap(\.breakEvenUSDPerMWh).max()
        if let breakEven, let price = state.priceUSDPerMWh {
            marginUSDPerMWh = max(0, breakEven - price)
        }
        controllerOnline = true
    }
}
