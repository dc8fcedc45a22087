public import CurtailCore
import CurtailWire

/// ERCOT's grid condition, from the public dashboard JSON (`daily-prc.json`):
/// `{"current_condition": {"state": "normal", "prc_value": "8,123", "datetime": 1700000000, ...}}`.
///
/// The dashboard is not a documented API, so the reading is strict: the states Curtail knows map
/// to an EEA level (normal, conservation and watch states are level 0; `EEA1`-`EEA3`, in any
/// spacing or as "EEA Level N", are levels 1-3; an explicit numeric `eea_level` wins), and
/// anything else is refused, never guessed.
public struct ERCOTGridCondition: Hashable, Sendable {
    /// 0 (no emergency) to 3.
    public var eeaLevel: Int
    /// The dashboard's own words.
    public var state: String
    /// Physical responsive capability, MW, when given.
    public var prcMW: Double?
    /// The dashboard's time stamp, when given.
    public var at: Timestamp?

    /// States that mean "no emergency".
    static let calm = ["normal", "conservation", "conservationappeal", "watch", "weatherwatch", "advisory", "ttcalm", "ok"]

    public init(eeaLevel: Int, state: String, prcMW: Double? = nil, at: Timestamp? = nil) {
        self.eeaLevel = eeaLevel
        self.state = state
        self.prcMW = prcMW
        self.at = at
    }

    /// Reads the dashboard.
    ///
    /// - Throws: ``FeedInputError`` for a body that is not the dashboard or a state not known.
    public init(decoding body: [UInt8]) throws(FeedInputError) {
        guard case .object(let top)? = JSONValue.parse(body) else {
            throw FeedInputError(.malformed, "grid conditions: the answer is not a JSON object")
        }
        guard case .object(let current)? = top["current_condition"] else {
            throw FeedInputError(.missingField, "grid conditions: no 'current_condition' object")
        }
        guard case .string(let state)? = current["state"] else {
            throw FeedInputError(.missingField, "grid conditions: no 'current_condition.state' string")
        }
        var prc: Double?
        switch current["prc_value"] {
        case .string(let text)?: prc = Double(text.filter { $0 != "," })
        case .number(let n)?: prc = n
        default: break
        }
        var at: Timestamp?
        if case .number(let seconds)? = current["datetime"], seconds > 1e9, seconds < 1e10 {
            at = Timestamp(millisecondsSinceEpoch: Int64(seconds * 1000))
        }
        let level: Int
        if case .number(let n)? = current["eea_level"] {
            guard n == n.rounded(), (0...3).contains(Int(n)) else {
                throw FeedInputError(.outOfRange, "grid conditions: eea_level \(n) is not 0-3")
            }
            level = Int(n)
        } else if let mapped = Self.level(of: state) {
            level = mapped
        } else {
            throw FeedInputError(
                .outOfRange,
                "grid conditions: unknown state '\(state.prefix(60))'; nothing published (known: normal, conservation, watch, advisory, EEA1-EEA3)"
            )
        }
        self.init(eeaLevel: level, state: state, prcMW: prc, at: at)
    }

    /// The EEA level a dashboard state names, or `nil` when unknown.
    public static func level(of state: String) -> Int? {
        let squeezed = state.lowercased().filter { $0.isLetter || $0.isNumber }
        if calm.contains(squeezed) { return 0 }
        for prefix in ["eealevel", "eea", "energyemergencyalertlevel", "energyemergencyalert"] where squeezed.hasPrefix(prefix) {
            if let n = Int(squeezed.dropFirst(prefix.count)), (1...3).contains(n) { return n }
        }
        return nil
    }
}
