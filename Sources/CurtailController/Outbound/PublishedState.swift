#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The retained `site/{site}/state` message: the current decision and what it was made from.
///
/// JSON keys are the snake_case of the property names (`target_mw`, `hashprice_usd_per_th_day`,
/// `groups[].break_even_usd_per_mwh`, ...). Dashboards, the demo and the tests read it back
/// with ``decode(_:)``.
public struct PublishedState: ControllerPayload {
    public var ts: String
    public var site: String
    public var policy: String
    public var seq: Int64
    public var targetMw: Double?
    public var measuredMw: Double?
    public var priceUsdPerMwh: Double?
    public var priceIntervalStart: String?
    public var priceAgeSeconds: Int64?
    public var dayAheadUsdPerMwh: Double?
    public var hashpriceUsdPerThDay: Double?
    public var capMw: Double?
    public var constraints: [String]
    public var rules: [String]
    public var frequencyHz: Double?
    public var underFrequencyTripped: Bool
    public var eea: Int
    public var cpAlert: Bool
    public var waitingFor: [String]
    public var groups: [Group]
    public var activeEvents: [Event]
    public var counters: Counters

    /// One group: the command in force, its latest telemetry, and its nameplate break-even.
    public struct Group: Codable, Sendable {
        public var name: String
        public var targetKw: Double?
        public var measuredKw: Double?
        public var minersRunning: Int?
        public var measuredMinersRunning: Int?
        public var powerTargetW: Double?
        public var breakEvenUsdPerMwh: Double?
        public var reason: String?
        public var seq: Int64?
        public var appliedSeq: Int64?
    }

    /// An obligation in force, with enough bookkeeping to resume its compliance after a restart.
    public struct Event: Codable, Sendable {
        public var id: String
        public var program: String
        public var start: String
        public var end: String
        public var targetMw: Double
        public var baselineMw: Double
        public var acknowledgedAt: String
        public var reachedAt: String?
        public var measuredMwSeconds: Double
        public var measuredSeconds: Double
        public var wholeMwSeconds: Double
        public var wholeSeconds: Double
        public var reachedMwSeconds: Double
        public var reachedSeconds: Double
    }

    /// Running counts since the controller started (``ControllerCounters``).
    public struct Counters: Codable, Sendable {
        public var decisions: Int
        public var commands: Int
        public var accepted: Int
        public var duplicates: Int
        public var rejected: [String: Int]
    }
}

/// `site/{site}/events/{id}/report`: an acknowledgement, then the compliance report.
public struct PublishedEventReport: ControllerPayload {
    public var id: String
    public var program: String
    /// `acknowledged`, `completed` or `cancelled`.
    public var status: String
    public var ts: String
    public var start: String
    public var end: String
    public var acknowledgedAt: String
    public var responseSeconds: Double
    public var baselineMw: Double?
    public var targetMw: Double?
    public var achievedMw: Double?
    public var secondsToTarget: Double?
    public var performanceFactor: Double?
    public var met: Bool?
}

/// `site/{site}/rejected`: one refused input.
public struct PublishedRejection: ControllerPayload {
    public var ts: String
    public var topic: String
    public var kind: String
    public var reason: String
    /// The start of the refused payload, as text.
    public var payload: String
}

/// A JSON payload the controller publishes (snake_case keys), readable back with ``decode(_:)``.
public protocol ControllerPayload: Codable, Sendable {}

extension ControllerPayload {
    /// Decodes a controller payload; `nil` when it does not match.
    public static func decode(_ payload: [UInt8]) -> Self? {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try? decoder.decode(Self.self, from: Data(payload))
    }
}
