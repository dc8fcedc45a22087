public import CurtailCore

/// Builds one JSON object as text, field by field, in the order written.
///
/// Hand-written rather than `JSONEncoder`: commands and telemetry go out per group per change on
/// the controller's and the simulator's hot paths, and the measured cost of `JSONEncoder` was
/// larger than the decision. Strings are escaped (quotes, backslashes, control characters);
/// keys are the contract's own plain ASCII names and are written as given. A number that is not
/// finite cannot be JSON: the writer remembers the first such field and ``finish(_:)`` refuses
/// the payload, so nothing malformed is ever published.
public struct JSONWriter: Sendable {
    private var text: String
    private var first = true
    private var nonFinite: String?

    /// An empty object.
    public init(capacity: Int = 160) {
        text = "{"
        text.reserveCapacity(capacity)
    }

    private mutating func key(_ key: String) {
        if first {
            first = false
            text += "\""
        } else {
            text += ",\""
        }
        text += key
        text += "\":"
    }

    /// A string field.
    public mutating func field(_ key: String, _ value: String) {
        self.key(key)
        Self.appendString(value, to: &text)
    }

    /// A string field, omitted when `nil`.
    public mutating func field(_ key: String, _ value: String?) {
        if let value { field(key, value) }
    }

    /// A time, as ISO-8601 UTC.
    public mutating func field(_ key: String, _ value: Timestamp) {
        self.key(key)
        text += "\""
        text += value.iso8601
        text += "\""
    }

    /// A time, omitted when `nil`.
    public mutating func field(_ key: String, _ value: Timestamp?) {
        if let value { field(key, value) }
    }

    /// A whole number.
    public mutating func field(_ key: String, _ value: Int) {
        self.key(key)
        text += String(value)
    }

    /// A whole number, omitted when `nil`.
    public mutating func field(_ key: String, _ value: Int?) {
        if let value { field(key, value) }
    }

    /// A whole number.
    public mutating func field(_ key: String, _ value: Int64) {
        self.key(key)
        text += String(value)
    }

    /// A whole number, omitted when `nil`.
    public mutating func field(_ key: String, _ value: Int64?) {
        if let value { field(key, value) }
    }

    /// A boolean.
    public mutating func field(_ key: String, _ value: Bool) {
        self.key(key)
        text += value ? "true" : "false"
    }

    /// A boolean, omitted when `nil`.
    public mutating func field(_ key: String, _ value: Bool?) {
        if let value { field(key, value) }
    }

    /// A number, rounded to `places` decimals when given (a non-finite value makes
    /// ``finish(_:)`` refuse the payload).
    public mutating func field(_ key: String, _ value: Double, places: Int? = nil) {
        self.key(key)
        guard value.isFinite else {
            if nonFinite == nil { nonFinite = key }
            text += "null"
            return
        }
        text += Self.number(places.map { Self.rounded(value, $0) } ?? value)
    }

    /// A number, omitted when `nil`.
    public mutating func field(_ key: String, _ value: Double?, places: Int? = nil) {
        if let value { field(key, value, places: places) }
    }

    /// An array of strings.
    public mutating func field(_ key: String, _ values: [String]) {
        self.key(key)
        text += "["
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            Self.appendString(value, to: &text)
        }
        text += "]"
    }

    /// An object of counts by name, names sorted.
    public mutating func field(_ key: String, _ counts: [String: Int]) {
        self.key(key)
        text += "{"
        for (index, name) in counts.keys.sorted().enumerated() {
            if index > 0 { text += "," }
            Self.appendString(name, to: &text)
            text += ":"
            text += String(counts[name] ?? 0)
        }
        text += "}"
    }

    /// A nested object.
    public mutating func field(_ key: String, _ object: JSONWriter) {
        self.key(key)
        if nonFinite == nil, let inner = object.nonFinite { nonFinite = "\(key).\(inner)" }
        text += object.text
        text += "}"
    }

    /// A nested array of objects.
    public mutating func field(_ key: String, _ objects: [JSONWriter]) {
        self.key(key)
        text += "["
        for (index, object) in objects.enumerated() {
            if index > 0 { text += "," }
            if nonFinite == nil, let inner = object.nonFinite { nonFinite = "\(key)[\(index)].\(inner)" }
            text += object.text
            text += "}"
        }
        text += "]"
    }

    /// The object's UTF-8 bytes.
    ///
    /// - Parameter payload: what the object is, for the error (`state`, `command`).
    /// - Throws: ``WireError/nonFinite(payload:field:)`` when a number field was not finite.
    public func finish(_ payload: String) throws(WireError) -> [UInt8] {
        if let nonFinite { throw .nonFinite(payload: payload, field: nonFinite) }
        return Array((text + "}").utf8)
    }

    /// A finite number as JSON: integers without a fraction, others in Swift's shortest form.
    public static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// `value` rounded to `places` decimals (0–5).
    public static func rounded(_ value: Double, _ places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<min(max(places, 0), 5) { scale *= 10 }
        return (value * scale).rounded() / scale
    }

    /// Appends `value` as a JSON string literal (quotes, backslashes and control characters escaped).
    public static func appendString(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
