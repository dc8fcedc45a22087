import CurtailCore
import Yams

/// Loads site files (`Policies/sites/*.yaml`) strictly, with `file:line:col` diagnostics.
public enum SiteFile: Sendable {
    static let topKeys = [
        "site", "description", "market", "node", "timezone", "max_import_mw", "ramp_up_mw_per_min", "ramp_down_mw_per_min", "policy", "groups",
        "mqtt", "transmission_usd_per_kw_year", "controller", "agent", "openadr", "ancillary",
    ]
    static let agentKeys = ["wake_miners_per_second", "wake_kw_per_second", "safe_state", "poll_interval", "telemetry_interval", "max_connections"]
    static let mqttKeys = [
        "broker", "client_id", "grid_root", "site_root", "hashprice_topic", "username", "password_file", "ca_file", "cert_file", "key_file",
        "require_tls",
    ]
    static let controllerKeys = [
        "decision_interval", "command_ttl", "under_frequency_trip_hz", "under_frequency_shed_mw", "under_frequency_recover_hz",
        "under_frequency_recover_after", "lease", "settlement_minutes",
    ]
    static let groupKeys = [
        "name", "model", "count", "firmware", "profiles_w", "min_power_w", "max_power_w", "hashrate_th", "power_w", "sleep_w", "curve",
        "min_on", "min_off", "wake",
    ]

    /// Loads a site file from disk.
    ///
    /// - Throws: ``FileDiagnostics`` with every problem found.
    public static func load(path: String) throws(FileDiagnostics) -> SiteConfiguration {
        try parse(try FileText.read(path), file: path)
    }

    /// Parses site YAML; `file` is used in diagnostics.
    public static func parse(_ text: String, file: String) throws(FileDiagnostics) -> SiteConfiguration {
        var reader = YAMLReader(file: file, text: text)
        guard let root = reader.compose(text) else { throw FileDiagnostics(reader.diagnostics) }
        let configuration = read(root, &reader)
        guard reader.diagnostics.isEmpty, let configuration else { throw FileDiagnostics(reader.diagnostics) }
        return configuration
    }

