public import CurtailCore

/// `site/{site}/groups/{group}/miners/{address}/status` (retained): one miner as `curtail agent`
/// sees it.
///
/// `{"ts": T, "address": "10.20.0.11:4028", "firmware": "luxos", "state": "ok", "mode": "mining",
/// "power_w": 3010, "hashrate_th": 140.2, "last_error": "timeout: ..."}`; `mode`, `power_w`,
/// `hashrate_th` and `last_error` are absent when unknown.
public struct MinerStatusPayload: WirePayload, Hashable {
    public static var payloadName: String { "miner status" }

    /// What the agent makes of a miner.
    public enum State: String, Hashable, Sendable, CaseIterable {
        /// Doing what it was told (running or asleep as planned).
        case ok
        /// Told to wake, not hashing yet.
        case waking
        /// Told to sleep, not asleep yet.
        case sleeping
        /// No answer (refused connection, timeout, garbage); retried with backoff.
        case unreachable
        /// Answered with an error: a refused write, bad credentials.
        case refused
        /// Said "OK" to a write and did not apply it; replaced in its group and checked again later.
        case mismatch
    }

    public var ts: Timestamp
    public var address: String
    public var firmware: String
    public var state: State
    /// `mining`, `sleeping` or `starting`, from its last reading.
    public var mode: String?
    public var powerW: Double?
    public var hashrateTH: Double?
    public var lastError: String?

    public init(
        ts: Timestamp,
        address: String,
        firmware: String,
        state: State,
        mode: String? = nil,
        powerW: Double? = nil,
        hashrateTH: Double? = nil,
        lastError: String? = nil
    ) {
        self.ts = ts
        self.address = address
        self.firmware = firmware
        self.state = state
        self.mode = mode
        self.powerW = powerW
        self.hashrateTH = hashrateTH
        self.lastError = lastError
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: Self.payloadName)
        let stateText = try json.string("state")
        guard let state = State(rawValue: stateText) else {
            throw Rejection(
                .unknownKind,
                "miner status 'state' must be one of \(State.allCases.map(\.rawValue).joined(separator: ", ")), found '\(stateText)'"
            )
        }
        self.init(
            ts: try json.timestamp("ts"),
            address: try json.string("address"),
            firmware: try json.string("firmware"),
            state: state,
            mode: try json.optionalString("mode"),
            powerW: try json.optionalNumber("power_w", in: 0...1e6, unit: "W"),
            hashrateTH: try json.optionalNumber("hashrate_th", in: 0...1e6, unit: "TH/s"),
            lastError: try json.optionalString("last_error")
        )
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter(capacity: 200)
        json.field("ts", ts)
        json.field("address", address)
        json.field("firmware", firmware)
        json.field("state", state.rawValue)
        json.field("mode", mode)
        json.field("power_w", powerW.map { $0.rounded() })
        json.field("hashrate_th", hashrateTH, places: 2)
        json.field("last_error", lastError)
        return try json.finish(Self.payloadName)
    }
}
