import CurtailCore
import CurtailPolicy
import CurtailPolicyFiles
import CurtailReplay
import CurtailTestSupport
import Foundation

/// Paths, the real data (loaded once) and small sites for the replay tests.
enum Fixtures {
    static let repository = TestRepository.root
    static let data = TestRepository.data

    static func dataPath(_ name: String) -> String { TestRepository.dataPath(name) }
    static func path(_ relative: String) -> String { TestRepository.path(relative) }

    static let pricesPath = dataPath("ercot_rtm_spp_hb_west_15min.csv")
    static let bitcoinPath = dataPath("btc_daily.csv")

    /// The HB_WEST history and the Bitcoin file, loaded once per test process.
    static let history = Result { () throws(HistoryError) in
        ReplayInputs(prices: try TimeSeriesFile.load(path: pricesPath), bitcoin: try BitcoinHistory.load(path: bitcoinPath))
    }

    /// Raw text lines of a data file (independent of the loaders under test).
    static func lines(_ name: String) throws -> [Substring] {
        try String(contentsOfFile: dataPath(name), encoding: .utf8).split(separator: "\n")
    }

    /// Loads a shipped policy with the example site.
    static func shipped(_ name: String) throws -> ConfigurationFiles.Loaded {
        try ConfigurationFiles.load(policyPath: path("Policies/\(name).yaml"))
    }

    /// A policy from YAML text.
    static func policy(_ yaml: String) throws -> Policy {
        try PolicyFile.parse(yaml, file: "test-policy.yaml")
    }

    /// A site from YAML text.
    static func site(_ yaml: String) throws -> Site {
        try SiteFile.parse(yaml, file: "test-site.yaml").site
    }

    /// Exactly 1 MW at full power: 1,000 miners of 1,000 W.
    static func oneMegawattSite(transmission: Double? = nil) throws -> Site {
        try site(
            """
            site: one-mw
            market: ercot
            node: HB_WEST
            max_import_mw: 2
            \(transmission.map { "transmission_usd_per_kw_year: \($0)" } ?? "")
            groups:
              - {name: g, model: s19jpro, count: 1000, power_w: 1000, hashrate_th: 34}
            """
        )
    }

    /// A breakeven policy without pool fee.
    static let plain = "policy: plain\neconomics: {price: rt, pool_fee: 0}\nrules: []\n"

    /// Runs a replay of `policy` on `site` over local dates `from`...`to` (inclusive).
    static func replay(
        _ policy: Policy,
        _ site: Site,
        from: String,
        to: String,
        inputs: ReplayInputs? = nil,
        record: Bool = false
    ) throws -> ReplayResult {
        let inputs = try inputs ?? history.get()
        let window = try ReplayWindow.resolve(from: from, to: to, timeZone: site.timeZone, prices: inputs.prices)
        var replay = try Replay(policy: policy, site: site)
        return try replay.run(inputs, window: window, options: Replay.Options(recordIntervals: record))
    }
}
