/// The retained `site/{site}/state` message: the current decision and what it was made from.
struct StatePayload: Encodable {
    var ts: String
    var site: String
    var policy: String
    var seq: Int64
    var targetMw: Double?
    var measuredMw: Double?
    var priceUsdPerMwh: Double?
    var priceIntervalStart: String?
    var priceAgeSeconds: Int64?
    var dayAheadUsdPerMwh: Double?
    var hashpriceUsdPerThDay: Double?
    var capMw: Double?
    var constraints: [String]
    var rules: [String]
    var frequencyHz: Double?
    var underFrequencyTripped: Bool
    var eea: Int
    var cpAlert: Bool
    var waitingFor: [String]
    var groups: [Group]
    var activeEvents: [Event]
    var counters: Counters

    struct Group: Encodable {
        var name: String
        var targetKw: Double?
        var measuredKw: Double?
        var minersRunning: Int?
        var measuredMinersRunning: Int?
        var powerTargetW: Double?
        var breakEvenUsdPerMwh: Double?
        var reason: String?
        var seq: Int64?
        var appliedSeq: Int64?
    }

    /// An obligation in force, with enough bookkeeping to resume its compliance after a restart.
    struct Event: Encodable {
        var id: String
        var program: String
        var start: String
        var end: String
        var targetMw: Double
        var baselineMw: Double
        var acknowledgedAt: String
        var reachedAt: String?
        var measuredMwSeconds: Double
        var measuredSeconds: Double
        var wholeMwSeconds: Double
        var wholeSeconds: Double
    }

    struct Counters: Encodable {
        var decisions: Int
        var commands: Int
        var accepted: Int
        var duplicates: Int
        var rejected: [String: Int]
    }
}

/// `site/{site}/events/{id}/report`: an acknowledgement, then the compliance report.
struct EventReportPayload: Encodable {
    var id: String
    var program: String
    /// `acknowledged`, `completed` or `cancelled`.
    var status: String
    var ts: String
    var start: String
    var end: String
    var acknowledgedAt: String
    var responseSeconds: Double
    var baselineMw: Double?
    var targetMw: Double?
    var achievedMw: Double?
    var secondsToTarget: Double?
    var performanceFactor: Double?
    var met: Bool?
}

/// `site/{site}/rejected`: one refused input.
struct RejectedPayload: Encodable {
    var ts: String
    var topic: String
    var kind: String
    var reason: String
    /// The start of the refused payload, as text.
    var payload: String
}
