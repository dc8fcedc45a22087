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

    @Option(
        name: .customLong("ancillary"),
        help: "Hourly ancillary clearing prices CSV (interval_start_utc,REGUP,REGDN,RRS,NSPIN,ECRS): awards, held reserve and capacity revenue."
    )
    package var ancillary: String?

    @Option(
        name: .customLong("grid-events"),
        help: "Grid events CSV (event_type,eea_level,start_utc,end_utc,…): EEA levels; awarded reserve is deployed during an EEA."
    )
    package var gridEvents: String?

    @Option(
        name: .customLong("deployments-per-year"),
        help: "Synthetic deployments of awarded reserve: expected instructions per product per year (default 0: none besides EEAs)."
    )
    package var deploymentsPerYear: Double = 0

    @Option(name: .customLong("deployment-seed"), help: "Seed of the synthetic deployments.")
    package var deploymentSeed: UInt64 = 1

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
        let clearing = try ancillary.map { (path) throws(HistoryError) in try AncillaryPrices.load(path: path) }
        let events = try gridEvents.map { (path) throws(HistoryError) in try GridEventHistory.load(path: path) }
        guard deploymentsPerYear.isFinite, (0...10_000).contains(deploymentsPerYear) else {
            throw HistoryError(file: "", "--deployments-per-year must be 0...10000, found \(deploymentsPerYear)")
        }
        if clearing != nil && (site.ancillary?.products.isEmpty ?? true) {
            StandardStreams.err("warning: --ancillary given but the site file has no ancillary: section with a product; nothing is offered")
        }
        return ReplayInputs(
            prices: series,
            bitcoin: history,
            dayAhead: dayAheadSeries,
            fourCP: calendar,
            peakAlerts: alerts,
            ancillary: clearing,
            gridEvents: events,
            deployments: DeploymentProcess(perYear: deploymentsPerYear, seed: deploymentSeed)
        )
    }
}
