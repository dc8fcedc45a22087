package import ArgumentParser
package import CurtailCore
package import CurtailReplay

/// The history files `curtail replay` and `curtail tune` read.
package struct HistoryOptions: ParsableArguments {
    package init() {}

    @Option(help: "Price CSV: interval_start_utc then one column per node (gzip accepted).")
    package var prices: String

    @Option(help: "Bitcoin daily CSV (date,btc_usd,difficulty,...) with the hash price.")
    package var bitcoin: String

    @Option(help: "Price column to read from a multi-node file (e.g. HB_NORTH). Default: the only column, else the site's node.")
    package var node: String?

    @Option(name: .customLong("day-ahead"), help: "Day-ahead hourly price CSV (for policies with price: da or da_price rules).")
    package var dayAhead: String?

    @Option(
        name: .customLong("four-cp"),
        help: "ERCOT 4CP intervals CSV: transmission charges (site transmission_usd_per_kw_year) and 4CP obligations met or missed."
    )
    package var fourCP: String?

    @Option(name: .customLong("system-load"), help: "ERCOT hourly system load CSV, to derive causal 4CP alerts.")
    package var systemLoad: String?

    /// Loads every file given.
    package func load(site: Site) throws(HistoryError) -> ReplayInputs {
        let priceRange = USDPerMWh.plausibleRange
        let series = try TimeSeriesFile.load(path: prices, column: node, defaultColumn: site.node, valueRange: priceRange)
        let history = try BitcoinHistory.load(path: bitcoin)
        let dayAheadSeries = try dayAhead.map { (path) throws(HistoryError) in
            try TimeSeriesFile.load(path: path, column: node, defaultColumn: site.node, valueRange: priceRange)
        }
        let calendar = try fourCP.map { (path) throws(HistoryError) in try FourCPCalendar.load(path: path) }
        let alerts = try systemLoad.map { (path) throws(HistoryError) in
            PeakAlertModel(load: try TimeSeriesFile.load(path: path, column: "load_mw"), timeZone: site.timeZone)
        }
        if calendar != nil && site.transmissionUSDPerKWYear == nil {
            StandardStreams.err("warning: --four-cp given but the site has no transmission_usd_per_kw_year; no 4CP charge is applied")
        }
        return ReplayInputs(prices: series, bitcoin: history, dayAhead: dayAheadSeries, fourCP: calendar, peakAlerts: alerts)
    }
}
