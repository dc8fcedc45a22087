public import CurtailCore

/// `sim/clock` (retained): the simulator's clock, so a controller in another process reads the
/// same simulated time. `{"start": T, "rate": 1440, "wall_origin": T}`: simulated time is
/// `start + rate × (wall now − wall_origin)`.
public struct ClockAnnouncement: WirePayload, Hashable {
    public static var payloadName: String { "clock announcement" }

    /// Simulated time at `wallOrigin`.
    public var start: Timestamp
    /// Simulated seconds per wall second.
    public var rate: Double
    /// The wall time at which simulated time was `start`.
    public var wallOrigin: Timestamp

    public init(start: Timestamp, rate: Double, wallOrigin: Timestamp) {
        self.start = start
        self.rate = rate
        self.wallOrigin = wallOrigin
    }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        let json = try JSONObjectReader(payload, what: Self.payloadName)
        self.init(start: try json.timestamp("start"), rate: try json.number("rate", in: 0.001...1e7), wallOrigin: try json.timestamp("wall_origin"))
    }

    public func encode() throws(WireError) -> [UInt8] {
        var json = JSONWriter(capacity: 96)
        json.field("start", start)
        json.field("rate", rate)
        json.field("wall_origin", wallOrigin)
        return try json.finish(Self.payloadName)
    }
}
