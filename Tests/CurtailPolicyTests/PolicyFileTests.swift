import CurtailCore
import CurtailPolicy
import CurtailPolicyFiles
import Testing

@Suite("Policy and site files")
struct PolicyFileTests {
    /// (YAML, line, column, message fragment)
    static let policyErrors: [(String, Int, Int, String)] = [
        ("policy: p\nrulez: []\n", 2, 1, "unknown key 'rulez' in a policy file; did you mean 'rules'?"),
        ("policy: p\neconomics:\n  pool_fee: 1.0\n", 3, 13, "pool_fee = 1 is out of range; allowed: 0 to less than 1"),
        ("policy: p\neconomics:\n  pool_fee: lots\n", 3, 13, "pool_fee must be a number or a declared parameter"),
        ("policy: p\nhysteresis:\n  min_off: soon\n", 3, 12, "min_off must be a duration"),
        ("policy: p\nhysteresis:\n  curtail_after_intervals: 0\n", 3, 28, "curtail_after_intervals = 0 is out of range"),
        ("policy: p\nparameters:\n  s: {default: 500, min: 0, max: 300}\n", 3, 16, "default of 's' = 500 is outside its range 0...300"),
        ("policy: p\nparameters:\n  price: {default: 1, min: 0, max: 3}\n", 3, 3, "built-in name"),
        ("policy: p\nrules:\n  - name: r\n    when: price > 80 MW\n    then: {hold: all}\n", 4, 17, "'>' mixes USD/MWh and MW"),
        ("policy: p\nrules:\n  - name: r\n    when: \"prise > 80\"\n    then: {hold: all}\n", 4, 12, "undefined name 'prise'"),
        (
            "policy: p\nrules:\n  - name: r\n    when: |\n      hour in 14..18 and\n      avg(price, 4) > 3\n    then: {hold: all}\n", 6, 18,
            "window of avg"
        ),
        ("policy: p\nrules:\n  - name: r\n    when: \"true\"\n    then: {cap_site_mw: price}\n", 5, 25, "expected a number in MW"),
        ("policy: p\nrules:\n  - name: r\n    when: \"true\"\n    then: {shed: all}\n", 5, 12, "unknown key 'shed'"),
        ("policy: p\nrules:\n  - name: r\n    then: {hold: all}\n", 3, 5, "missing required key 'when'"),
        (
            "policy: p\nrules:\n  - {name: r, when: \"true\", then: {hold: all}}\n  - {name: r, when: \"true\", then: {hold: all}}\n", 4, 5,
            "already exists"
        ),
        ("policy: p\nfailsafe: {on_stale_price: panic}\n", 2, 28, "on_stale_price must be one of hold, curtail"),
        ("policy: p\npolicy: q\n", 2, 1, "duplicate key"),
        ("policy: p\nrules: [\n", 3, 1, "YAML syntax"),
    ]

    @Test("policy problems are reported at file:line:col", arguments: policyErrors)
    func policyError(yaml: String, line: Int, column: Int, fragment: String) {
        do {
            _ = try PolicyFile.parse(yaml, file: "bad.yaml")
            Issue.record("parsed: \(yaml)")
        } catch {
            let match = error.diagnostics.first { $0.message.contains(fragment) }
            #expect(match != nil, "\(error)")
            #expect(match?.line == line && match?.column == column, "\(error)")
            #expect(match?.description.hasPrefix("bad.yaml:\(line):\(column): ") == true)
        }
    }

    @Test("every problem is reported, not only the first")
    func collectsAll() {
        do {
            _ = try PolicyFile.parse(
                "policy: p\neconomics: {pool_fee: 2, price: spot}\nrules:\n  - {name: r, when: \"x > 1\", then: {hold: all}}\n",
                file: "f"
            )
            Issue.record("a file with three problems parsed")
        } catch {
            #expect(error.diagnostics.count == 3)
        }
    }

