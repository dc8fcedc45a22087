import CurtailController
import CurtailFuzz
import CurtailPolicyFiles
import CurtailTestSupport
import Foundation
import GridSimulator
import Testing

/// A short fuzz run of every decoder and loader (`curtail bench fuzz` runs a million).
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

    @Test("mutated MQTT payloads: no crash, every refusal has a reason, none is slow")
    func payloads() throws {
        let report = try Self.fuzzer().messages(count: 20_000, seed: 7)
        #expect(report.inputs == 20_000 && report.silentRefusals == 0)
        #expect(report.refused > 10_000 && report.accepted > 100, "the mutations reach both outcomes: \(report)")
        #expect(report.slowestNanoseconds < 200_000_000, "slowest: \(report.slowestInput)")
    }

    @Test("mutated policy, site and scenario files: no crash, every refusal has a position and a reason")
    func files() throws {
        let report = try Self.fuzzer().files(count: 1_000, seed: 11)
        #expect(report.inputs == 1_000 && report.silentRefusals == 0)
        #expect(report.refused > 100, "\(report)")
    }
}
