public import CurtailCore

/// The per-interval CSV of a replay (`intervals.csv`).
public enum IntervalTable: Sendable {
    /// Columns: time, prices, break-even band, MW and profit of the three schedules, the rules
    /// that fired, binding constraints, and miners running per group.
    public static func csv(_ result: ReplayResult, site: Site) -> String {
        guard let d = result.detail else { return "" }
        var out = "interval_start_utc,price_usd_per_mwh,hashprice_decision,hashprice_settled,breakeven_high,breakeven_low,"
        out += "policy_mw,always_on_mw,oracle_mw,policy_profit_usd,always_on_profit_usd,oracle_profit_usd,rules,constraints"
        for group in site.groups { out += ",\(group.name)_running" }
        out += "\n"
        out.reserveCapacity(d.time.count * 160)
        for k in d.time.indices {
            var line = d.time[k].iso8601
            line += "," + Number.plain(d.price[k])
            line += "," + fixed(d.decisionHashPrice[k], 5) + "," + fixed(d.hashPrice[k], 5)
            line += "," + fixed(d.breakEvenHigh[k], 2) + "," + fixed(d.breakEvenLow[k], 2)
            line += "," + fixed(d.policyMW[k], 4) + "," + fixed(d.alwaysOnMW[k], 4) + "," + fixed(k < d.oracleMW.count ? d.oracleMW[k] : .nan, 4)
            line += "," + fixed(d.policyProfit[k], 2) + "," + fixed(d.alwaysOnProfit[k], 2)
            line += "," + fixed(k < d.oracleProfit.count ? d.oracleProfit[k] : .nan, 2)
            line += "," + d.rules[k] + "," + d.constraints[k].commasAsSemicolons
            for running in d.running[k] { line += ",\(running)" }
            out += line + "\n"
        }
        return out
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "" }
        var text = Number.grouped(value, digits)
        text.removeAll { $0 == "," }
        return text
    }
}

extension String {
    /// A list inside one CSV field: its commas become semicolons.
    var commasAsSemicolons: String { String(map { $0 == "," ? ";" : $0 }) }
}
