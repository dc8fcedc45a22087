import ArgumentParser
import CurtailCommandLine
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

    @OptionGroup(title: "History")
    var history: HistoryOptions

    @OptionGroup(title: "Policy")
    var options: PolicySiteOptions

    @Option(help: "First day (local) or time (UTC, ISO-8601). Default: start of the price file.")
    var from: String?

    @Option(help: "Last day (local, inclusive) or end time (exclusive). Default: end of the price file.")
    var to: String?

    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false

    @Option(help: "Write intervals.csv and report.html (self-contained, with charts) into this directory.")
    var report: String?

    func run() throws {
        let loaded = try options.load()
        let siteModel = loaded.site.site
        let parameters = try options.parameters()
        var replay: Replay
        do {
            replay = try Replay(policy: loaded.policy, site: siteModel, parameters: parameters)
        } catch {
            throw InvalidInput("\(options.policy): \(error)")
        }

        let result: ReplayResult
        do {
            let started = ContinuousClock.now
            let inputs = try history.load(site: siteModel)
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
        Format.fixed(duration.inMilliseconds, 1)
    }
}
