import ArgumentParser
import CurtailCommandLine
import CurtailController
import CurtailFuzz
import CurtailSite
import Foundation
import GridSimulator

/// `curtail-bench fuzz`: a million mutated inputs through the payload decoders and file loaders.
struct BenchFuzzCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Feed random and mutated MQTT payloads and policy/site/scenario files to Curtail's decoders and loaders."
    )

    @Option(help: "Mutated MQTT payloads.")
    var messages = 1_000_000

    @Option(help: "Mutated policy, site and scenario files.")
    var files = 100_000

    @Option(help: "Random seed (the same seed replays the same inputs).")
    var seed: UInt64 = 1

    func run() async throws {
        let configuration = try SiteSetup.loadForCommand(sitePath: "Policies/sites/example-west-texas.yaml").controllerConfiguration
        var texts: [(kind: Fuzzer.FileKind, text: String)] = []
        for (kind, paths) in [
            (Fuzzer.FileKind.policy, ["breakeven", "dual-strike", "ercot-4cp-ers", "fixed-price-ppa"].map { "Policies/\($0).yaml" }),
            (.site, ["Policies/sites/example-west-texas.yaml"]),
            (.scenario, ["Simulator/Scenarios/ercot-2023-09-06.yaml"]),
        ] {
            for path in paths {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw InvalidInput("\(path): cannot read (run from the repository root)")
                }
                texts.append((kind, text))
            }
        }
        let fuzzer = Fuzzer(configuration: configuration, files: texts)
        let clock = ContinuousClock()
        let t0 = clock.now
        let payloads = fuzzer.messages(count: messages, seed: seed)
        let t1 = clock.now
        let loaders = fuzzer.files(count: files, seed: seed &+ 1)
        let t2 = clock.now
        print("MQTT payloads (ControllerCore.receive): \(payloads) in \(t0.duration(to: t1))")
        print("files (policy, site, scenario loaders): \(loaders) in \(t1.duration(to: t2))")
        print("slowest payload: \(payloads.slowestInput)")
        guard payloads.silentRefusals == 0, loaders.silentRefusals == 0 else { throw InvalidInput("some inputs were refused without a reason") }
    }
}
