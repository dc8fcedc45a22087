import CurtailCore
public import CurtailPolicyFiles
import Yams

/// Loads scenario files (`Simulator/Scenarios/*.yaml`) strictly: unknown keys, bad times and
/// values are reported with `file:line:col`, like policy and site files.
public enum ScenarioFile: Sendable {
    static let topKeys = [
        "scenario", "description", "start", "duration", "speed", "seed", "site", "prices", "hashprice", "events", "random", "miners",
        "telemetry_interval", "frequency_interval",
    ]

    /// Loads a scenario file.
    ///
    /// - Throws: ``FileDiagnostics`` with every problem found.
    public static func load(path: String) throws(FileDiagnostics) -> Scenario {
        try parse(try FileText.read(path), file: path)
    }

    /// Parses scenario YAML; `file` is used in diagnostics.
    public static func parse(_ text: String, file: String) throws(FileDiagnostics) -> Scenario {
        var reader = YAMLReader(file: file, text: text)
        guard let root = reader.compose(text) else { throw FileDiagnostics(reader.diagnostics) }
        let scenario = read(root, &reader)
        guard reader.diagnostics.isEmpty, let scenario else { throw FileDiagnostics(reader.diagnostics) }
        return scenario
    }

    static func time(_ node: Node?, _ what: String, _ r: inout YAMLReader) -> Timestamp? {
        guard let node, let text = r.string(node, what) else { return nil }
        guard let time = Timestamp(iso8601: text) else {
            r.report(node, "\(what) must be an ISO-8601 time with a zone, such as 2023-09-06T05:00:00Z, found '\(text)'")
            return nil
        }
        return time
    }

    static func read(_ root: Node, _ r: inout YAMLReader) -> Scenario? {
        guard let top = r.mapping(root, "a scenario file", allowed: topKeys, required: ["scenario", "start", "duration", "prices", "hashprice"])
        else { return nil }
        let name = top["scenario"].flatMap { r.identifier($0, "scenario") }
        let start = time(top["start"], "start", &r)
        let duration = top["duration"].flatMap { r.duration($0, "duration") }
        if let n = top["duration"], let duration, !(60...(366 * 86_400)).contains(duration) { r.report(n, "duration must be 1m...366d") }

        var prices: Scenario.PriceSource?
        if let n = top["prices"], let map = r.mapping(n, "prices", allowed: ["csv", "column", "synthetic"]) {
            if let file = map["csv"].flatMap({ r.string($0, "prices.csv") }) {
                prices = .history(file: file, column: map["column"].flatMap { r.string($0, "prices.column") })
                if map["synthetic"] != nil { r.report(map["synthetic"], "give prices.csv or prices.synthetic, not both") }
            } else if let s = map["synthetic"] {
                prices = readSynthetic(s, &r).map(Scenario.PriceSource.synthetic)
            } else {
                r.report(n, "prices needs csv: FILE (real prices) or synthetic: {...}")
            }
        }
        var hashPrice: Scenario.HashPriceSource?
        if let n = top["hashprice"], let map = r.mapping(n, "hashprice", allowed: ["csv", "usd_per_th_day"]) {
            if let file = map["csv"].flatMap({ r.string($0, "hashprice.csv") }) {
                hashPrice = .history(file: file)
            } else if let value = map["usd_per_th_day"].flatMap({ r.number($0, "hashprice.usd_per_th_day", range: 0.000_001...10) }) {
                hashPrice = .fixed(value)
            } else if map["usd_per_th_day"] == nil {
                r.report(n, "hashprice needs csv: FILE or usd_per_th_day: VALUE")
            }
        }
        guard let name, let start, let duration, let prices, let hashPrice else {
            _ = top["events"].map { readSchedule($0, &r) }
            return nil
        }
        var scenario = Scenario(name: name, start: start, durationSeconds: duration, prices: prices, hashPrice: hashPrice)
        scenario.summary = top["description"].flatMap { r.string($0, "description") } ?? ""
        if let speed = top["speed"].flatMap({ r.number($0, "speed", range: 0.01...1_000_000) }) { scenario.speed = speed }
        if let seed = top["seed"].flatMap({ r.integer($0, "seed", range: 0...Int.max) }) { scenario.seed = UInt64(seed) }
        scenario.sitePath = top["site"].flatMap { r.string($0, "site") }
        if let n = top["telemetry_interval"], let seconds = r.duration(n, "telemetry_interval") {
            if (1...600).contains(seconds) { scenario.telemetryInterval = seconds } else { r.report(n, "telemetry_interval must be 1s...10m") }
        }
        if let n = top["frequency_interval"], let seconds = r.duration(n, "frequency_interval") {
            if seconds == 0 || (1...3600).contains(seconds) {
                scenario.frequencyInterval = seconds
            } else {
                r.report(n, "frequency_interval must be 0 or 1s...1h")
            }
        }
        if let n = top["events"] { scenario.schedule = readSchedule(n, &r).sorted { $0.at < $1.at } }
        if let n = top["random"] { scenario.random = readRandom(n, &r) }
        if let n = top["miners"], let map = r.mapping(n, "miners", allowed: ["safe_state", "sleep", "retune", "initial"]) {
            if let state = map["safe_state"].flatMap({ r.choice($0, "miners.safe_state", ["sleep", "run"]) }) {
                scenario.miners.safeState = MinerControllerModel.SafeState(rawValue: state) ?? .sleep
            }
            if let seconds = map["sleep"].flatMap({ r.duration($0, "miners.sleep") }) { scenario.miners.sleepSeconds = seconds }
            if let seconds = map["retune"].flatMap({ r.duration($0, "miners.retune") }) { scenario.miners.retuneSeconds = seconds }
            if let initial = map["initial"].flatMap({ r.choice($0, "miners.initial", ["running", "asleep"]) }) {
                scenario.miners.initiallyRunning = initial == "running"
            }
        }
        return scenario
    }

