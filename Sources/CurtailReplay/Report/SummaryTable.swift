import CurtailCore

/// The terminal summary of a replay: one row per schedule, then groups and gaps.
public enum SummaryTable: Sendable {
    public static func render(_ result: ReplayResult) -> String {
        var lines: [String] = []
        let parameters = result.parameters.map { "\($0.name)=\(Number.plain($0.value))" }.joined(separator: " ")
        lines.append(
            "policy \(result.policyName)\(parameters.isEmpty ? "" : " (\(parameters))") on \(result.siteID) at \(result.node)"
        )
        lines.append(
            "\(result.window.from.iso8601) .. \(result.window.to.iso8601), \(Number.grouped(Double(result.intervals), 0)) intervals of \(result.intervalSeconds / 60) min"
        )
        lines.append("")
        let ancillary = result.reserve != nil
        var header = ["", "energy MWh", "energy cost $", "4CP $", "revenue $", "profit $", "curtailed MWh", "cycles"]
        if ancillary { header.insert("ancillary $", at: 5) }
        var rows: [[String]] = [header]
        func row(_ name: String, _ t: LedgerTotals, cycles: Bool) -> [String] {
            var cells = [
                name, Number.grouped(t.energyMWh, 0), Number.grouped(t.energyCostUSD, 0), Number.grouped(t.transmissionUSD, 0),
                Number.grouped(t.miningRevenueUSD, 0), Number.grouped(t.profitUSD, 0), Number.grouped(t.curtailedMWh, 0),
                cycles ? Number.grouped(t.cycles, 1) : "",
            ]
            if ancillary { cells.insert(Number.grouped(t.ancillaryRevenueUSD, 0), at: 5) }
            return cells
        }
        rows.append(row("policy", result.policy, cycles: true))
        rows.append(row("always-on", result.alwaysOn, cycles: false))
        let oracleName = result.oracleExact ? "oracle" : (result.oracleUpperBoundUSD != nil ? "oracle (best found)" : "oracle (relaxed)")
        rows.append(row(oracleName, result.oracle, cycles: true))
        lines += Table.render(rows)
        if let reserve = result.reserve {
            lines.append("")
            lines += ReserveSummary.lines(reserve, result: result)
        }
        lines.append("")
        let ratio = result.captureRatio
        lines.append(
            "capture ratio \(ratio.isFinite ? Number.plain((ratio * 1000).rounded() / 1000) : "n/a") (policy profit / oracle profit); policy vs always-on \(Number.signed(result.policy.profitUSD - result.alwaysOn.profitUSD)) $"
        )
        if let bound = result.oracleUpperBoundUSD {
            lines.append(
                "oracle not proven optimal: its profit is at most \(Number.grouped(bound, 0)) $ (Lagrangian bound, \(Number.grouped(bound - result.oracle.profitUSD, 0)) $ above the best schedule found); the capture ratio uses the bound"
            )
        } else if !result.oracleExact {
            lines.append("oracle relaxed: the fleet exceeds the import limit, so dwell and wake delays are dropped (an upper bound)")
        }
        if let contract = result.contractSettlementUSD {
            lines.append("fixed-volume contract settlement \(Number.signed(contract)) $ (the same for every schedule; not in profit)")
        }
        lines.append("")
        var groupRows: [[String]] = [["group", "energy MWh", "revenue $", "profit $", "running h", "cycles"]]
        for group in result.groups {
            groupRows.append([
                group.name, Number.grouped(group.totals.energyMWh, 0), Number.grouped(group.totals.miningRevenueUSD, 0),
                Number.grouped(group.totals.profitUSD, 0), Number.grouped(group.runningHours, 0), Number.grouped(group.totals.cycles, 1),
            ])
        }
        lines += Table.render(groupRows)
        for note in result.notes { lines.append("note: \(note)") }
        if !result.gaps.isEmpty {
            lines.append("")
            for gap in result.gaps { lines.append("gap: no prices \(gap); not settled, the replay restarted after it") }
        }
        return lines.joined(separator: "\n")
    }
}

/// Right-aligned text columns (first column left-aligned).
public enum Table: Sendable {
    /// The rows as lines, columns padded to their widest cell.
    public static func render(_ rows: [[String]]) -> [String] {
        guard let columns = rows.first?.count else { return [] }
        var widths = Array(repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
    }
}

/// Locale-free number formatting for reports.
public enum Number: Sendable {
    /// `1234567.8` → `1,234,568` (digits decimals, thousands grouped).
    public static func grouped(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "n/a" : (value > 0 ? "inf" : "-inf") }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (abs(value) * scale).rounded()
        let negative = value < 0 && rounded != 0
        let whole = Int((rounded / scale).rounded(.down))
        let fraction = Int(rounded - Double(whole) * scale)
        var text = ""
        let digitsText = String(whole)
        for (i, c) in digitsText.enumerated() {
            if i > 0 && (digitsText.count - i) % 3 == 0 { text.append(",") }
            text.append(c)
        }
        if digits > 0 {
            let f = String(fraction)
            text += "." + String(repeating: "0", count: digits - f.count) + f
        }
        return negative ? "-" + text : text
    }

    /// Grouped with an explicit sign.
    public static func signed(_ value: Double) -> String {
        value > 0 ? "+" + grouped(value, 0) : grouped(value, 0)
    }

    /// Shortest plain form: `0.5`, `12`, `0.033`.
    public static func plain(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
