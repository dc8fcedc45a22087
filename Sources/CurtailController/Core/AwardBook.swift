public import CurtailCore

/// The ancillary awards a controller holds: added when they arrive (refused when the site
/// could not deliver them on top of the others), dropped when they end, and turned into the
/// engine's ``ReserveObligation`` at each decision.
public struct AwardBook: Hashable, Sendable {
    /// Awards not yet ended, by id.
    public private(set) var awards: [String: AncillaryAward] = [:]

    public init() {}

    /// What adding an award did.
    public enum Outcome: Hashable, Sendable {
        case added
        /// The same award again.
        case duplicate
        /// Refused: the reason says what it would exceed.
        case refused(String)
    }

    /// Adds `award` (replacing one with its id) unless, at some instant of it, the awards
    /// together would exceed what the site can drop (`capacityMW`) or the product's qualified
    /// maximum.
    public mutating func add(_ award: AncillaryAward, capacityMW: Double, qualifiedMW: Double) -> Outcome {
        if awards[award.id] == award { return .duplicate }
        let others = awards.values.filter { $0.id != award.id && $0.overlaps(award) }
        var instants = [award.start]
        for other in others where other.start > award.start { instants.append(other.start) }
        for instant in instants {
            let active = others.filter { $0.isActive(at: instant) }
            let total = active.reduce(award.megawatts) { $0 + $1.megawatts }
            if total > capacityMW + 1e-9 {
                return .refused(
                    "ancillary award \(award.id): \(format(award.megawatts)) MW on top of \(format(total - award.megawatts)) MW already awarded at \(instant) is more than the \(format(capacityMW)) MW the site can drop; refused, not held"
                )
            }
            let sameProduct = active.filter { $0.product == award.product }.reduce(award.megawatts) { $0 + $1.megawatts }
            if sameProduct > qualifiedMW + 1e-9 {
                return .refused(
                    "ancillary award \(award.id): \(award.product.name) awards would add up to \(format(sameProduct)) MW at \(instant), more than the \(format(qualifiedMW)) MW the site may deliver; refused, not held"
                )
            }
        }
        awards[award.id] = award
        return .added
    }

    /// Drops awards that have ended by `now`; returns whether any did.
    @discardableResult
    public mutating func prune(at now: Timestamp) -> Bool {
        let before = awards.count
        awards = awards.filter { $0.value.end > now }
        return awards.count != before
    }

    /// What the engine must honour at `now`: awards in force, less the products being deployed.
    public func obligation(at now: Timestamp, deployed: Set<String>) -> ReserveObligation {
        var obligation = ReserveObligation.none
        for award in awards.values where award.isActive(at: now) {
            obligation.awardedMW += award.megawatts
            if !deployed.contains(award.product.name) { obligation.heldMW += award.megawatts }
            let known = obligation.clearingPrice[award.product]
            obligation.clearingPrice[award.product] = known.isNaN ? award.price : max(known, award.price)
        }
        return obligation
    }

    private func format(_ value: Double) -> String { String((value * 1000).rounded() / 1000) }
}
