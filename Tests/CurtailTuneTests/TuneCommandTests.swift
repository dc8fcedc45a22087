import CurtailTestSupport
import Foundation
import Testing

/// `curtail tune` as a user runs it, on real ERCOT prices: the tuned file, its round trip
/// through `validate` and `replay`, determinism, the report, and bad input.
@Suite("curtail tune", .serialized, .exclusiveCPU)
struct TuneCommandTests {
    static let prices = TestRepository.dataPath("ercot_rtm_spp_hb_west_15min.csv")
    static let bitcoin = TestRepository.dataPath("btc_daily.csv")

    static func tune(_ extra: [String], policy: String = "Policies/dual-strike.yaml") throws -> CurtailProcess.Output {
        try CurtailProcess.run(
            [
                "tune", "--policy", policy, "--prices", prices, "--bitcoin", bitcoin, "--train", "2023-01-01..2023-01-31", "--test",
                "2023-02-01..2023-02-14",
            ]
                + extra
        )
    }

    static func temporary(_ name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appending(path: "curtail-tune-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appending(path: name).path
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("the tuned file validates, carries the tuned values, and curtail replay reproduces the test figures exactly")
    func roundTrip() throws {
        let out = try Self.temporary("dual.tuned.yaml")
        defer { try? FileManager.default.removeItem(atPath: (out as NSString).deletingLastPathComponent) }
        let tuned = try Self.tune(["--budget", "40", "--seed", "3", "--out", out, "--json"])
        #expect(tuned.status == 0, "\(tuned.stderr)")
        let summary = try Self.json(tuned.stdout)
        // The budget, plus at most one evaluation per parameter putting back defaults that do not matter.
        #expect((40...44).contains(summary["candidates"] as? Int ?? 0))
        #expect(summary["strategy"] as? String == "random+local")

        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.hasPrefix("# Tuned by `curtail tune` from dual-strike.yaml, seed 3, budget 40"))
        let validate = try CurtailProcess.run(["validate", out])
        #expect(validate.status == 0, "\(validate.stderr)")
        // Every tuned value is the file's new default.
        let parameters = try #require(summary["parameters"] as? [[String: Any]])
        for parameter in parameters {
            let name = try #require(parameter["name"] as? String)
            let value = try #require(parameter["tuned"] as? Double)
            let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("  \(name): {default: ") })
            let written = line.dropFirst("  \(name): {default: ".count).prefix { $0 != "," }
            #expect(Double(written) == value, "\(line)")
        }

