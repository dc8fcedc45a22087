import ArgumentParser
import CurtailCommandLine
import CurtailCore
import CurtailPolicy
import CurtailPolicyFiles
import Foundation

/// `curtail-bench engine`: decisions per second of the policy engine on a year of real prices.
struct BenchEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Measure decisions per second of the decision engine on real ERCOT prices.",
        discussion: """
            Replays one year of ERCOT HB_WEST 15-minute prices (with that year's daily hash price) \
            through the engine, on one core, for a synthetic site of --groups miner groups under a \
            10-rule policy, and for the example site under the shipped policies. Input snapshots are \
            built before timing; the timed loop is exactly what replay and tuning run per interval.
            """
    )

    @OptionGroup(title: "Data")
    var input: BenchDataOptions

    @Option(help: "Miner groups in the synthetic site.")
    var groups: Int = 100

    @Option(help: "Timed passes over the year (the median is reported).")
    var rounds: Int = 5

    func validate() throws {
        guard (1...10_000).contains(groups) else { throw ValidationError("--groups must be 1...10000") }
        guard (1...100).contains(rounds) else { throw ValidationError("--rounds must be 1...100") }
    }

    func run() throws {
        let inputs = try BenchData.inputs(directory: input.data, year: input.year)
        StandardStreams.out("decision engine: \(inputs.count) intervals of ERCOT HB_WEST \(input.year), \(rounds) rounds, median reported")
        StandardStreams.out("case                                   groups rules  decisions/s   ns/decision   site MWh (check)")

        let synthetic = BenchData.syntheticSite(groups: groups)
        let policy: Policy
        do { policy = try PolicyFile.parse(BenchData.tenRulePolicy, file: "bench-10-rules.yaml") } catch {
            throw InvalidInput("built-in bench policy is invalid:\n\(error)")
        }
        try measure("synthetic site, 10-rule policy", policy: policy, site: synthetic, inputs: inputs)

        for name in ["breakeven", "dual-strike", "ercot-4cp-ers"] {
            let path = "Policies/\(name).yaml"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do {
                let loaded = try ConfigurationFiles.load(policyPath: path)
                try measure("example site, \(name).yaml", policy: loaded.policy, site: loaded.site.site, inputs: inputs)
            } catch {
                throw InvalidInput("\(error)")
            }
        }
    }

    private func measure(_ label: String, policy: Policy, site: Site, inputs: [DecisionInput]) throws {
        var engine = try PolicyEngine(policy: policy, site: site)
        var decision = Decision(groupCount: site.groups.count)
        var rates: [Double] = []
        var energy = 0.0
        // One warm-up pass, then the timed rounds.
        for round in 0...rounds {
            engine.reset()
            energy = 0
            let clock = ContinuousClock()
            let start = clock.now
            for input in inputs {
                engine.decide(input, into: &decision)
                energy += decision.sitePower.value
            }
            let elapsed = clock.now - start
            let seconds = elapsed.inSeconds
            if round > 0 { rates.append(Double(inputs.count) / seconds) }
        }
        rates.sort()
        let median = rates[rates.count / 2]
        StandardStreams.out(
            label.padding(toLength: 38, withPad: " ", startingAt: 0) + " "
                + String(site.groups.count).leftPadded(6) + String(policy.rules.count).leftPadded(6)
                + Format.fixed(median, 0).leftPadded(13) + Format.fixed(1e9 / median, 0).leftPadded(14)
                + Format.fixed(energy * 0.25, 0).leftPadded(19)
        )
    }
}

