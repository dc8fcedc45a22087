import CurtailCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A CSV file in memory, read a row at a time without copying: fields are byte ranges.
///
/// Enough CSV for the history files (comma separated, no quoting, `\n` or `\r\n` line ends).
/// A quoted field is reported as an error rather than misread.
struct CSVTable {
    let file: String
    let bytes: [UInt8]
    /// Header fields.
    let header: [String]
    /// Byte offset of the first data row.
    let bodyStart: Int

    init(file: String, bytes: [UInt8]) throws(HistoryError) {
        self.file = file
        self.bytes = bytes
        var end = 0
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
        var headerEnd = end
        if headerEnd > 0 && bytes[headerEnd - 1] == UInt8(ascii: "\r") { headerEnd -= 1 }
        var start = 0
        // A UTF-8 byte-order mark is tolerated.
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        guard headerEnd > start else { throw HistoryError(file: file, line: 1, column: 1, "empty file: expected a header row") }
        header = String(decoding: bytes[start..<headerEnd], as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingSpaces }
        bodyStart = min(end + 1, bytes.count)
    }

    /// Index of a header column.
    func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// Refuses a header that does not start with `interval_start_utc` (the interval files).
    func requireTimeColumn() throws(HistoryError) {
        guard header.first == "interval_start_utc" else {
            throw HistoryError(
                file: file,
                line: 1,
                column: 1,
                "expected a header starting with interval_start_utc, found '\(header.joined(separator: ","))'"
            )
        }
    }

    /// Calls `body` with each data row's line number and field ranges (reused array).
    /// Blank lines are skipped. `body` returns false to stop.
    func forEachRow(_ body: (_ line: Int, _ fields: UnsafeBufferPointer<Range<Int>>) throws(HistoryError) -> Bool) throws(HistoryError) {
        var fields = [Range<Int>](repeating: 0..<0, count: header.count + 1)
        var line = 1
        var position = bodyStart
        let count = bytes.count
        let columns = header.count
        try bytes.withUnsafeBufferPointer { (buffer) throws(HistoryError) in
            while position < count {
                line += 1
                var lineEnd = position
                while lineEnd < count && buffer[lineEnd] != 10 { lineEnd += 1 }
                var contentEnd = lineEnd
                if contentEnd > position && buffer[contentEnd - 1] == 13 { contentEnd -= 1 }
                defer { position = lineEnd + 1 }
                if contentEnd == position { continue }
                var found = 0
                var fieldStart = position
                var i = position
                while i <= contentEnd {
                    if i == contentEnd || buffer[i] == 44 {
                        if found < fields.count { fields[found] = fieldStart..<i }
                        found += 1
                        fieldStart = i + 1
                    } else if buffer[i] == 34 {
                        throw HistoryError(file: file, line: line, column: i - position + 1, "quoted fields are not supported in history files")
                    }
                    i += 1
                }
                guard found == columns else {
                    throw HistoryError(
                        file: file,
                        line: line,
                        column: 1,
                        "expected \(columns) fields (\(header.joined(separator: ","))), found \(found)"
                    )
                }
                let keepGoing = try fields.withUnsafeBufferPointer { (pointer) throws(HistoryError) in
                    try body(line, UnsafeBufferPointer(rebasing: pointer[0..<columns]))
                }
                if !keepGoing { return }
            }
        }
    }

    /// The text of a field, for messages.
    func text(_ field: Range<Int>) -> String { String(decoding: bytes[field], as: UTF8.self) }

    /// Where the line containing `offset` starts.
    func lineStart(containing offset: Int) -> Int {
        var i = min(offset, bytes.count)
        while i > 0 && bytes[i - 1] != 10 { i -= 1 }
        return i
    }

    /// An error at a field: `file:line:col: message`.
    func error(_ line: Int, _ field: Range<Int>, _ message: String) -> HistoryError {
        HistoryError(file: file, line: line, column: field.lowerBound - lineStart(containing: field.lowerBound) + 1, message)
    }

    // MARK: - Field parsing

