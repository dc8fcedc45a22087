import CurtailCore
import CurtailPolicy

/// The replay loop's ancillary bookkeeping: the hour's awards, deployments in force, and the
/// settlement of each interval.
///
/// Each hour the policy's offers (made with the day before's figures) meet the hour's clearing
/// prices (``AncillaryMarket``). While awarded, the MW must stay running; a deployment
/// instruction for an awarded product caps the site at its load just before the first
/// deployment minus the MW deployed. Each interval pays, per product, the awarded MW × clearing
/// price × hours: in full while deployed (nothing when the deployment was missed), otherwise in
/// proportion to the held MW the site really had running.
struct ReserveState {
    let sleepMW: Double
    /// A deployment is met when the load is within this of its cap (1 % of nameplate, as for
    /// the other obligations).
    let toleranceMW: Double
    var awards = ProductValues.zero
    var clearing = ProductValues.unknown
    var slot: Int32 = -1
    var deploying: UInt8 = 0
    var missed: UInt8 = 0
    var started: UInt8 = 0
    var baselineMW: Double
    var lastSiteMW: Double
    var obligation = ReserveObligation.none

    init(site: Site) {
        sleepMW = site.sleepPower.value
        toleranceMW = 0.01 * site.nameplatePower.value
        baselineMW = sleepMW
        lastSiteMW = sleepMW
    }

    /// After a gap in the data: nothing deployed, the next interval's hour offered afresh.
    mutating func restart() {
        slot = -1
        deploying = 0
        missed = 0
        lastSiteMW = sleepMW
    }

    /// What interval `k` must honour.
    @inline(__always)
    mutating func obligation(at k: Int, plan: ReservePlan, engine: inout PolicyEngine, ledger: inout ReserveLedger) -> ReserveObligation {
        let hourSlot = plan.hourSlot[k]
        if hourSlot != slot {
            slot = hourSlot
            let offers = engine.ancillaryOffers(plan.offerInputs[Int(hourSlot)])
            clearing = plan.clearingPrice[Int(hourSlot)]
            awards = AncillaryMarket.awards(
                offeredMW: offers.megawatts,
                floorPrice: offers.minimumPrice,
                clearingPrice: clearing,
                qualification: plan.qualification.maximumMW,
                capacityMW: plan.capacityMW
            )
            if awards.total > 0 { ledger.awardedHours += 1 }
        }
        let instructed = plan.deploymentMask[k]
        var active: UInt8 = 0
        var held = 0.0
        var deployed = 0.0
        for raw in AncillaryProduct.rawValues {
            let product = AncillaryProduct(rawValue: raw)!
            let mw = awards[product]
            guard mw > 0 else { continue }
            let bit = UInt8(1) << UInt8(raw)
            if instructed & bit != 0 {
                active |= bit
                deployed += mw
            } else {
                held += mw
            }
        }
        if deploying == 0 && active != 0 { baselineMW = lastSiteMW }
        started = active & ~deploying
        missed &= active
        deploying = active
        ledger.deployments += started.nonzeroBitCount
        obligation = ReserveObligation(
            heldMW: held,
            awardedMW: awards.total,
            clearingPrice: clearing,
            deploymentCapMW: active != 0 ? max(sleepMW, baselineMW - deployed) : .infinity
        )
        return obligation
    }

    /// Settles the interval the site held at `siteMW`.
    @inline(__always)
    mutating func settle(siteMW: Double, hours: Double, ledger: inout PolicyLedger) {
        defer { lastSiteMW = siteMW }
        guard obligation.awardedMW > 0 else { return }
        if started != 0, siteMW > obligation.deploymentCapMW + toleranceMW {
            missed |= started
            ledger.reserve.missedDeployments += started.nonzeroBitCount
        }
        let held = obligation.heldMW
        let available = max(0, siteMW - sleepMW)
        let factor = held > 0 ? min(1, available / held) : 1
        ledger.reserve.shortfallMWh += (held - min(held, available)) * hours
        for raw in AncillaryProduct.rawValues {
            let product = AncillaryProduct(rawValue: raw)!
            let mw = awards[product]
            guard mw > 0 else { continue }
            let bit = UInt8(1) << UInt8(raw)
            let paid = deploying & bit != 0 ? (missed & bit != 0 ? 0 : mw) : mw * factor
            let revenue = paid * clearing[product] * hours
            ledger.totals.ancillaryRevenueUSD += revenue
            ledger.reserve.revenueUSD[product] += revenue
            ledger.reserve.awardedMWh[product] += mw * hours
        }
    }
}