        let replay = try CurtailProcess.run([
            "replay", "--policy", out, "--prices", Self.prices, "--bitcoin", Self.bitcoin, "--from", "2023-02-01", "--to", "2023-02-14", "--json",
        ])
        #expect(replay.status == 0, "\(replay.stderr)")
        let replayed = try Self.json(replay.stdout)
        let tunedTest = try #require((summary["tuned"] as? [String: Any])?["test"] as? [String: Double])
        let policy = try #require(replayed["policy"] as? [String: Double])
        #expect(policy["profit_usd"] == tunedTest["profit_usd"])
        #expect(replayed["capture_ratio"] as? Double == tunedTest["capture_ratio"])
    }

    @Test("--site S --out elsewhere: the tuned file names S relative to where it is written, and validates")
    func siteReferenceFollowsTheTunedSite() throws {
        let out = try Self.temporary("tuned/x.yaml")
        let root = ((out as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: root) }
        // The tuned site lives in a third directory, under another name than the policy's own.
        let site = root + "/sites/copy-of-west-texas.yaml"
        try FileManager.default.createDirectory(atPath: root + "/sites", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestRepository.exampleSite, toPath: site)
        let tuned = try Self.tune(["--budget", "6", "--site", site, "--out", out])
        #expect(tuned.status == 0, "\(tuned.stderr)")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.split(separator: "\n").contains("site: ../sites/copy-of-west-texas.yaml"), "\(text.prefix(2000))")
        let validate = try CurtailProcess.run(["validate", out])
        #expect(validate.status == 0, "\(validate.stderr)")
    }

    @Test("the same seed writes the same file; the report has a chart per main parameter and every candidate")
    func deterministicAndReport() throws {
        let first = try Self.temporary("a.yaml")
        let second = try Self.temporary("b.yaml")
        let report = (second as NSString).deletingLastPathComponent + "/report"
        defer {
            for path in [first, second] { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        }
        let a = try Self.tune(["--budget", "30", "--seed", "11", "--out", first, "--jobs", "1"])
        let b = try Self.tune(["--budget", "30", "--seed", "11", "--out", second, "--jobs", "2", "--report", report])
        #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
        #expect(try String(contentsOfFile: first, encoding: .utf8) == String(contentsOfFile: second, encoding: .utf8))
        #expect(a.stdout.contains("out of sample the tuned parameters") && a.stdout.contains("always-on") && a.stdout.contains("oracle"))

        let html = try String(contentsOfFile: report + "/tuning.html", encoding: .utf8)
        #expect(html.components(separatedBy: "<svg").count - 1 == 4)
        #expect(!html.contains("<script") && !html.contains("src=\"http"))
        let csv = try String(contentsOfFile: report + "/candidates.csv", encoding: .utf8).split(separator: "\n")
        #expect((1 + 30...1 + 34).contains(csv.count))
        #expect(csv[0] == "emergency_strike,margin,curtail_after,resume_after,objective_usd,profit_usd,penalty_usd,cycles,unmet_obligations")
    }

    @Test("--rolling adds a walk-forward fold per year after the first, each trained only on the years before it")
    func rolling() throws {
        let out = try Self.temporary("rolling.yaml")
        defer { try? FileManager.default.removeItem(atPath: (out as NSString).deletingLastPathComponent) }
        let output = try CurtailProcess.run([
            "tune", "--policy", "Policies/breakeven.yaml", "--prices", Self.prices, "--bitcoin", Self.bitcoin,
            "--train", "2019..2020", "--test", "2021..2021", "--budget", "6", "--rolling", "--out", out, "--json",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let summary = try Self.json(output.stdout)
        let folds = try #require(summary["folds"] as? [[String: Any]])
        #expect(folds.count == 2)
        let tests = folds.compactMap { ($0["test"] as? [String: Any])?["from"] as? String }
        #expect(tests == ["2020-01-01T06:00:00Z", "2021-01-01T06:00:00Z"])
        for fold in folds {
            let train = try #require(fold["train"] as? [String: Any])
            let test = try #require(fold["test"] as? [String: Any])
            #expect(train["from"] as? String == "2019-01-01T06:00:00Z")
            #expect(train["to"] as? String == test["from"] as? String)
            #expect((6...7).contains(fold["candidates"] as? Int ?? 0))
        }
    }

    @Test("bad input: overlapping windows, windows outside the data, nothing to tune, empty ranges")
    func badInput() throws {
        let out = try Self.temporary("never.yaml")
        defer { try? FileManager.default.removeItem(atPath: (out as NSString).deletingLastPathComponent) }
        let overlap = try CurtailProcess.run([
            "tune", "--policy", "Policies/dual-strike.yaml", "--prices", Self.prices, "--bitcoin", Self.bitcoin,
            "--train", "2022..2023", "--test", "2023-06-01..2023-06-30", "--out", out,
        ])
        #expect(overlap.status == 1)
        #expect(overlap.stderr.contains("overlap") && overlap.stderr.contains("the test must be data the search never saw"))

        let outside = try CurtailProcess.run([
            "tune", "--policy", "Policies/dual-strike.yaml", "--prices", Self.prices, "--bitcoin", Self.bitcoin,
            "--train", "2023..2023", "--test", "2026..2026", "--out", out,
        ])
        #expect(outside.status == 1)
        #expect(outside.stderr.contains("--test 2026..2026") && outside.stderr.contains("outside the data"))

        let directory = (out as NSString).deletingLastPathComponent
        let plain = directory + "/plain.yaml"
        try "policy: plain\nsite: \(TestRepository.exampleSite)\nrules: []\n".write(toFile: plain, atomically: true, encoding: .utf8)
        let nothing = try Self.tune(["--out", out], policy: plain)
        #expect(nothing.status == 1)
        #expect(nothing.stderr.contains("declares no tunable parameters"))

        let empty = try Self.tune(["--range", "margin=10..4", "--out", out])
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("the search range of 'margin' is empty"))

        let wide = try Self.tune(["--range", "margin=-100..4", "--out", out])
        #expect(wide.status == 1)
        #expect(wide.stderr.contains("outside the range the policy declares"))

        let usage = try Self.tune(["--train", "2023", "--out", out])
        #expect(usage.status == 2)
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
