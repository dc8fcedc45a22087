import CurtailController
import CurtailCore
import CurtailPolicy
import CurtailPolicyFiles
import CurtailSite
import CurtailTestSupport
import CurtailWire
import Foundation
import GridSimulator

/// Paths to the repository and the shared data.
typealias Repository = TestRepository

/// Drives a ``ControllerCore`` for the example site by hand: messages in, messages out, time moved explicitly.
struct CoreHarness {
    var core: ControllerCore
    var now: Timestamp
    let topics: ControllerTopics
    let settings: SiteConfiguration

    /// The example site with `policy` (a shipped file) or inline YAML; connected and (unless
    /// `restoring`) past start-up.
    init(
        policy: String = "Policies/breakeven.yaml",
        policyYAML: String? = nil,
        start: Timestamp = Timestamp(iso8601: "2023-09-06T15:00:00Z")!,
        restoring: Bool = false
    ) throws {
        settings = try SiteFile.load(path: Repository.exampleSite)
        let loaded: Policy
        if let policyYAML {
            loaded = try PolicyFile.parse(policyYAML, file: "test-policy.yaml")
        } else {
            loaded = try ConfigurationFiles.load(policyPath: Repository.path(policy), sitePath: Repository.exampleSite).policy
        }
        let configuration = ControllerConfiguration(settings: settings, policy: loaded)
        core = try ControllerCore(configuration: configuration)
        topics = configuration.topics
        now = start
        _ = core.connectionRestored(at: now)
        if !restoring { _ = core.takeCharge(term: 1, at: now) }
    }

    var groupNames: [String] { settings.site.groups.map(\.name) }

    @discardableResult
    mutating func send(_ topic: String, _ json: String, after seconds: Double = 0) -> ControllerStep {
        now = now.adding(seconds: seconds)
        return core.receive(topic: topic, payload: Array(json.utf8), at: now)
    }

    /// A real-time price for the interval that just ended (published as it ends).
    @discardableResult
    mutating func price(_ value: Double, after seconds: Double = 0) -> ControllerStep {
        now = now.adding(seconds: seconds)
        let start = Timestamp(millisecondsSinceEpoch: (now.millisecondsSinceEpoch / 900_000 - 1) * 900_000)
        return send(topics.price, PricePayload(intervalStart: start, intervalMinutes: 15, priceUSDPerMWh: value))
    }

    /// Sends a contract payload, encoded through the wire types.
    @discardableResult
    mutating func send(_ topic: String, _ payload: some WirePayload, after seconds: Double = 0) -> ControllerStep {
        now = now.adding(seconds: seconds)
        return core.receive(topic: topic, payload: (try? payload.encode()) ?? [], at: now)  // an unencodable payload arrives empty and is refused
    }

    @discardableResult
    mutating func hashPrice(_ value: Double = 0.06) -> ControllerStep {
        send(topics.hashPrice, HashPricePayload(ts: now, usdPerTHDay: value))
    }

    @discardableResult
    mutating func tick(after seconds: Double) -> ControllerStep {
        now = now.adding(seconds: seconds)
        return core.tick(at: now)
    }

    /// Telemetry for every group at its commanded load (as obedient miners would report).
    mutating func obedientTelemetry() {
        for (g, name) in groupNames.enumerated() {
            guard let command = core.commands[g] else { continue }
            send(
                topics.telemetry(group: name),
                TelemetryPayload(ts: now, powerKW: command.targetKW, hashrateTH: 0, minersRunning: command.minersRunning, appliedSeq: command.seq)
            )
        }
    }

    /// Commands in `step`, by group name.
    func commands(in step: ControllerStep) -> [String: CommandPayload] {
        var out: [String: CommandPayload] = [:]
        for message in step.messages {
            guard let group = topics.group(in: message.topic, leaf: "command") else { continue }
            out[String(group)] = (try? CommandPayload(decoding: message.payload))
        }
        return out
    }

    /// Miners running per group in force now.
    var running: [Int] { core.commands.map { $0?.minersRunning ?? -1 } }
}