    static let site = """
        site: s1
        market: ercot
        node: HB_WEST
        max_import_mw: 10
        groups:
          - {name: a, model: antminer-s21, count: 10}

        """

    /// (extra group YAML or replacement, line, column, fragment)
    static let siteErrors: [(String, Int, Int, String)] = [
        ("  - {name: b, model: antminer-s21, count: -5}\n", 7, 43, "count = -5 is out of range; allowed: 1..."),
        ("  - {name: b, model: s99, count: 5}\n", 7, 22, "unknown miner model 's99'"),
        ("  - {name: b, model: s21, count: 5, firmware: profiles, profiles_w: [1500, 3500]}\n", 7, 70, "out of range; allowed: 1925...3850 W"),
        ("  - {name: b, model: s21, count: 5, firmware: continuous, max_power_w: 5000}\n", 7, 72, "out of range; allowed: 1925...3850 W"),
        ("  - {name: a, model: s21, count: 5}\n", 7, 5, "group name 'a' is used twice"),
        ("  - {name: b, model: s21, count: 5, sleep_w: 2000}\n", 7, 46, "sleep_w = 2000 is out of range"),
        ("  - {name: b, model: s21, count: 5, firmware: on_off, max_power_w: 3000}\n", 7, 68, "max_power_w needs firmware: continuous"),
        ("  - {name: 'b c', model: s21, count: 5}\n", 7, 12, "may only contain letters"),
    ]

    @Test("site problems are reported at file:line:col", arguments: siteErrors)
    func siteError(extra: String, line: Int, column: Int, fragment: String) {
        do {
            _ = try SiteFile.parse(Self.site + extra, file: "site.yaml")
            Issue.record("parsed: \(extra)")
        } catch {
            let match = error.diagnostics.first { $0.message.contains(fragment) }
            #expect(match != nil, "\(error)")
            #expect(match?.line == line && match?.column == column, "\(error)")
        }
    }

    @Test("the example site: three groups, three kinds of firmware, 9.6 MW at nameplate")
    func exampleSite() throws {
        let configuration = try SiteFile.load(path: TestData.path("Policies/sites/example-west-texas.yaml"))
        let site = configuration.site
        #expect(site.id == "west-texas-1" && site.market == "ercot" && site.node == "HB_WEST" && site.timeZone == .usCentral)
        #expect(site.groups.map(\.name) == ["s19jpro", "s19xp", "s21"])
        #expect(site.groups.map(\.count) == [1000, 1000, 1000])
        #expect(site.groups.map(\.model.id) == ["antminer-s19j-pro", "antminer-s19-xp", "antminer-s21"])
        #expect(site.groups.map(\.firmware.kind) == ["on_off", "profiles", "continuous"])
        #expect(abs(site.nameplatePower.value - 9.578) < 1e-9)
        #expect(configuration.policyReference == "../breakeven.yaml")
    }

    @Test("every shipped policy and site file validates, and each policy binds to its site")
    func shipped() throws {
        let files =
            ["breakeven", "dual-strike", "ercot-4cp-ers", "fixed-price-ppa"].map { TestData.path("Policies/\($0).yaml") }
            + [TestData.path("Policies/sites/example-west-texas.yaml")]
        #expect(ConfigurationFiles.validate(paths: files).isEmpty)
        for file in files.dropLast() {
            let loaded = try ConfigurationFiles.load(policyPath: file)
            _ = try PolicyEngine(policy: loaded.policy, site: loaded.site.site)
            #expect(!loaded.policy.summary.isEmpty)
        }
    }

    @Test("relative references resolve against the referring file")
    func resolve() {
        #expect(ConfigurationFiles.resolve("sites/x.yaml", relativeTo: "Policies/p.yaml") == "Policies/sites/x.yaml")
        #expect(ConfigurationFiles.resolve("../p.yaml", relativeTo: "Policies/sites/x.yaml") == "Policies/p.yaml")
        #expect(ConfigurationFiles.resolve("../p.yaml", relativeTo: "x.yaml") == "../p.yaml")
    }
}
