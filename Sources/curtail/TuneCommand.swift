import ArgumentParser
import CurtailCommandLine
import CurtailCore
import CurtailPolicy
import CurtailPolicyFiles
import CurtailReplay
import CurtailTune
import Foundation

/// `curtail tune`: search a policy's declared parameters on past years, prove the result on a
/// later window the search never saw, and write the tuned policy file.
struct TuneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Tune a policy's parameters on past prices and validate them out of sample.",
        discussion: """
            Searches the parameters the policy declares (every lattice point when there are no more \
            than --budget of them, else random exploration then local refinement), scoring each \
            candidate by replaying the training window with the same engine and economics as \
            `curtail replay`. The objective is profit minus the penalties the policy declares under \
            `tuning:`. The best candidate and the defaults are then replayed on the test window, \
            with always-on and the oracle; a warning says when the test result is much worse than \
            training promised.

            --train and --test take A..B where A and B are years (2021..2022), local dates \
            (2021-01-01..2022-12-31, B inclusive) or ISO-8601 UTC times (B exclusive). They must \
            not overlap.

            The tuned file is the policy file with the tuned defaults and a header saying how it was \
            tuned; `curtail replay` on it reproduces the test figures exactly. The same seed gives \
            the same file. See docs/tuning.md.

            Exit codes: 0 success, 1 invalid input (message on stderr), 2 usage error.
            """
    )

    @OptionGroup(title: "Policy (a parameter given with --set is pinned, not searched)")
    var options: PolicySiteOptions

    @OptionGroup(title: "History")
    var history: HistoryOptions

    @Option(help: "Training window, A..B (years, local dates or ISO-8601 times).")
    var train: String

    @Option(help: "Test window, A..B; must not overlap the training window.")
    var test: String

    @Option(help: "Where to write the tuned policy. Default: next to the policy, as NAME.tuned.yaml.")
    var out: String?

    @Option(help: "Most candidates to evaluate per search, the defaults included.")
    var budget: Int = 2000

    @Option(help: "Seed of the random search (the same seed gives the same tuned file).")
    var seed: UInt64 = 1

    @Option(help: "Worker tasks. Default: one per core.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("tune"), help: "Search only this parameter (repeatable). Default: every tunable parameter.")
    var only: [String] = []

    @Option(name: .customLong("range"), help: "Narrow a parameter's search range: NAME=MIN..MAX (repeatable).")
    var ranges: [String] = []

    @Flag(help: "Also run walk-forward folds: for each year after the first, tune on the years before it and test on it.")
    var rolling = false

    @Flag(help: "Print the report as JSON on stdout.")
    var json = false

    @Option(help: "Write tuning.html (charts of the objective) and candidates.csv into this directory.")
    var report: String?

    func validate() throws {
        guard budget >= 2 else { throw ValidationError("--budget must be at least 2 (the defaults and one candidate)") }
        guard (1...256).contains(jobs) else { throw ValidationError("--jobs must be 1...256") }
    }

    func run() async throws {
        let loaded = try options.load()
        let policyModel = loaded.policy
        let siteModel = loaded.site.site
        let fixed = try options.parameters()
        var narrowed: [String: ClosedRange<Double>] = [:]
        for text in ranges {
            let parts = text.split(separator: "=", maxSplits: 1)
            let bounds = parts.count == 2 ? parts[1].components(separatedBy: "..") : []
            guard bounds.count == 2, let low = Double(bounds[0]), let high = Double(bounds[1]) else {
                throw ValidationError("--range takes NAME=MIN..MAX, found '\(text)'")
            }
            guard low <= high else {
                throw InvalidInput(TuningError.emptyRange(parameter: String(parts[0]), range: "\(bounds[0])..\(bounds[1])").description)
            }
            narrowed[String(parts[0])] = low...high
        }

        let progressBar = ProgressBar()
        let report: TuningReport
        do {
            let space = try TuningSpace(policy: policyModel, only: only, fixed: fixed, ranges: narrowed)
            let inputs = try history.load(site: siteModel)
            let trainWindow = try TuningWindowText.resolve(
                train,
                option: "--train",
                timeZone: siteModel.timeZone,
                prices: inputs.prices,
                bitcoin: inputs.bitcoin
            )
            let testWindow = try TuningWindowText.resolve(
                test,
                option: "--test",
                timeZone: siteModel.timeZone,
                prices: inputs.prices,
                bitcoin: inputs.bitcoin
            )
            let tuner = try Tuner(
                policy: policyModel,
                site: siteModel,
                space: space,
                options: Tuner.Options(budget: budget, seed: seed, workers: jobs, rolling: rolling)
            )
            report = try await tuner.run(inputs: inputs, train: trainWindow, test: testWindow) { progress in
                progressBar.update(stage: progress.stage, done: progress.done, total: progress.total)
            }
            progressBar.finish()
        } catch let error as TuningError {
            progressBar.finish()
            if case .windowSyntax = error { throw ValidationError(error.description) }
            throw InvalidInput(error.description)
        } catch let error as HistoryError {
            progressBar.finish()
            throw InvalidInput(error.description)
        } catch let error as PolicyError {
            progressBar.finish()
            throw InvalidInput("\(options.policy): \(error)")
        }

        let outPath = out ?? TunedPolicyOutput.defaultPath(forPolicy: options.policy)
        do {
            try TunedPolicyOutput.write(report: report, policyPath: options.policy, policy: policyModel, sitePath: loaded.sitePath, to: outPath)
            if let directory = self.report { try TunedPolicyOutput.writeReport(report, directory: directory) }
        } catch {
            throw InvalidInput(error.description)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            StandardStreams.out(String(decoding: try encoder.encode(TuningSummary(report)), as: UTF8.self))
        } else {
            StandardStreams.out(TuningTable.render(report))
            StandardStreams.out("\ntuned policy: \(outPath)")
            if let directory = self.report { StandardStreams.out("report: \(directory)/tuning.html (all candidates: \(directory)/candidates.csv)") }
        }
        if json {
            // The table shows them; with --json they go to stderr, beside the JSON.
            for warning in report.warnings { StandardStreams.err("warning: \(warning)") }
        }
    }
}

extension String {
    /// `nil` when empty.
    var nonEmpty: String? { isEmpty ? nil : self }
}
