public import CurtailCore
public import CurtailPolicy

/// Synthetic deployments of awarded reserve: a seeded Poisson process, the same for every
/// policy and candidate replayed over a window.
public struct DeploymentProcess: Hashable, Sendable {
    /// Expected deployment instructions per product per year (0: none).
    public var perYear: Double
    /// Mean length of a deployment, seconds (each is drawn exponentially, at least one interval,
    /// at most 2 hours).
    public var meanSeconds: Double
    public var seed: UInt64

    public init(perYear: Double = 0, meanSeconds: Double = 2700, seed: UInt64 = 1) {
        self.perYear = perYear
        self.meanSeconds = meanSeconds
        self.seed = seed
    }

    /// No deployment.
    public static let none = DeploymentProcess()
}

/// The ancillary side of a prepared window: per hour, what an offer may know and what the hour
/// clears at; per interval, its hour and the deployment instructions in force.
///
/// Built once per window with the plan (so every candidate meets the same prices and the same
/// deployments); awards depend on the policy's offers and are made in the replay loop.
public struct ReservePlan: Sendable {
    /// What the site may sell.
    public let qualification: AncillaryQualification
    /// MW the site can drop at most (its awards together stay within it).
    public let capacityMW: Double
    /// Per hour slot: what an offer made the day before may read.
    public let offerInputs: [OfferInput]
    /// Per hour slot: the clearing prices it settles at.
    public let clearingPrice: [ProductValues]
    /// Per interval: its hour slot.
    public let hourSlot: [Int32]
    /// Per interval: a bit per product (``AncillaryProduct/rawValue``) instructed to deploy.
    public let deploymentMask: [UInt8]

    init(
        plan times: [Timestamp],
        decisionInputs: [DecisionInput],
        intervalSeconds: Int,
        decisionHashPrice: [Double],
        eeaLevel: [Int],
        prices: AncillaryPrices,
        dayAhead: TimeSeries?,
        site: Site,
        qualification: AncillaryQualification,
        deployments: DeploymentProcess
    ) {
        self.qualification = qualification
        capacityMW = site.curtailableMW
        var offerInputs: [OfferInput] = []
        var clearing: [ProductValues] = []
        var slots: [Int32] = []
        slots.reserveCapacity(times.count)
        var lastHour = Int64.min
        for (k, time) in times.enumerated() {
            let hour = time.millisecondsSinceEpoch - ((time.millisecondsSinceEpoch % 3_600_000) + 3_600_000) % 3_600_000
            if hour != lastHour {
                lastHour = hour
                let start = Timestamp(millisecondsSinceEpoch: hour)
                let dayBefore = start.adding(seconds: -86_400)
                offerInputs.append(
                    OfferInput(
                        hour: start,
                        localTime: decisionInputs[k].localTime ?? site.timeZone.localTime(at: start),
                        hashPrice: decisionHashPrice[k],
                        dayAheadPrice: dayAhead?.value(at: dayBefore) ?? .nan,
                        clearingPrice: prices.prices(at: dayBefore)
                    )
                )
                clearing.append(prices.prices(at: start))
            }
            slots.append(Int32(offerInputs.count - 1))
        }
        // Deployments: every product while an EEA is declared; and the synthetic process.
        var mask = [UInt8](repeating: 0, count: times.count)
        for k in times.indices where eeaLevel[k] >= 1 { mask[k] = 0xFF }
        if deployments.perYear > 0 {
            var random = SeededGenerator(seed: deployments.seed)
            let perInterval = deployments.perYear * Double(intervalSeconds) / (365.25 * 86_400)
            let longest = max(1, 7200 / intervalSeconds)
            for product in AncillaryProduct.allCases {
                let bit = UInt8(1) << UInt8(product.rawValue)
                var k = 0
                while k < times.count {
                    if random.unit() < perInterval {
                        let drawn = -log(max(random.unit(), 1e-12)) * deployments.meanSeconds / Double(intervalSeconds)
                        let length = min(longest, max(1, Int(drawn.rounded(.up))))
                        for j in k..<min(times.count, k + length) { mask[j] |= bit }
                        k += length
                    } else {
                        k += 1
                    }
                }
            }
        }
        self.offerInputs = offerInputs
        self.clearingPrice = clearing
        self.hourSlot = slots
        self.deploymentMask = mask
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
