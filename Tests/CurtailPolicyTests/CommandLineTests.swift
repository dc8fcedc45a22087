import CurtailTestSupport
import Foundation
import Testing

/// `curtail validate` and `curtail breakeven` as a user runs them.
@Suite("curtail validate and breakeven")
struct CommandLineTests {
    static func curtail(_ arguments: [String]) throws -> CurtailProcess.Output { try CurtailProcess.run(arguments) }

    @Test("breakeven: S19j Pro at 0.05 with no pool fee prints 70.6")
    func breakeven() throws {
        let result = try Self.curtail(["breakeven", "--model", "S19j Pro", "--hashprice", "0.05"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("70.6 USD/MWh"))
        let fee = try Self.curtail(["breakeven", "--model", "antminer-s19j-pro", "--hashprice", "0.05", "--pool-fee", "0.02"])
        #expect(fee.stdout.hasPrefix("69.2 USD/MWh"))
    }

    @Test("breakeven: impossible inputs exit 1 with the allowed range; usage errors exit 2")
    func breakevenErrors() throws {
        let power = try Self.curtail(["breakeven", "--model", "S21", "--hashprice", "0.05", "--power-w", "9000"])
        #expect(power.status == 1 && power.stderr.contains("allowed 1925...3850 W"))
        let fee = try Self.curtail(["breakeven", "--model", "S21", "--hashprice", "0.05", "--pool-fee", "1"])
        #expect(fee.status == 1 && fee.stderr.contains("[0, 1)"))
        let model = try Self.curtail(["breakeven", "--model", "S99", "--hashprice", "0.05"])
        #expect(model.status == 1 && model.stderr.contains("unknown model 'S99'"))
        let usage = try Self.curtail(["breakeven", "--hashprice", "0.05"])
        #expect(usage.status == 2)
    }

    @Test("validate: the shipped files pass")
    func validateShipped() throws {
        let result = try Self.curtail([
            "validate", "Policies/breakeven.yaml", "Policies/dual-strike.yaml", "Policies/ercot-4cp-ers.yaml", "Policies/fixed-price-ppa.yaml",
            "Policies/sites/example-west-texas.yaml",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 5)
    }

    @Test("validate: problems print file:line:col and exit 1")
    func validateBroken() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "curtail-validate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appending(path: "broken.yaml")
        try "policy: broken\nrules:\n  - name: r\n    when: price > 80 MW and hourz < 3\n    then: {force_off: all}\n".write(
            to: file,
            atomically: true,
            encoding: .utf8
        )
        let result = try Self.curtail(["validate", file.path, "Policies/breakeven.yaml"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(file.path):4:17: rule 'r' when: '>' mixes USD/MWh and MW"), "\(result.stderr)")
        #expect(result.stdout.contains("Policies/breakeven.yaml: ok"))
        let missing = try Self.curtail(["validate", directory.appending(path: "nope.yaml").path])
        #expect(missing.status == 1 && missing.stderr.contains("no such file"))
    }
}
