public import CurtailController
public import CurtailCore
public import CurtailWire

/// Every miner group of a site as the simulator plays it: one ``MinerControllerModel`` per
/// group, fed the controller's commands and read out as the contract's telemetry and site meter.
/// The `GridSimulator` service runs it over MQTT; tests run it in process.
public struct SimulatedSite: Sendable {
    /// What one telemetry round produced.
    public struct Readout: Sendable {
        /// Each group's telemetry, with its topic.
        public var telemetry: [(topic: String, payload: TelemetryPayload)]
        /// The site meter, with its topic.
        public var meter: (topic: String, payload: MeterPayload)
        /// Site load and hash rate (before rounding), for the ledger.
        public var siteKW: Double
        public var siteTH: Double
        /// Groups that fell back to their safe state since the last round (a command expired).
        public var fallbacks: Int
    }

    /// The models, in site order.
    public private(set) var models: [MinerControllerModel]
    private let site: Site
    private let topics: ControllerTopics
    private let groupIndex: [String: Int]
    /// Groups driven from outside (an agent and its miners): not simulated, not reported here.
    public let external: Set<String>
    /// The latest telemetry of each external group, for the site meter.
    private var externalTelemetry: [String: TelemetryPayload] = [:]

    /// The site's groups under `scenario`'s miner settings and seed; `external` groups are left
    /// to an agent (their telemetry only counts in the meter).
    public init(site: Site, scenario: Scenario, topics: ControllerTopics, external: Set<String> = []) {
        self.external = external
        self.site = site
        self.topics = topics
        models = site.groups.enumerated().map { index, group in
            MinerControllerModel(
                group: group,
                running: scenario.miners.initiallyRunning ? group.count : 0,
                safeState: scenario.miners.safeState,
                sleepSeconds: scenario.miners.sleepSeconds,
                retuneSeconds: scenario.miners.retuneSeconds,
                seed: scenario.seed &+ UInt64(index) &* 0x9E37_79B9
            )
        }
        groupIndex = Dictionary(uniqueKeysWithValues: site.groups.enumerated().map { ($1.name, $0) })
    }

    /// What a message on `topic` means for the miners: `nil` when it is not a group's command;
    /// `.malformed` when it is one the miners cannot read; else whether the group obeyed it (a
    /// command not newer than the one applied is ignored).
    public enum CommandOutcome: Hashable, Sendable {
        case applied
        case ignored
        case malformed
        /// A command for a group an agent drives: not the simulator's to obey.
        case external
    }

    /// Hands a message on a command topic to its group's controller model.
    public mutating func receive(topic: String, payload: [UInt8], at now: Timestamp) -> CommandOutcome? {
        guard let name = topics.group(in: topic, leaf: "command") else { return nil }
        if external.contains(String(name)) { return .external }
        guard let g = groupIndex[String(name)], let command = try? CommandPayload(decoding: payload) else { return .malformed }
        let order = MinerControllerModel.Command(
            seq: command.seq,
            term: command.term,
            expiresAt: command.expiresAt,
            minersRunning: command.minersRunning,
            powerTargetW: command.powerTargetW
        )
        return models[g].apply(order, at: now) ? .applied : .ignored
    }

    /// Moves every group to `now` and reads it out: power to 0.1 kW, hash rate to 1 TH/s, with
    /// the models' measurement noise.
    /// Takes an external group's telemetry (for the meter); `false` when `topic` is not one.
    public mutating func receiveExternalTelemetry(topic: String, payload: [UInt8]) -> Bool {
        guard let name = topics.group(in: topic, leaf: "telemetry") else { return false }
        guard external.contains(String(name)) else { return true }  // our own, echoed
        if let report = try? TelemetryPayload(decoding: payload) { externalTelemetry[String(name)] = report }
        return true
    }

    public mutating func readout(at now: Timestamp) -> Readout {
        var siteKW = 0.0
        var siteTH = 0.0
        var fallbacks = 0
        var telemetry: [(topic: String, payload: TelemetryPayload)] = []
        for g in models.indices {
            if external.contains(site.groups[g].name) {
                let report = externalTelemetry[site.groups[g].name]
                siteKW += report?.powerKW ?? 0
                siteTH += report?.hashrateTH ?? 0
                continue
            }
            let before = models[g].fellBack
            models[g].advance(to: now)
            if models[g].fellBack && !before { fallbacks += 1 }
            let kw = models[g].powerKW * models[g].noise()
            let th = models[g].hashrateTH * models[g].noise()
            siteKW += kw
            siteTH += th
            let report = TelemetryPayload(
                ts: now,
                powerKW: (kw * 10).rounded() / 10,
                hashrateTH: th.rounded(),
                minersRunning: models[g].running,
                appliedSeq: models[g].appliedSeq,
                appliedTerm: models[g].appliedTerm
            )
            telemetry.append((topics.telemetry(group: site.groups[g].name), report))
        }
        let meter = (topics.meter, MeterPayload(ts: now, powerKW: (siteKW * 10).rounded() / 10))
        return Readout(telemetry: telemetry, meter: meter, siteKW: siteKW, siteTH: siteTH, fallbacks: fallbacks)
    }
}
