import Yams

extension SiteFile {
    static let openADRKeys = [
        "version", "vtn_url", "ven_name", "poll_interval", "credentials_file", "ca_file", "cert_file", "key_file", "levels", "program",
        "voluntary_programs", "payment_usd_per_mwh", "price_kind", "grid_emergency_eea_level", "mqtt_notifier", "mqtt_notifier_url",
    ]

    /// The `openadr:` section; `siteID` is the default VEN name.
    static func readOpenADR(_ node: Node, siteID: String?, _ r: inout YAMLReader) -> OpenADRSettings? {
        guard let map = r.mapping(node, "openadr", allowed: openADRKeys, required: ["version", "vtn_url"]) else { return nil }
        let version = map["version"].flatMap { r.choice($0, "openadr.version", OpenADRSettings.Version.allCases.map(\.rawValue)) }
            .flatMap(OpenADRSettings.Version.init(rawValue:))
        var url: String?
        if let n = map["vtn_url"], let text = r.string(n, "openadr.vtn_url") {
            if text.hasPrefix("http://") || text.hasPrefix("https://") {
                url = text.hasSuffix("/") ? String(text.dropLast()) : text
            } else {
                r.report(n, "openadr.vtn_url must start with http:// or https://, found '\(text)'")
            }
        }
        let venName = map["ven_name"].flatMap { r.string($0, "openadr.ven_name") } ?? siteID
        guard let version, let url, let venName else { return nil }
        var settings = OpenADRSettings(version: version, vtnURL: url, venName: venName)
        if let n = map["poll_interval"], let seconds = r.duration(n, "openadr.poll_interval") {
            if (1...3600).contains(seconds) { settings.pollSeconds = seconds } else { r.report(n, "openadr.poll_interval must be 1s...1h") }
        }
        settings.credentialsFile = map["credentials_file"].flatMap { r.string($0, "openadr.credentials_file") }
        settings.caFile = map["ca_file"].flatMap { r.string($0, "openadr.ca_file") }
        settings.certFile = map["cert_file"].flatMap { r.string($0, "openadr.cert_file") }
        settings.keyFile = map["key_file"].flatMap { r.string($0, "openadr.key_file") }
        if (settings.certFile == nil) != (settings.keyFile == nil), let n = map["cert_file"] ?? map["key_file"] {
            r.report(n, "openadr.cert_file and openadr.key_file go together")
        }
        if let notifier = map["mqtt_notifier"].flatMap({ r.boolean($0, "openadr.mqtt_notifier") }) { settings.mqttNotifier = notifier }
        if let n = map["mqtt_notifier_url"], let text = r.string(n, "openadr.mqtt_notifier_url") {
            if text.hasPrefix("mqtt://") || text.hasPrefix("mqtts://") {
                settings.mqttNotifierURL = text
            } else {
                r.report(n, "openadr.mqtt_notifier_url must start with mqtt:// or mqtts://, found '\(text)'")
            }
        }
        if let n = map["levels"], let levels = readLevels(n, &r) { settings.levels = levels }
        if let program = map["program"].flatMap({ r.string($0, "openadr.program") }) { settings.program = program }
        if let n = map["voluntary_programs"], let items = r.sequence(n, "openadr.voluntary_programs") {
            settings.voluntaryPrograms = items.compactMap { r.string($0, "a voluntary program") }
        }
        settings.paymentUSDPerMWh = map["payment_usd_per_mwh"].flatMap { r.number($0, "openadr.payment_usd_per_mwh", range: 0...100_000) }
        if let kind = map["price_kind"].flatMap({ r.choice($0, "openadr.price_kind", OpenADRSettings.PriceKind.allCases.map(\.rawValue)) }) {
            settings.priceKind = OpenADRSettings.PriceKind(rawValue: kind) ?? .dayAhead
        }
        if let level = map["grid_emergency_eea_level"].flatMap({ r.integer($0, "openadr.grid_emergency_eea_level", range: 1...3) }) {
            settings.gridEmergencyEEALevel = level
        }
        return settings
    }

    /// `levels: {1: 75%, 2: 50%, 3: 0}`: a number is a cap in MW, `N%` a share of the running load.
    static func readLevels(_ node: Node, _ r: inout YAMLReader) -> [Int: OpenADRSettings.LevelTarget]? {
        guard let map = r.mapping(node, "openadr.levels", allowed: ["1", "2", "3"], required: ["1", "2", "3"]) else { return nil }
        var levels: [Int: OpenADRSettings.LevelTarget] = [:]
        for (key, value) in map {
            let what = "openadr.levels.\(key)"
            guard let level = Int(key), let text = value.scalar?.string else {
                r.report(value, "\(what) must be MW (a number) or a share of the running load (e.g. 50%)")
                continue
            }
            if text.hasSuffix("%") {
                guard let percent = YAMLReader.parseNumber(String(text.dropLast())), (0...100).contains(percent) else {
                    r.report(value, "\(what) = \(text) must be 0%...100%")
                    continue
                }
                levels[level] = .fractionOfRunningLoad(percent / 100)
            } else if let mw = r.number(value, what, range: 0...100_000) {
                levels[level] = .megawatts(mw)
            }
        }
        return levels.count == 3 ? levels : nil
    }
}
