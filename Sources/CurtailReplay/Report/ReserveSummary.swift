import CurtailCore

/// The ancillary lines of the terminal summary: per product what was awarded and paid, then
/// what was not deliverable and the deployments.
enum ReserveSummary {
    static func lines(_ reserve: ReserveLedger, result: ReplayResult) -> [String] {
        var rows: [[String]] = [["ancillary", "awarded MWh", "paid $", "$/MW/h"]]
        for product in AncillaryProduct.allCases where reserve.awardedMWh[product] > 0 {
            let mwh = reserve.awardedMWh[product]
            rows.append([
                product.name, Number.grouped(mwh, 0), Number.grouped(reserve.revenueUSD[product], 0),
                Number.grouped(reserve.revenueUSD[product] / mwh, 2),
            ])
        }
        var lines = rows.count > 1 ? Table.render(rows) : ["ancillary: nothing awarded (no offer met its clearing price)"]
        lines.append(
            "awarded in \(Number.grouped(Double(reserve.awardedHours), 0)) h; not running while awarded: \(Number.grouped(reserve.shortfallMWh, 1)) MWh (unpaid); deployments \(reserve.deployments), missed \(reserve.missedDeployments)"
        )
        return lines
    }
}
