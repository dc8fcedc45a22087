import CurtailController
import CurtailFuzz
import CurtailPolicyFiles
import CurtailSite
import CurtailTestSupport
import Foundation
import GridSimulator
import Testing

/// A short fuzz run of every decoder and loader (`curtail-bench fuzz` runs a million).
@Suite("Fuzz")
struct FuzzTests {
    static func fuzzer() throws -> Fuzzer {
        let settings = try SiteFile.load(path: TestRepository.exampleSite)
        let policy = try ConfigurationFiles.load(policyPath: TestRepository.path("Policies/breakeven.yaml"), sitePath: TestRepository.exampleSite)
            .policy
        let sources: [(Fuzzer.FileKind, String)] = [
            (.policy, "Policies/ercot-4cp-ers.yaml"), (.policy, "Policies/dual-strike.yaml"), (.site, "Policies/sites/example-west-texas.yaml"),
            (.scenario, "Simulator/Scenarios/ercot-2023-09-06.yaml"),
        ]
        let texts: [(kind: Fuzzer.FileKind, text: String)] = try sources.map { kind, path in
            (kind, try String(contentsOfFile: TestRepository.path(path), encoding: .utf8))
        }
        return Fuzzer(configuration: ControllerConfiguration(settings: settings, policy: policy), files: texts)
    }

    // Speed is the benchmark's business (`curtail-bench fuzz` prints the slowest input); here a
    // hang is caught by the time limit, not by a wall-clock threshold a loaded machine can miss.
    @Test("mutated MQTT payloads: no crash, no hang, every refusal has a reason", .timeLimit(.minutes(2)))
    func payloads() throws {
        let report = try Self.fuzzer().messages(count: 20_000, seed: 7)
        #expect(report.inputs == 20_000 && report.silentRefusals == 0)
        #expect(report.refused > 10_000 && report.accepted > 100, "the mutations reach both outcomes: \(report)")
    }

    @Test("mutated policy, site and scenario files: no crash, every refusal has a position and a reason")
    func files() throws {
        let report = try Self.fuzzer().files(count: 1_000, seed: 11)
        #expect(report.inputs == 1_000 && report.silentRefusals == 0)
        #expect(report.refused > 100, "\(report)")
    }
}
