/// The `--json` summary of a replay (fields in `../shared/docs/PRODUCT.md`, plus more).
///
/// Plain `Encodable` values with the spec's snake_case keys; NaN becomes `null`.
import CurtailCore

public struct ReplaySummary: Encodable, Sendable {
    public struct Totals: Encodable, Sendable {
        public var energyMWh: Double
        public var energyCostUSD: Double
        public var transmissionUSD: Double
        public var miningRevenueUSD: Double
        public var ancillaryRevenueUSD: Double
        public var profitUSD: Double
        public var curtailedMWh: Double
        public var cycles: Double

        init(_ totals: LedgerTotals) {
            energyMWh = totals.energyMWh
            energyCostUSD = totals.energyCostUSD
            transmissionUSD = totals.transmissionUSD
            miningRevenueUSD = totals.miningRevenueUSD
            ancillaryRevenueUSD = totals.ancillaryRevenueUSD
            profitUSD = totals.profitUSD
            curtailedMWh = totals.curtailedMWh
            cycles = totals.cycles
        }

        enum CodingKeys: String, CodingKey {
            case energyMWh = "energy_mwh"
            case energyCostUSD = "energy_cost_usd"
            case transmissionUSD = "transmission_usd"
            case miningRevenueUSD = "mining_revenue_usd"
            case ancillaryRevenueUSD = "ancillary_revenue_usd"
            case profitUSD = "profit_usd"
            case curtailedMWh = "curtailed_mwh"
            case cycles
        }
    }

    public struct Group: Encodable, Sendable {
        public var name: String
        public var energyMWh: Double
        public var miningRevenueUSD: Double
        public var profitUSD: Double
        public var cycles: Double
        public var runningHours: Double

        enum CodingKeys: String, CodingKey {
            case name
            case energyMWh = "energy_mwh"
            case miningRevenueUSD = "mining_revenue_usd"
            case profitUSD = "profit_usd"
            case cycles
            case runningHours = "running_hours"
        }
    }

    /// What was awarded, paid and deployed.
    public struct Ancillary: Encodable, Sendable {
        public var awardedMWh: [String: Double]
        public var revenueUSD: [String: Double]
        public var awardedHours: Int
        public var shortfallMWh: Double
        public var deployments: Int
        public var missedDeployments: Int

        init(_ ledger: ReserveLedger) {
            let products = AncillaryProduct.allCases.filter { ledger.awardedMWh[$0] > 0 }
            awardedMWh = Dictionary(uniqueKeysWithValues: products.map { ($0.name, ledger.awardedMWh[$0]) })
            revenueUSD = Dictionary(uniqueKeysWithValues: products.map { ($0.name, ledger.revenueUSD[$0]) })
            awardedHours = ledger.awardedHours
            shortfallMWh = ledger.shortfallMWh
            deployments = ledger.deployments
            missedDeployments = ledger.missedDeployments
        }

        enum CodingKeys: String, CodingKey {
            case awardedMWh = "awarded_mwh"
            case revenueUSD = "revenue_usd"
            case awardedHours = "awarded_hours"
            case shortfallMWh = "shortfall_mwh"
            case deployments
            case missedDeployments = "missed_deployments"
        }
    }

    public struct Gap: Encodable, Sendable {
        public var from: String
        public var to: String
        public var intervals: Int
    }

    public var from: String
    public var to: String
    public var intervals: Int
    public var intervalMinutes: Int
    public var site: String
    public var node: String
    public var policyName: String
    public var parameters: [String: Double]
    public var policy: Totals
    public var alwaysOn: Totals
    public var oracle: Totals
    public var oracleExact: Bool
    /// With ancillary capacity, when the oracle's schedule is not proven optimal: its proven
    /// upper bound on profit (USD), which `capture_ratio` uses.
    public var oracleUpperBoundUSD: Double?
    /// Ancillary capacity under the policy (with `--ancillary` and a qualified site).
    public var ancillary: Ancillary?
    public var captureRatio: Double?
    public var contractSettlementUSD: Double?
    public var groups: [Group]
    public var gaps: [Gap]
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case from, to, intervals
        case intervalMinutes = "interval_minutes"
        case site, node
        case policyName = "policy_name"
        case parameters, policy
        case alwaysOn = "always_on"
        case oracle
        case oracleExact = "oracle_exact"
        case oracleUpperBoundUSD = "oracle_upper_bound_usd"
        case ancillary
        case captureRatio = "capture_ratio"
        case contractSettlementUSD = "contract_settlement_usd"
        case groups, gaps, notes
    }

    public init(_ result: ReplayResult) {
        from = result.window.from.iso8601
        to = result.window.to.iso8601
        intervals = result.intervals
        intervalMinutes = result.intervalSeconds / 60
        site = result.siteID
        node = result.node
        policyName = result.policyName
        parameters = Dictionary(result.parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        policy = Totals(result.policy)
        alwaysOn = Totals(result.alwaysOn)
        oracle = Totals(result.oracle)
        oracleExact = result.oracleExact
        oracleUpperBoundUSD = result.oracleUpperBoundUSD
        ancillary = result.reserve.map(Ancillary.init)
        let ratio = result.captureRatio
        captureRatio = ratio.isFinite ? ratio : nil
        contractSettlementUSD = result.contractSettlementUSD
        groups = result.groups.map {
            Group(
                name: $0.name,
                energyMWh: $0.totals.energyMWh,
                miningRevenueUSD: $0.totals.miningRevenueUSD,
                profitUSD: $0.totals.profitUSD,
                cycles: $0.totals.cycles,
                runningHours: $0.runningHours
            )
        }
        gaps = result.gaps.map { Gap(from: $0.from.iso8601, to: $0.to.iso8601, intervals: $0.intervals) }
        notes = result.notes
    }
}
