/// How offers become awards: ERCOT's day-ahead market with the site as a price taker.
///
/// An offer of `mw` of a product with a floor price is awarded in full when the product's
/// clearing price (MCPC) for the hour is known and at or above the floor, and not at all
/// otherwise; it is paid the clearing price. Awards are limited to the site's qualification
/// for each product, and together to the load the site can drop, filled from the best-paid
/// product down. Pure: replay and the oracle share it.
public enum AncillaryMarket: Sendable {
    /// The awards for one hour.
    ///
    /// - Parameters:
    ///   - offeredMW: MW offered per product (NaN or ≤ 0: no offer).
    ///   - floorPrice: the lowest clearing price each offer accepts, USD/MW/h (NaN: any).
    ///   - clearingPrice: the hour's MCPC per product, USD/MW/h (NaN: no price, nothing awarded).
    ///   - qualification: the site's maxima per product.
    ///   - capacityMW: the most the awards may add up to.
    public static func awards(
        offeredMW: ProductValues,
        floorPrice: ProductValues,
        clearingPrice: ProductValues,
        qualification: ProductValues,
        capacityMW: Double
    ) -> ProductValues {
        var result = ProductValues.zero
        var left = max(0, capacityMW)
        var used: UInt8 = 0
        while let product = nextByPrice(clearingPrice, excluding: &used) {
            let price = clearingPrice[product]
            let offer = offeredMW[product]
            guard price.isFinite, offer.isFinite, offer > 0, left > 1e-9 else { continue }
            let floor = floorPrice[product]
            if floor.isFinite, price < floor { continue }
            let mw = min(offer, qualification[product], left)
            guard mw > 1e-9 else { continue }
            result[product] = mw
            left -= mw
        }
        return result
    }

    /// Revenue of `reserveMW` held in an hour at best: the products filled from the best-paid
    /// down within the qualification. A concave piecewise-linear function of `reserveMW`.
    public static func bestRevenue(reserveMW: Double, clearingPrice: ProductValues, qualification: ProductValues) -> Double {
        var left = reserveMW
        var revenue = 0.0
        var used: UInt8 = 0
        while let product = nextByPrice(clearingPrice, excluding: &used) {
            let price = clearingPrice[product]
            guard price.isFinite, price > 0, left > 1e-12 else { continue }
            let mw = min(left, qualification[product])
            revenue += mw * price
            left -= mw
        }
        return revenue
    }

    /// The best-paid product with a known price not in `used` (ties in declaration order), added
    /// to it; `nil` when none is left. No allocation: the replay calls it every hour.
    @inline(__always)
    static func nextByPrice(_ price: ProductValues, excluding used: inout UInt8) -> AncillaryProduct? {
        var best: AncillaryProduct?
        for raw in AncillaryProduct.rawValues {
            let product = AncillaryProduct(rawValue: raw)!
            guard used & (1 << UInt8(raw)) == 0, price[product].isFinite else { continue }
            if let current = best, price[current] >= price[product] { continue }
            best = product
        }
        if let best { used |= 1 << UInt8(best.rawValue) }
        return best
    }
}