    /// Parses a decimal number. `nil` for an empty field; throws for anything else that is not a
    /// finite number.
    @inline(__always)
    func number(_ field: Range<Int>, line: Int, what: String) throws(HistoryError) -> Double? {
        if field.isEmpty { return nil }
        if let value = Self.fastDecimal(bytes, field) { return value }
        // Exponents and other forms: the C library, then a finiteness check.
        let text = text(field)
        var end: UnsafeMutablePointer<CChar>?
        let value = text.withCString { pointer -> Double? in
            let parsed = strtod(pointer, &end)
            guard let end, end.pointee == 0, end != UnsafeMutablePointer(mutating: pointer) else { return nil }
            return parsed
        }
        guard let value, value.isFinite else {
            throw error(line, field, "\(what) must be a number, found '\(text)'")
        }
        return value
    }

    /// `[-+]digits[.digits]` with at most 15 significant digits, exactly rounded (mantissa and
    /// power of ten both exact in a Double, one correctly rounded division); `nil` otherwise.
    @inline(__always)
    static func fastDecimal(_ bytes: [UInt8], _ field: Range<Int>) -> Double? {
        bytes.withUnsafeBufferPointer { b in
            var i = field.lowerBound
            let end = field.upperBound
            var negative = false
            if b[i] == 45 {
                negative = true
                i += 1
            } else if b[i] == 43 {
                i += 1
            }
            var mantissa: UInt64 = 0
            var digits = 0
            var fraction = 0
            var seenDot = false
            var any = false
            while i < end {
                let c = b[i]
                if c >= 48 && c <= 57 {
                    mantissa = mantissa &* 10 &+ UInt64(c - 48)
                    if mantissa != 0 { digits += 1 }
                    if seenDot { fraction += 1 }
                    any = true
                } else if c == 46 && !seenDot {
                    seenDot = true
                } else {
                    return nil
                }
                i += 1
            }
            guard any, digits <= 15, fraction <= 22 else { return nil }
            let value = fraction == 0 ? Double(mantissa) : Double(mantissa) / powersOfTen[fraction]
            return negative ? -value : value
        }
    }

    static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ` (the history files' form) quickly, and any ISO-8601 time with
    /// a zone otherwise. Milliseconds since the epoch.
    @inline(__always)
    func timestamp(_ field: Range<Int>, line: Int, what: String) throws(HistoryError) -> Int64 {
        if let value = Self.fastTimestamp(bytes, field) { return value }
        if let parsed = Timestamp(iso8601: text(field)) { return parsed.millisecondsSinceEpoch }
        throw error(line, field, "\(what) must be an ISO-8601 UTC time such as 2023-01-01T06:00:00Z, found '\(text(field))'")
    }

    @inline(__always)
    static func fastTimestamp(_ bytes: [UInt8], _ field: Range<Int>) -> Int64? {
        guard field.count == 20 else { return nil }
        return bytes.withUnsafeBufferPointer { b -> Int64? in
            let s = field.lowerBound
            guard b[s + 4] == 45, b[s + 7] == 45, b[s + 10] == 84, b[s + 13] == 58, b[s + 16] == 58, b[s + 19] == 90 else { return nil }
            func two(_ at: Int) -> Int? {
                let a = Int(b[at]) - 48
                let c = Int(b[at + 1]) - 48
                guard a >= 0, a <= 9, c >= 0, c <= 9 else { return nil }
                return a * 10 + c
            }
            guard let y1 = two(s), let y2 = two(s + 2), let month = two(s + 5), let day = two(s + 8), let hour = two(s + 11),
                let minute = two(s + 14), let second = two(s + 17)
            else { return nil }
            let year = y1 * 100 + y2
            guard (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year), hour < 24, minute < 60, second < 60
            else { return nil }
            let days = CivilDate(year: year, month: month, day: day).daysSinceEpoch
            return (Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)) * 1000
        }
    }

    /// Parses `YYYY-MM-DD`: days since the epoch.
    func date(_ field: Range<Int>, line: Int, what: String) throws(HistoryError) -> Int {
        let text = text(field)
        let parts = text.split(separator: "-")
        if parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m),
            d >= 1, d <= CivilDate.daysIn(month: m, year: y)
        {
            return CivilDate(year: y, month: m, day: d).daysSinceEpoch
        }
        throw error(line, field, "\(what) must be a date such as 2023-01-31, found '\(text)'")
    }
}

extension Substring {
    var trimmingSpaces: String {
        var s = self[...]
        while let first = s.first, first == " " || first == "\t" { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