    static func read(_ root: Node, _ r: inout YAMLReader) -> SiteConfiguration? {
        guard let top = r.mapping(root, "a site file", allowed: topKeys, required: ["site", "market", "node", "max_import_mw", "groups"]) else {
            return nil
        }
        let id = top["site"].flatMap { r.identifier($0, "site id") }
        _ = top["description"].flatMap { r.string($0, "description") }
        let market = top["market"].flatMap { r.identifier($0, "market") }
        let node = top["node"].flatMap { r.string($0, "node") }
        var timeZone: MarketTimeZone?
        if let n = top["timezone"] {
            if let text = r.string(n, "timezone") {
                timeZone = MarketTimeZone(identifier: text)
                if timeZone == nil {
                    r.report(n, "unknown timezone '\(text)'; supported: \(MarketTimeZone.supportedIdentifiers.joined(separator: ", "))")
                }
            }
        } else if let market {
            timeZone = MarketTimeZone.default(forMarket: market)
            if timeZone == nil, let n = top["market"] {
                r.report(
                    n,
                    "no default time zone for market '\(market)'; add timezone: (one of \(MarketTimeZone.supportedIdentifiers.joined(separator: ", ")))"
                )
            }
        }
        let maxImport = top["max_import_mw"].flatMap { r.number($0, "max_import_mw", range: 0.001...100_000) }
        let rampUp = top["ramp_up_mw_per_min"].flatMap { r.number($0, "ramp_up_mw_per_min", range: 0.001...100_000) }
        let rampDown = top["ramp_down_mw_per_min"].flatMap { r.number($0, "ramp_down_mw_per_min", range: 0.001...100_000) }
        let policy = top["policy"].flatMap { r.string($0, "policy") }
        let transmission = top["transmission_usd_per_kw_year"].flatMap { r.number($0, "transmission_usd_per_kw_year", range: 0...10_000) }

        var groups: [MinerGroup] = []
        if let n = top["groups"], let list = r.sequence(n, "groups") {
            if list.isEmpty { r.report(n, "a site needs at least one group") }
            var names: Set<String> = []
            for item in list {
                guard let group = readGroup(item, &r) else { continue }
                if !names.insert(group.name).inserted {
                    r.report(item, "group name '\(group.name)' is used twice; group names must be unique")
                }
                groups.append(group)
            }
        }

        var mqtt = SiteConfiguration.MQTTSettings()
        if let n = top["mqtt"], let map = r.mapping(n, "mqtt", allowed: mqttKeys) {
            if let b = map["broker"], let text = r.string(b, "mqtt.broker") {
                if text.hasPrefix("mqtt://") || text.hasPrefix("mqtts://") {
                    mqtt.broker = text
                } else {
                    r.report(b, "mqtt.broker must look like mqtt://HOST:PORT or mqtts://HOST:PORT, found '\(text)'")
                }
            }
            mqtt.clientID = map["client_id"].flatMap { r.string($0, "mqtt.client_id") }
            for (key, path) in [
                ("grid_root", \SiteConfiguration.MQTTSettings.gridRoot), ("site_root", \.siteRoot), ("hashprice_topic", \.hashPriceTopic),
            ] {
                guard let node = map[key], let text = r.string(node, "mqtt.\(key)") else { continue }
                if text.isEmpty || text.contains("+") || text.contains("#") || text.hasPrefix("/") || text.hasSuffix("/") {
                    r.report(node, "mqtt.\(key) must be a topic without wildcards or leading/trailing '/', found '\(text)'")
                } else {
                    mqtt[keyPath: path] = text
                }
            }
            mqtt.username = map["username"].flatMap { r.string($0, "mqtt.username") }
            mqtt.passwordFile = map["password_file"].flatMap { r.string($0, "mqtt.password_file") }
            mqtt.caFile = map["ca_file"].flatMap { r.string($0, "mqtt.ca_file") }
            mqtt.certFile = map["cert_file"].flatMap { r.string($0, "mqtt.cert_file") }
            mqtt.keyFile = map["key_file"].flatMap { r.string($0, "mqtt.key_file") }
            mqtt.requireTLS = map["require_tls"].flatMap { r.boolean($0, "mqtt.require_tls") } ?? false
            if (mqtt.certFile == nil) != (mqtt.keyFile == nil), let n = map["cert_file"] ?? map["key_file"] {
                r.report(n, "mqtt.cert_file and mqtt.key_file go together")
            }
            if mqtt.passwordFile != nil, mqtt.username == nil, let n = map["password_file"] {
                r.report(n, "mqtt.password_file needs mqtt.username")
            }
        }
        let controller = top["controller"].flatMap { readController($0, &r) } ?? SiteConfiguration.ControllerSettings()

        guard let id, let market, let node, let timeZone, let maxImport else { return nil }
        var site = Site(
            id: id,
            market: market,
            node: node,
            timeZone: timeZone,
            maxImport: Megawatts(maxImport),
            rampUpMWPerMinute: rampUp,
            rampDownMWPerMinute: rampDown,
            groups: groups,
            transmissionUSDPerKWYear: transmission
        )
        if let n = top["ancillary"], !groups.isEmpty { site.ancillary = readAncillary(n, site: site, &r) }
        if let shed = controller.underFrequencyShedMW, shed > maxImport, let n = top["controller"] {
            r.report(n, "controller.under_frequency_shed_mw (\(YAMLReader.format(shed))) exceeds max_import_mw (\(YAMLReader.format(maxImport)))")
        }
        var configuration = SiteConfiguration(site: site, policyReference: policy, mqtt: mqtt, controller: controller)
        if let agent = top["agent"].flatMap({ readAgent($0, &r) }) { configuration.agent = agent }
        if let n = top["openadr"] { configuration.openADR = readOpenADR(n, siteID: id, &r) }
        return configuration
    }

