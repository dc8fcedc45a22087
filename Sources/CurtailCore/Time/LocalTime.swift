/// Wall-clock fields of an instant in a market's local time zone.
public struct LocalTime: Hashable, Sendable {
    public var year: Int
    /// 1 = January … 12 = December.
    public var month: Int
    /// 1...31.
    public var day: Int
    /// 0...23.
    public var hour: Int
    /// 0...59.
    public var minute: Int
    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var weekday: Int
    /// Offset from UTC in seconds at that instant (e.g. -18000 for CDT).
    public var utcOffsetSeconds: Int

    public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, weekday: Int, utcOffsetSeconds: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.weekday = weekday
        self.utcOffsetSeconds = utcOffsetSeconds
    }
}
