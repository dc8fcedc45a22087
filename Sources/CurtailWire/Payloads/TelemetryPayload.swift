public import CurtailCore

/// `site/{site}/groups/{group}/telemetry`: what a group's miner controller measured.
///
/// `{"ts": T, "power_kw": 300.5, "hashrate_th": 10400, "miners_running": 100, "applied_seq": 17,
/// "applied_term": 3}` (`applied_term` optional, 0 when absent).
/// The receiver checks the figures against the group's size.
public struct TelemetryPayload: WirePayload, Hashable {
    public static var payloadName: String { "telemetry" }

    public var ts: Timestamp
    public var powerKW: Double
    public var hashrateTH: Double
    public var minersRunning: Int
    /// The `seq` of the last command applied.
    public var appliedSeq: Int64
    /// The `term` of the last command applied (0: none, or a command without a term).
    public var appliedTerm: Int64

    public init(ts: Timestamp, powerKW: Double, hashrateTH: Double, minersRunning: Int, appliedSeq: Int64, appliedTerm: Int64 = 0) {
        self.ts = ts
        self.powerKW = powerKW
        self.hashrateTH = hashrateTH
        self.minersRunning = minersRunning
        self.appliedSeq = appliedSeq
        self.appliedTerm = appliedTerm
    }

    /// Reads a payload; `what` names it in messages (`telemetry of group s21`).
    public init(decoding payload: [UInt8], what: String) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: what)
        self.init(
            ts: try json.timestamp("ts"),
            powerKW: try json.number("power_kw", in: 0...1e9, unit: "kW"),
            hashrateTH: try json.number("hashrate_th", in: 0...1e12, unit: "TH/s"),
            minersRunning: try json.integer("miners_running", in: 0...100_000_000),
            appliedSeq: try json.int64("applied_seq"),
            appliedTerm: json.has("applied_term") ? try json.int64("applied_term") : 0
        )
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        try self.init(decoding: payload, what: Self.payloadName)
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter(capacity: 112)
        json.field("ts", ts)
        json.field("power_kw", powerKW)
        json.field("hashrate_th", hashrateTH)
        json.field("miners_running", minersRunning)
        json.field("applied_seq", appliedSeq)
        if appliedTerm > 0 { json.field("applied_term", appliedTerm) }
        return try json.finish(Self.payloadName)
    }
}