    static func readSynthetic(_ node: Node, _ r: inout YAMLReader) -> Scenario.Synthetic? {
        let keys = ["mean", "volatility", "reversion", "spike_probability", "spike_multiplier", "spike_intervals", "interval_minutes"]
        guard let map = r.mapping(node, "prices.synthetic", allowed: keys) else { return nil }
        var s = Scenario.Synthetic()
        if let v = map["mean"].flatMap({ r.number($0, "synthetic mean", range: 1...5000) }) { s.mean = v }
        if let v = map["volatility"].flatMap({ r.number($0, "synthetic volatility", range: 0...2) }) { s.volatility = v }
        if let v = map["reversion"].flatMap({ r.number($0, "synthetic reversion", range: 0...1) }) { s.reversion = v }
        if let v = map["spike_probability"].flatMap({ r.number($0, "synthetic spike_probability", range: 0...1) }) { s.spikeProbability = v }
        if let v = map["spike_multiplier"].flatMap({ r.number($0, "synthetic spike_multiplier", range: 1...500) }) { s.spikeMultiplier = v }
        if let v = map["spike_intervals"].flatMap({ r.integer($0, "synthetic spike_intervals", range: 1...96) }) { s.spikeIntervals = v }
        if let v = map["interval_minutes"].flatMap({ r.integer($0, "synthetic interval_minutes", range: 1...60) }) { s.intervalMinutes = v }
        return s
    }

    static func readRandom(_ node: Node, _ r: inout YAMLReader) -> Scenario.RandomEvents? {
        let keys = [
            "events_per_day", "program", "event_duration", "event_max_mw", "notice", "under_frequency_per_day", "under_frequency_hz",
            "under_frequency_duration",
        ]
        guard let map = r.mapping(node, "random", allowed: keys) else { return nil }
        var random = Scenario.RandomEvents()
        if let v = map["events_per_day"].flatMap({ r.number($0, "random.events_per_day", range: 0...96) }) { random.eventsPerDay = v }
        if let v = map["program"].flatMap({ r.string($0, "random.program") }) { random.program = v }
        if let v = map["event_duration"].flatMap({ r.duration($0, "random.event_duration") }) { random.eventSeconds = v }
        if let v = map["event_max_mw"].flatMap({ r.number($0, "random.event_max_mw", range: 0...100_000) }) { random.eventMaxMW = v }
        if let v = map["notice"].flatMap({ r.duration($0, "random.notice") }) { random.noticeSeconds = v }
        if let v = map["under_frequency_per_day"].flatMap({ r.number($0, "random.under_frequency_per_day", range: 0...96) }) {
            random.underFrequencyPerDay = v
        }
        if let v = map["under_frequency_hz"].flatMap({ r.number($0, "random.under_frequency_hz", range: 55...60) }) { random.underFrequencyHz = v }
        if let v = map["under_frequency_duration"].flatMap({ r.duration($0, "random.under_frequency_duration") }) {
            random.underFrequencySeconds = v
        }
        return random
    }

