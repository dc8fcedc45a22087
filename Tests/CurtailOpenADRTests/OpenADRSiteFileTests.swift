import CurtailPolicyFiles
import CurtailTestSupport
import Foundation
import Testing

@Suite("The site file's openadr: section")
struct OpenADRSiteFileTests {
    static let example = try! String(
        contentsOf: TestRepository.root.appendingPathComponent("Policies/sites/example-west-texas.yaml"),
        encoding: .utf8
    )

    /// The line of the section's first key.
    static var firstLine: Int { example.split(separator: "\n", omittingEmptySubsequences: false).count + 2 }

    static func site(_ openadr: String) throws(FileDiagnostics) -> SiteConfiguration {
        try SiteFile.parse(example + "\nopenadr:\n" + openadr, file: "site.yaml")
    }

    @Test func readsEverySetting() throws {
        let settings = try #require(
            try Self.site(
                """
                  version: "3.1"
                  vtn_url: https://vtn.example/openadr3/3.1.0/
                  poll_interval: 30s
                  levels: {1: 80%, 2: 5, 3: 0}
                  voluntary_programs: [econ-dr]
                  payment_usd_per_mwh: 120
                  price_kind: rt
                  grid_emergency_eea_level: 3
                  credentials_file: openadr.yaml
                """
            ).openADR
        )
        #expect(settings.version == .v3_1)
        #expect(settings.vtnURL == "https://vtn.example/openadr3/3.1.0")
        #expect(settings.venName == "west-texas-1")
        #expect(settings.pollSeconds == 30)
        #expect(settings.levels == [1: .fractionOfRunningLoad(0.8), 2: .megawatts(5), 3: .megawatts(0)])
        #expect(settings.voluntaryPrograms == ["econ-dr"])
        #expect(settings.paymentUSDPerMWh == 120)
        #expect(settings.priceKind == .realTime)
        #expect(settings.gridEmergencyEEALevel == 3)
        #expect(settings.credentialsFile == "openadr.yaml")
    }

    @Test(
        arguments: [
            ("  version: \"2.0a\"\n  vtn_url: http://v\n", "site.yaml:L0:12: openadr.version must be one of 2.0b, 3.1"),
            ("  version: \"2.0b\"\n  vtn_url: ftp://v\n", "site.yaml:L1:12: openadr.vtn_url must start with http:// or https://"),
            ("  version: \"2.0b\"\n  vtn_url: http://v\n  levels: {1: 120%, 2: 5, 3: 0}\n", "openadr.levels.1 = 120% must be 0%...100%"),
            ("  version: \"2.0b\"\n  vtn_url: http://v\n  levels: {1: 1, 2: 5}\n", "openadr.levels is missing required key '3'"),
            (
                "  version: \"2.0b\"\n  vtn_url: http://v\n  pol_interval: 5s\n",
                "site.yaml:L2:3: unknown key 'pol_interval' in openadr; did you mean 'poll_interval'?"
            ),
            ("  version: \"2.0b\"\n  vtn_url: http://v\n  cert_file: c.pem\n", "openadr.cert_file and openadr.key_file go together"),
        ]
    )
    func mistakesAreReportedWithTheirPosition(yaml: String, message: String) {
        do {
            _ = try Self.site(yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            let expected = (0..<3).reduce(message) { $0.replacingOccurrences(of: "L\($1)", with: "\(Self.firstLine + $1)") }
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }
}