/// Real inputs and synthetic fleets for the engine benchmark.
enum BenchData {
    /// One decision input per 15-minute interval of `year`, with the day's hash price.
    static func inputs(directory: String, year: Int) throws -> [DecisionInput] {
        let pricesPath = directory + "/ercot_rtm_spp_hb_west_15min.csv"
        let bitcoinPath = directory + "/btc_daily.csv"
        guard let prices = try? String(contentsOfFile: pricesPath, encoding: .utf8),
            let bitcoin = try? String(contentsOfFile: bitcoinPath, encoding: .utf8)
        else {
            throw InvalidInput("cannot read \(pricesPath) and \(bitcoinPath); pass --data DIR (the shared data directory)")
        }
        var hashPrices: [Substring: Double] = [:]
        var header: [Substring] = []
        for line in bitcoin.split(separator: "\n") {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if header.isEmpty {
                header = fields
                continue
            }
            guard let column = header.firstIndex(of: "hashprice_usd_per_th_day"), column < fields.count,
                let value = Double(fields[column])
            else { continue }
            hashPrices[fields[0]] = value
        }
        var inputs: [DecisionInput] = []
        let prefix = String(year)
        for line in prices.split(separator: "\n").dropFirst() where line.hasPrefix(prefix) {
            let fields = line.split(separator: ",")
            guard fields.count == 2, let time = Timestamp(iso8601: fields[0]), let price = Double(fields[1]),
                let hashPrice = hashPrices[fields[0].prefix(10)]
            else { continue }
            inputs.append(
                DecisionInput(
                    time: time,
                    realTimePrice: PriceObservation(intervalStart: time, price: USDPerMWh(price)),
                    hashPrice: USDPerTerahashDay(hashPrice)
                )
            )
        }
        guard !inputs.isEmpty else { throw InvalidInput("no \(year) prices with hash prices in \(directory)") }
        return inputs
    }

    /// A site of `groups` groups cycling through the catalogue and the three firmware kinds.
    static func syntheticSite(groups: Int) -> Site {
        let models = MinerCatalog.models
        var list: [MinerGroup] = []
        for index in 0..<groups {
            let model = models[index % models.count]
            let firmware: FirmwareCapability
            switch index % 3 {
            case 0: firmware = .onOff
            case 1: firmware = FirmwareCapability.defaultProfiles(for: model)
            default: firmware = FirmwareCapability.defaultContinuous(for: model)
            }
            list.append(MinerGroup(name: "g\(index)", model: model, count: 200, firmware: firmware))
        }
        let provisional = Site(id: "bench", market: "ercot", node: "HB_WEST", timeZone: .usCentral, maxImport: Megawatts(1), groups: list)
        var site = provisional
        site.maxImport = Megawatts(provisional.nameplatePower.value * 1.0)
        site.rampUpMWPerMinute = provisional.nameplatePower.value / 10
        return site
    }

    /// Ten rules touching every part of the language: windows, local time, events, alerts,
    /// EEA, frequency, caps, floors, offsets, forced states.
    static let tenRulePolicy = """
        policy: bench-10-rules
        economics: {price: rt, pool_fee: 0.02}
        parameters:
          emergency: {default: 300, min: 100, max: 2000, unit: $/MWh}
          spike_ratio: {default: 3, min: 1, max: 10}
        hysteresis: {curtail_after_intervals: 2, resume_after_intervals: 3, min_off: 15m, price_band_usd_per_mwh: 2}
        rules:
          - {name: event, priority: 100, when: "event_active", then: {cap_site_mw: event_cap_mw, immediate: true}}
          - {name: ufr, priority: 95, when: "frequency < 59.7 Hz", then: {force_off: all}}
          - {name: eea, priority: 90, when: "eea >= 2", then: {force_off: all}}
          - {name: emergency, priority: 80, when: "price >= emergency", then: {force_off: [g0, g1, g2], immediate: true}}
          - {name: cp-window, priority: 70, when: "month in 6..9 and hour in 16..17 and weekday in [mon, tue, wed, thu, fri]", then: {cap_site_mw: nameplate_mw * 0.2}}
          - {name: spike, priority: 60, when: "price > spike_ratio * avg(price, 4h) and price > 50", then: {strike_offset: -10}}
          - {name: p90, priority: 50, when: "price > percentile(price, 24h, 90)", then: {price_offset: 5}}
          - {name: cheap-night, priority: 40, when: "hour in 0..5 and price < lowest(price, 24h) + 5", then: {floor_site_mw: max_import_mw * 0.5}}
          - {name: weekend, priority: 30, when: "weekday in [sat, sun] and price < 20", then: {force_on: [g3, g4]}}
          - {name: stale-guard, priority: 20, when: "price_age > 10m", then: {hold: all}}
        """
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