    static func readSchedule(_ node: Node, _ r: inout YAMLReader) -> [Scenario.ScheduledSignal] {
        guard let list = r.sequence(node, "events") else { return [] }
        var schedule: [Scenario.ScheduledSignal] = []
        let keys = [
            "at", "id", "program", "start", "end", "max_mw", "reduce_mw", "cancel", "alert", "probability", "eea", "frequency_hz", "for", "topic",
            "payload", "award", "product", "mw", "price",
        ]
        for item in list {
            guard let map = r.mapping(item, "an event", allowed: keys, required: ["at"]), let at = time(map["at"], "at", &r) else { continue }
            if let id = map["cancel"].flatMap({ r.string($0, "cancel") }) {
                schedule.append(.init(at: at, signal: .cancel(id: id)))
            } else if let kind = map["alert"].flatMap({ r.choice($0, "alert", [GridAlert.Kind.fourCP.rawValue]) }),
                GridAlert.Kind(rawValue: kind) == .fourCP
            {
                guard let p = map["probability"].flatMap({ r.number($0, "probability", range: 0...1) }),
                    let start = time(map["start"], "start", &r), let end = time(map["end"], "end", &r)
                else {
                    if map["probability"] == nil || map["start"] == nil || map["end"] == nil {
                        r.report(item, "a 4cp alert needs probability, start and end")
                    }
                    continue
                }
                schedule.append(.init(at: at, signal: .cpAlert(probability: p, start: start, end: end)))
            } else if let id = map["award"].flatMap({ r.string($0, "award") }) {
                let product = map["product"].flatMap { r.choice($0, "product", AncillaryProduct.allCases.map(\.name)) }.flatMap(
                    AncillaryProduct.init(name:)
                )
                let mw = map["mw"].flatMap { r.number($0, "mw", range: 0.001...100_000) }
                let price = map["price"].flatMap { r.number($0, "price", range: 0...10_000) }
                guard let product, let mw, let price, let start = time(map["start"], "start", &r), let end = time(map["end"], "end", &r) else {
                    if map["product"] == nil || map["mw"] == nil || map["price"] == nil || map["start"] == nil || map["end"] == nil {
                        r.report(item, "an award needs product, mw, price, start and end")
                    }
                    continue
                }
                guard end > start else {
                    r.report(map["end"], "end must be after start")
                    continue
                }
                schedule.append(
                    .init(at: at, signal: .award(AncillaryAward(id: id, product: product, megawatts: mw, start: start, end: end, price: price)))
                )
            } else if let level = map["eea"].flatMap({ r.integer($0, "eea", range: 0...3) }) {
                schedule.append(.init(at: at, signal: .eea(level: level)))
            } else if let hz = map["frequency_hz"].flatMap({ r.number($0, "frequency_hz", range: 55...65) }) {
                let seconds = map["for"].flatMap { r.duration($0, "for") } ?? 60
                schedule.append(.init(at: at, signal: .frequency(hz: hz, seconds: seconds)))
            } else if let topic = map["topic"].flatMap({ r.string($0, "topic") }) {
                let payload = map["payload"].flatMap { r.string($0, "payload") } ?? ""
                schedule.append(.init(at: at, signal: .raw(topic: topic, payload: payload)))
            } else if map["id"] != nil || map["program"] != nil {
                guard let id = map["id"].flatMap({ r.string($0, "id") }), let program = map["program"].flatMap({ r.string($0, "program") }),
                    let start = time(map["start"], "start", &r), let end = time(map["end"], "end", &r)
                else {
                    r.report(item, "a grid event needs id, program, start, end and max_mw or reduce_mw")
                    continue
                }
                let maxMW = map["max_mw"].flatMap { r.number($0, "max_mw", range: 0...100_000) }
                let reduceMW = map["reduce_mw"].flatMap { r.number($0, "reduce_mw", range: 0...100_000) }
                guard end > start else {
                    r.report(map["end"], "end must be after start")
                    continue
                }
                let target: GridEvent.Target
                switch (maxMW, reduceMW) {
                case (let mw?, nil): target = .maximum(Megawatts(mw))
                case (nil, let mw?): target = .reduction(Megawatts(mw))
                default:
                    r.report(item, "a grid event needs exactly one of max_mw and reduce_mw")
                    continue
                }
                schedule.append(.init(at: at, signal: .event(GridEvent(id: id, program: program, start: start, end: end, target: target))))
            } else {
                r.report(item, "an event needs one of: id/program (a deployment), cancel, alert: 4cp, eea, award, frequency_hz, topic/payload")
            }
        }
        return schedule
    }
}
