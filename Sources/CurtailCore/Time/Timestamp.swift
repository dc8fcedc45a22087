/// A point in time: milliseconds since 1970-01-01T00:00:00Z (UTC, no leap seconds).
///
/// The domain core never reads a clock. Every decision receives the time it is made for, so
/// live control, replay and tuning run the same code deterministically.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch.
    public var millisecondsSinceEpoch: Int64

    /// Creates a timestamp from milliseconds since the Unix epoch.
    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// Creates a timestamp from whole seconds since the Unix epoch.
    public init(secondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = secondsSinceEpoch * 1000
    }

    /// Seconds since the Unix epoch, with millisecond resolution.
    public var secondsSinceEpoch: Double { Double(millisecondsSinceEpoch) / 1000 }

    /// Seconds elapsed from `earlier` to this timestamp (negative when `earlier` is later).
    public func seconds(since earlier: Timestamp) -> Double {
        Double(millisecondsSinceEpoch - earlier.millisecondsSinceEpoch) / 1000
    }

    /// This timestamp moved by `seconds` (which may be negative or fractional).
    public func adding(seconds: Double) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + Int64((seconds * 1000).rounded()))
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    public var description: String { iso8601 }
}

// MARK: - ISO-8601

extension Timestamp {
    /// Parses an ISO-8601 date-time such as `2023-01-01T06:00:00Z`, `2023-01-01T06:00:00.250Z`
    /// or `2023-07-01T16:30:00-05:00`.
    ///
    /// A zone designator (`Z` or `±HH:MM`) is required: a time without one is ambiguous and is
    /// refused rather than guessed. Returns `nil` for anything else.
    public init?(iso8601 text: some StringProtocol) {
        var parser = DigitScanner(text.utf8)
        guard let year = parser.number(digits: 4), parser.skip(UInt8(ascii: "-")),
            let month = parser.number(digits: 2), parser.skip(UInt8(ascii: "-")),
            let day = parser.number(digits: 2), parser.skip(UInt8(ascii: "T")) || parser.skip(UInt8(ascii: " ")),
            let hour = parser.number(digits: 2), parser.skip(UInt8(ascii: ":")),
            let minute = parser.number(digits: 2)
        else { return nil }
        var second = 0
        var millisecond = 0
        if parser.skip(UInt8(ascii: ":")) {
            guard let s = parser.number(digits: 2) else { return nil }
            second = s
            if parser.skip(UInt8(ascii: ".")) {
                guard let fraction = parser.fractionMilliseconds() else { return nil }
                millisecond = fraction
            }
        }
        var offsetSeconds = 0
        if parser.skip(UInt8(ascii: "Z")) {
            offsetSeconds = 0
        } else if let sign = parser.sign() {
            guard let oh = parser.number(digits: 2) else { return nil }
            _ = parser.skip(UInt8(ascii: ":"))
            guard let om = parser.number(digits: 2), oh <= 18, om < 60 else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard parser.atEnd, (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let days = CivilDate(year: year, month: month, day: day).daysSinceEpoch
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
        self.init(millisecondsSinceEpoch: seconds * 1000 + Int64(millisecond))
    }

    /// The timestamp as ISO-8601 in UTC, e.g. `2023-01-01T06:00:00Z` (milliseconds only when non-zero).
    public var iso8601: String {
        let (days, msOfDay) = millisecondsSinceEpoch.floorDivided(by: 86_400_000)
        let date = CivilDate(daysSinceEpoch: Int(days))
        let seconds = Int(msOfDay / 1000)
        let millis = Int(msOfDay % 1000)
        var text =
            "\(Self.pad(date.year, 4))-\(Self.pad(date.month, 2))-\(Self.pad(date.day, 2))T"
            + "\(Self.pad(seconds / 3600, 2)):\(Self.pad(seconds / 60 % 60, 2)):\(Self.pad(seconds % 60, 2))"
        if millis != 0 { text += ".\(Self.pad(millis, 3))" }
        return text + "Z"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Int64 {
    /// Floor division and the matching non-negative remainder.
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var q = self / divisor
        var r = self % divisor
        if r < 0 {
            q -= 1
            r += divisor
        }
        return (q, r)
    }
}

/// A tiny forward scanner over ASCII digits, for the ISO-8601 parser.
private struct DigitScanner<Bytes: Collection<UInt8>> {
    let bytes: Bytes
    var index: Bytes.Index

    init(_ bytes: Bytes) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    var atEnd: Bool { index == bytes.endIndex }

    mutating func number(digits: Int) -> Int? {
        var value = 0
        for _ in 0..<digits {
            guard index != bytes.endIndex else { return nil }
            let byte = bytes[index]
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
            index = bytes.index(after: index)
        }
        return value
    }

    mutating func skip(_ byte: UInt8) -> Bool {
        guard index != bytes.endIndex, bytes[index] == byte else { return false }
        index = bytes.index(after: index)
        return true
    }

    mutating func sign() -> Int? {
        if skip(UInt8(ascii: "+")) { return 1 }
        if skip(UInt8(ascii: "-")) { return -1 }
        return nil
    }

    /// Reads one or more fraction digits and returns them as milliseconds (truncated).
    mutating func fractionMilliseconds() -> Int? {
        var value = 0
        var count = 0
        while index != bytes.endIndex, bytes[index] >= 48, bytes[index] <= 57 {
            if count < 3 { value = value * 10 + Int(bytes[index] - 48) }
            count += 1
            index = bytes.index(after: index)
        }
        guard count > 0 else { return nil }
        for _ in count..<max(count, 3) { value *= 10 }
        return value
    }
}