    static func readController(_ node: Node, _ r: inout YAMLReader) -> SiteConfiguration.ControllerSettings? {
        guard let map = r.mapping(node, "controller", allowed: controllerKeys) else { return nil }
        var settings = SiteConfiguration.ControllerSettings()
        if let n = map["decision_interval"], let seconds = r.duration(n, "controller.decision_interval") {
            if (1...300).contains(seconds) {
                settings.decisionInterval = seconds
            } else {
                r.report(n, "controller.decision_interval must be 1s...5m")
            }
        }
        if let n = map["command_ttl"], let seconds = r.duration(n, "controller.command_ttl") {
            if (30...3600).contains(seconds) { settings.commandLifetime = seconds } else { r.report(n, "controller.command_ttl must be 30s...1h") }
        }
        if let n = map["lease"], let seconds = r.duration(n, "controller.lease") {
            if (1...300).contains(seconds) { settings.lease = seconds } else { r.report(n, "controller.lease must be 1s...5m") }
        }
        if let n = map["settlement_minutes"], let minutes = r.number(n, "controller.settlement_minutes", range: 1...60) {
            if [5, 15, 30, 60].contains(minutes) {
                settings.settlementMinutes = Int(minutes)
            } else {
                r.report(
                    n,
                    "controller.settlement_minutes must be 5, 15, 30 or 60 (the market's settlement interval), found \(YAMLReader.format(minutes))"
                )
            }
        }
        if let n = map["under_frequency_trip_hz"] {
            if case .scalar(let scalar) = n, scalar.string == "off" {
                settings.underFrequencyTripHz = nil
            } else if let hz = r.number(n, "controller.under_frequency_trip_hz (or off)", range: 55...60) {
                settings.underFrequencyTripHz = hz
            }
        }
        settings.underFrequencyShedMW = map["under_frequency_shed_mw"].flatMap {
            r.number($0, "controller.under_frequency_shed_mw", range: 0...100_000)
        }
        if let hz = map["under_frequency_recover_hz"].flatMap({ r.number($0, "controller.under_frequency_recover_hz", range: 55...61) }) {
            settings.underFrequencyRecoverHz = hz
        }
        if let seconds = map["under_frequency_recover_after"].flatMap({ r.duration($0, "controller.under_frequency_recover_after") }) {
            settings.underFrequencyRecoverAfter = seconds
        }
        if let trip = settings.underFrequencyTripHz, settings.underFrequencyRecoverHz <= trip, let n = map["under_frequency_recover_hz"] {
            r.report(n, "controller.under_frequency_recover_hz must be above under_frequency_trip_hz (\(YAMLReader.format(trip)))")
        }
        return settings
    }

    static func readAgent(_ node: Node, _ r: inout YAMLReader) -> SiteConfiguration.AgentSettings? {
        guard let map = r.mapping(node, "agent", allowed: agentKeys) else { return nil }
        var settings = SiteConfiguration.AgentSettings()
        if let rate = map["wake_miners_per_second"].flatMap({ r.number($0, "agent.wake_miners_per_second", range: 0.01...100_000) }) {
            settings.wakeMinersPerSecond = rate
        }
        settings.wakeKWPerSecond = map["wake_kw_per_second"].flatMap { r.number($0, "agent.wake_kw_per_second", range: 0.1...10_000_000) }
        if let state = map["safe_state"].flatMap({ r.choice($0, "agent.safe_state", ["sleep", "run"]) }) {
            settings.safeState = SiteConfiguration.AgentSettings.SafeState(rawValue: state) ?? .sleep
        }
        if let n = map["poll_interval"], let seconds = r.duration(n, "agent.poll_interval") {
            if (1...600).contains(seconds) { settings.pollInterval = seconds } else { r.report(n, "agent.poll_interval must be 1s...10m") }
        }
        if let n = map["telemetry_interval"], let seconds = r.duration(n, "agent.telemetry_interval") {
            if (1...300).contains(seconds) { settings.telemetryInterval = seconds } else { r.report(n, "agent.telemetry_interval must be 1s...5m") }
        }
        if let connections = map["max_connections"].flatMap({ r.integer($0, "agent.max_connections", range: 1...4096) }) {
            settings.maxConnections = connections
        }
        return settings
    }

