public import CurtailCore

/// Where a grid event stands, as its report says.
public enum ObligationStatus: String, Hashable, Sendable, CaseIterable {
    /// Received and in force (the first report).
    case acknowledged
    /// Ended; the report carries the compliance figures.
    case completed
    /// Cancelled by the grid before its end; the report carries the figures so far.
    case cancelled
}

/// `site/{site}/events/{id}/report`: an acknowledgement, then the compliance report.
///
/// Always `id`, `program`, `status`, `ts`, `start`, `end`, `acknowledged_at`,
/// `response_seconds`; then, when known, `baseline_mw` and `target_mw`; in the final report
/// (`completed` or `cancelled`) also `achieved_mw`, `seconds_to_target`, `performance_factor`
/// and `met`.
public struct EventReportPayload: WirePayload, Hashable {
    public static var payloadName: String { "event report" }

    public var id: String
    public var program: String
    public var status: ObligationStatus
    public var ts: Timestamp
    public var start: Timestamp
    public var end: Timestamp
    public var acknowledgedAt: Timestamp
    public var responseSeconds: Double
    public var baselineMW: Double?
    public var targetMW: Double?
    public var achievedMW: Double?
    public var secondsToTarget: Double?
    public var performanceFactor: Double?
    public var met: Bool?

    public init(
        id: String,
        program: String,
        status: ObligationStatus,
        ts: Timestamp,
        start: Timestamp,
        end: Timestamp,
        acknowledgedAt: Timestamp,
        responseSeconds: Double,
        baselineMW: Double? = nil,
        targetMW: Double? = nil,
        achievedMW: Double? = nil,
        secondsToTarget: Double? = nil,
        performanceFactor: Double? = nil,
        met: Bool? = nil
    ) {
        self.id = id
        self.program = program
        self.status = status
        self.ts = ts
        self.start = start
        self.end = end
        self.acknowledgedAt = acknowledgedAt
        self.responseSeconds = responseSeconds
        self.baselineMW = baselineMW
        self.targetMW = targetMW
        self.achievedMW = achievedMW
        self.secondsToTarget = secondsToTarget
        self.performanceFactor = performanceFactor
        self.met = met
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: Self.payloadName)
        let statusText = try json.string("status")
        guard let status = ObligationStatus(rawValue: statusText) else {
            throw Rejection(.unknownKind, "event report status must be acknowledged, completed or cancelled, found \"\(statusText)\"")
        }
        self.init(
            id: try json.string("id"),
            program: try json.string("program"),
            status: status,
            ts: try json.timestamp("ts"),
            start: try json.timestamp("start"),
            end: try json.timestamp("end"),
            acknowledgedAt: try json.timestamp("acknowledged_at"),
            responseSeconds: try json.number("response_seconds", in: 0...86_400),
            baselineMW: try json.optionalNumber("baseline_mw"),
            targetMW: try json.optionalNumber("target_mw"),
            achievedMW: try json.optionalNumber("achieved_mw"),
            secondsToTarget: try json.optionalNumber("seconds_to_target"),
            performanceFactor: try json.optionalNumber("performance_factor", in: 0...1),
            met: json.has("met") ? try json.bool("met") : nil
        )
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter(capacity: 320)
        json.field("id", id)
        json.field("program", program)
        json.field("status", status.rawValue)
        json.field("ts", ts)
        json.field("start", start)
        json.field("end", end)
        json.field("acknowledged_at", acknowledgedAt)
        json.field("response_seconds", responseSeconds)
        json.field("baseline_mw", baselineMW)
        json.field("target_mw", targetMW)
        json.field("achieved_mw", achievedMW)
        json.field("seconds_to_target", secondsToTarget)
        json.field("performance_factor", performanceFactor)
        json.field("met", met)
        return try json.finish(Self.payloadName)
    }
}
