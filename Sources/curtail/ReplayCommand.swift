import ArgumentParser
import CurtailCore
import CurtailPolicy
import CurtailPolicyFiles
import CurtailReplay
import Foundation

/// `curtail replay`: backtest a policy on history against always-on and the oracle.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Backtest a policy on historical prices against always-on and a perfect-foresight oracle.",
        discussion: """
            Runs the same decision engine as the live controller, one decision per price interval: \
            the decision for an interval sees only the previous interval's price, the previous UTC \
            day's hash price (and, if given, the day-ahead price of its hour and a 4CP alert derived \
            from past system load). Each interval then settles at its own price and hash price.

            --from/--to take local dates in the site's market time zone (--to inclusive) or ISO-8601 \
            times (--to exclusive). Gaps in the price data are reported and never bridged.

            Exit codes: 0 success, 1 invalid input (file:line:col: message on stderr), 2 usage error.
            """
    )

    @Option(help: "Price CSV: interval_start_utc then one column per node (gzip accepted).")
    var prices: String

    @Option(help: "Bitcoin daily CSV (date,btc_usd,difficulty,...) with the hash price.")
    var bitcoin: String

    @Option(help: "Policy file (YAML).")
    var policy: String

    @Option(help: "Site file (YAML); default: the site the policy names.")
    var site: String?

    @Option(help: "First day (local) or time (UTC, ISO-8601). Default: start of the price file.")
    var from: String?

    @Option(help: "Last day (local, inclusive) or end time (exclusive). Default: end of the price file.")
    var to: String?

    @Option(help: "Price column to read from a multi-node file (e.g. HB_NORTH). Default: the only column, else the site's node.")
    var node: String?

    @Option(name: .customLong("day-ahead"), help: "Day-ahead hourly price CSV (for policies with price: da or da_price rules).")
    var dayAhead: String?

    @Option(name: .customLong("four-cp"), help: "ERCOT 4CP intervals CSV, to charge transmission (site transmission_usd_per_kw_year).")
    var fourCP: String?

    @Option(name: .customLong("system-load"), help: "ERCOT hourly system load CSV, to derive causal 4CP alerts.")
    var systemLoad: String?

    @Option(name: .customLong("set"), help: "Set a policy parameter: NAME=VALUE (repeatable).")
    var settings: [String] = []

    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false

    @Option(help: "Write intervals.csv and report.html (self-contained, with charts) into this directory.")
    var report: String?

    func run() throws {
        let loaded: ConfigurationFiles.Loaded
        do {
            loaded = try ConfigurationFiles.load(policyPath: policy, sitePath: site)
        } catch {
            throw InvalidInput(error.diagnostics.map(\.description).joined(separator: "\n"))
        }
        let siteModel = loaded.site.site
        var parameters: [String: Double] = [:]
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Double(parts[1].trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--set takes NAME=VALUE with a number, found '\(setting)'")
            }
            parameters[String(parts[0])] = value
        }
        var replay: Replay
        do {
            replay = try Replay(policy: loaded.policy, site: siteModel, parameters: parameters)
        } catch {
            throw InvalidInput("\(policy): \(error)")
        }

        let result: ReplayResult
        do {
            let started = ContinuousClock.now
            let inputs = try loadInputs(site: siteModel)
            let window = try ReplayWindow.resolve(from: from, to: to, timeZone: siteModel.timeZone, prices: inputs.prices, bitcoin: inputs.bitcoin)
            let loadedAt = ContinuousClock.now
            result = try replay.run(inputs, window: window, options: Replay.Options(recordIntervals: report != nil))
            let ranAt = ContinuousClock.now
            for gap in result.gaps {
                StandardStreams.err("warning: \(inputs.prices.file): no prices \(gap); the replay restarts after it")
            }
            if !json {
                StandardStreams.err(
                    "loaded in \(Self.milliseconds(loadedAt - started)) ms, replayed \(result.intervals) intervals in \(Self.milliseconds(ranAt - loadedAt)) ms"
                )
            }
        } catch {
            throw InvalidInput(error.description)
        }

        if let report {
            try writeReport(result, site: siteModel, directory: report)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(ReplaySummary(result))
            StandardStreams.out(String(decoding: data, as: UTF8.self))
        } else {
            StandardStreams.out(SummaryTable.render(result))
            if let report { StandardStreams.out("report: \(report)/report.html (per-interval data: \(report)/intervals.csv)") }
        }
    }

    private func loadInputs(site: Site) throws(HistoryError) -> ReplayInputs {
        let priceRange = -10_000.0...100_000.0
        let series = try Self.loadNode(prices, node: node, site: site, range: priceRange)
        let history = try BitcoinHistory.load(path: bitcoin)
        let dayAheadSeries = try dayAhead.map { (path) throws(HistoryError) in try Self.loadNode(path, node: node, site: site, range: priceRange) }
        let calendar = try fourCP.map { (path) throws(HistoryError) in try FourCPCalendar.load(path: path) }
        let alerts = try systemLoad.map { (path) throws(HistoryError) in
            PeakAlertModel(load: try TimeSeriesFile.load(path: path, column: "load_mw"), timeZone: site.timeZone)
        }
        if calendar != nil && site.transmissionUSDPerKWYear == nil {
            StandardStreams.err("warning: --four-cp given but the site has no transmission_usd_per_kw_year; no 4CP charge is applied")
        }
        return ReplayInputs(prices: series, bitcoin: history, dayAhead: dayAheadSeries, fourCP: calendar, peakAlerts: alerts)
    }

    /// Reads `node` when given; otherwise the only value column, or the site's node from a
    /// multi-node file.
    static func loadNode(_ path: String, node: String?, site: Site, range: ClosedRange<Double>) throws(HistoryError) -> TimeSeries {
        try TimeSeriesFile.load(path: path, column: node, defaultColumn: site.node, valueRange: range)
    }

    private func writeReport(_ result: ReplayResult, site: Site, directory: String) throws {
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            // Write to temporary names, then move: an interrupted run never leaves a report that looks complete.
            let csvPath = directory + "/intervals.csv"
            let htmlPath = directory + "/report.html"
            try Data(IntervalTable.csv(result, site: site).utf8).write(to: URL(fileURLWithPath: csvPath + ".partial"))
            try Data(HTMLReport.render(result, site: site).utf8).write(to: URL(fileURLWithPath: htmlPath + ".partial"))
            for path in [csvPath, htmlPath] {
                if manager.fileExists(atPath: path) { try manager.removeItem(atPath: path) }
                try manager.moveItem(atPath: path + ".partial", toPath: path)
            }
        } catch {
            throw InvalidInput("\(directory): cannot write the report: \(error.localizedDescription)")
        }
    }

    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return Format.fixed(Double(seconds) * 1000 + Double(attoseconds) / 1e15, 1)
    }
}