    static func readGroup(_ node: Node, _ r: inout YAMLReader) -> MinerGroup? {
        guard let map = r.mapping(node, "a group", allowed: groupKeys, required: ["name", "model", "count"]) else { return nil }
        let name = map["name"].flatMap { r.identifier($0, "group name") }
        let label = "group '\(name ?? "?")'"
        let count = map["count"].flatMap { r.integer($0, "\(label) count", range: 1...10_000_000) }
        var model: MinerModel?
        if let n = map["model"], let text = r.string(n, "\(label) model") {
            model = MinerCatalog.model(named: text)
            if model == nil {
                r.report(
                    n,
                    "unknown miner model '\(text)'; known: \(MinerCatalog.models.map(\.id).joined(separator: ", ")) (or give hashrate_th and power_w)"
                )
            }
        }
        guard var model else { return nil }

        // Nameplate overrides.
        let hashrate = map["hashrate_th"].flatMap { r.number($0, "\(label) hashrate_th", range: 0.001...100_000) }
        let power = map["power_w"].flatMap { r.number($0, "\(label) power_w", range: 1...100_000) }
        if hashrate != nil || power != nil {
            model = MinerModel(
                id: model.id,
                vendor: model.vendor,
                name: model.name,
                nominalHashrate: TerahashPerSecond(hashrate ?? model.nominalHashrate.value),
                nominalPower: Watts(power ?? model.nominalPower.value),
                sleepPower: model.sleepPower
            )
        }
        if let n = map["curve"], let list = r.sequence(n, "\(label) curve") {
            var points: [PowerCurve.Point] = []
            for item in list {
                guard let pair = r.mapping(item, "a curve point", allowed: ["power_w", "hashrate_th"], required: ["power_w", "hashrate_th"]),
                    let w = pair["power_w"].flatMap({ r.number($0, "power_w", range: 1...100_000) }),
                    let th = pair["hashrate_th"].flatMap({ r.number($0, "hashrate_th", range: 0.001...100_000) })
                else { continue }
                points.append(PowerCurve.Point(power: Watts(w), hashrate: TerahashPerSecond(th)))
            }
            if let problem = PowerCurve.problem(with: points) {
                r.report(n, "\(label) curve: \(problem)")
            } else {
                model.curve = .points(points)
            }
        }
        let range = model.curve.powerRange
        let rangeText = "\(YAMLReader.format(range.lowerBound.value))...\(YAMLReader.format(range.upperBound.value)) W (the \(model.name) curve)"
        if let n = map["sleep_w"],
            let w = r.number(
                n,
                "\(label) sleep_w",
                range: 0...range.lowerBound.value * 0.5,
                rangeText: "0...\(YAMLReader.format(range.lowerBound.value * 0.5)) W"
            )
        {
            model.sleepPower = Watts(w)
        }

        var firmware = FirmwareCapability.onOff
        let kind = map["firmware"].flatMap { r.choice($0, "\(label) firmware", ["on_off", "profiles", "continuous"]) } ?? "on_off"
        let inCurve = range.lowerBound.value * (1 - 1e-9)...range.upperBound.value * (1 + 1e-9)
        switch kind {
        case "profiles":
            if let n = map["profiles_w"], let list = r.sequence(n, "\(label) profiles_w") {
                let values = list.compactMap { r.number($0, "\(label) profile", range: inCurve, rangeText: rangeText) }
                if values.count == list.count {
                    if values.isEmpty { r.report(n, "\(label) profiles_w is empty") }
                    firmware = .profiles(values.map(Watts.init))
                }
            } else {
                firmware = FirmwareCapability.defaultProfiles(for: model)
            }
        case "continuous":
            let low =
                map["min_power_w"].flatMap { r.number($0, "\(label) min_power_w", range: inCurve, rangeText: rangeText) } ?? range.lowerBound.value
            let high =
                map["max_power_w"].flatMap { r.number($0, "\(label) max_power_w", range: inCurve, rangeText: rangeText) }
                ?? min(model.nominalPower.value, range.upperBound.value)
            if low >= high, let n = map["min_power_w"] ?? map["max_power_w"] {
                r.report(n, "\(label) min_power_w (\(YAMLReader.format(low))) must be below max_power_w (\(YAMLReader.format(high)))")
            }
            firmware = .continuous(min: Watts(low), max: Watts(high))
        default:
            if model.curve.hashrate(at: model.nominalPower) == nil, let n = map["curve"] {
                r.report(
                    n,
                    "\(label) runs on/off at nameplate \(YAMLReader.format(model.nominalPower.value)) W, which the curve does not cover (\(rangeText))"
                )
            }
        }
        for key in ["profiles_w"] where map[key] != nil && kind != "profiles" {
            r.report(map[key], "\(label) \(key) needs firmware: profiles")
        }
        for key in ["min_power_w", "max_power_w"] where map[key] != nil && kind != "continuous" {
            r.report(map[key], "\(label) \(key) needs firmware: continuous")
        }
        let minOn = map["min_on"].flatMap { r.duration($0, "\(label) min_on") }
        let minOff = map["min_off"].flatMap { r.duration($0, "\(label) min_off") }
        var wake: Double?
        if let n = map["wake"], let seconds = r.duration(n, "\(label) wake") {
            // Replay settles in 15-minute intervals and charges a wake within the interval it starts in.
            if seconds > 900 {
                r.report(n, "\(label) wake must be at most 15m (one settlement interval), found \(YAMLReader.format(seconds)) s")
            } else {
                wake = seconds
            }
        }
        guard let name, let count else { return nil }
        return MinerGroup(
            name: name,
            model: model,
            count: count,
            firmware: firmware,
            minimumOnSeconds: minOn,
            minimumOffSeconds: minOff,
            wakeSeconds: wake
        )
    }
}
