import CurtailTestSupport
import Foundation
import Testing

/// `curtail replay` as a user runs it: JSON fields, the report, and errors with exit codes.
@Suite("curtail replay")
struct ReplayCommandTests {
    static func curtail(_ arguments: [String]) throws -> CurtailProcess.Output { try CurtailProcess.run(arguments) }

    static let base = ["replay", "--prices", Fixtures.pricesPath, "--bitcoin", Fixtures.bitcoinPath, "--policy", "Policies/dual-strike.yaml"]

    @Test("--json has the spec's fields, and the numbers agree with each other")
    func json() throws {
        let output = try Self.curtail(Self.base + ["--from", "2023-08-01", "--to", "2023-08-07", "--json"])
        #expect(output.status == 0, "\(output.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(object["from"] as? String == "2023-08-01T05:00:00Z")
        #expect(object["to"] as? String == "2023-08-08T05:00:00Z")
        #expect(object["intervals"] as? Int == 7 * 96)
        for key in ["policy", "always_on", "oracle"] {
            let totals = try #require(object[key] as? [String: Double], "\(key)")
            for field in ["energy_mwh", "energy_cost_usd", "mining_revenue_usd", "profit_usd"] { #expect(totals[field] != nil, "\(key).\(field)") }
            let profit = totals["mining_revenue_usd"]! - totals["energy_cost_usd"]! - totals["transmission_usd"]!
            #expect(abs(profit - totals["profit_usd"]!) < 1e-6)
        }
        let policy = try #require(object["policy"] as? [String: Double])
        #expect(policy["curtailed_mwh"] != nil && policy["cycles"] != nil)
        let oracle = try #require(object["oracle"] as? [String: Double])
        let ratio = try #require(object["capture_ratio"] as? Double)
        #expect(abs(ratio - policy["profit_usd"]! / oracle["profit_usd"]!) < 1e-12)
    }

    @Test("--report writes a self-contained HTML report and the per-interval CSV")
    func report() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "curtail-report-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = try Self.curtail(Self.base + ["--from", "2023-09-01", "--to", "2023-09-10", "--report", directory])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("capture ratio"))
        let html = try String(contentsOfFile: directory + "/report.html", encoding: .utf8)
        #expect(html.components(separatedBy: "<svg").count - 1 == 3)
        #expect(html.contains("Biggest curtailment episodes") && html.contains("By month"))
        // Nothing fetched from anywhere: no scripts, no external references.
        #expect(!html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http"))
        let csv = try String(contentsOfFile: directory + "/intervals.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 1 + 10 * 96)
        #expect(csv[0].hasPrefix("interval_start_utc,price_usd_per_mwh,"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/report.html.partial"))
    }

    @Test("a malformed price row exits 1 with file:line:col and writes no report")
    func malformed() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "curtail-bad-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let prices = directory + "/prices.csv"
        try "interval_start_utc,price_usd_per_mwh\n2023-01-01T06:00:00Z,20.5\n2023-01-01T06:15:00Z,2O.1\n".write(
            toFile: prices,
            atomically: true,
            encoding: .utf8
        )
        let output = try Self.curtail([
            "replay", "--prices", prices, "--bitcoin", Fixtures.bitcoinPath, "--policy", "Policies/breakeven.yaml", "--report", directory + "/out",
        ])
        #expect(output.status == 1)
        #expect(output.stderr.contains("prices.csv:3:22: price_usd_per_mwh must be a number, found '2O.1'"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/out/report.html"))
    }

    @Test("unknown node, a window outside the data, a usage error")
    func errors() throws {
        let hubs = Fixtures.dataPath("ercot_rtm_spp_hubs_15min.csv.gz")
        let node = try Self.curtail([
            "replay", "--prices", hubs, "--bitcoin", Fixtures.bitcoinPath, "--policy", "Policies/breakeven.yaml", "--node", "HB_MARS",
        ])
        #expect(node.status == 1)
        #expect(node.stderr.contains("unknown node or column 'HB_MARS'"))
        let outside = try Self.curtail(Self.base + ["--from", "2030-01-01", "--to", "2030-01-31"])
        #expect(outside.status == 1)
        #expect(outside.stderr.contains("outside the data"))
        let usage = try Self.curtail(["replay", "--prices", hubs])
        #expect(usage.status == 2)
        let badSet = try Self.curtail(Self.base + ["--set", "margin"])
        #expect(badSet.status == 2 && badSet.stderr.contains("--set takes NAME=VALUE"), "\(badSet.stderr)")
    }

    @Test("the multi-hub gzip file replays the site's node by default")
    func hubsFile() throws {
        let hubs = Fixtures.dataPath("ercot_rtm_spp_hubs_15min.csv.gz")
        let single = try Self.curtail(Self.base + ["--from", "2023-07-01", "--to", "2023-07-02", "--json"])
        let gz = try Self.curtail(["replay", "--prices", hubs] + Self.base.dropFirst(3) + ["--from", "2023-07-01", "--to", "2023-07-02", "--json"])
        #expect(gz.status == 0, "\(gz.stderr)")
        #expect(gz.stdout == single.stdout)
    }

    @Test("a clone without the shared data: make replay's year from the data/ excerpt gives the same result as the full history")
    func excerpt() throws {
        let rest = [
            "--policy", "Policies/dual-strike.yaml", "--site", "Policies/sites/example-west-texas.yaml", "--from", "2023-01-01", "--to", "2023-12-31",
            "--json",
        ]
        let full = try Self.curtail(Self.base.prefix(5) + rest)
        let excerpt = try Self.curtail(
            [
                "replay", "--prices", TestRepository.path("data/ercot_rtm_spp_hb_west_15min.csv.gz"), "--bitcoin",
                TestRepository.path("data/btc_daily.csv.gz"),
            ]
                + rest
        )
        #expect(excerpt.status == 0, "\(excerpt.stderr)")
        #expect(full.status == 0, "\(full.stderr)")
        #expect(excerpt.stdout == full.stdout)
    }
}
