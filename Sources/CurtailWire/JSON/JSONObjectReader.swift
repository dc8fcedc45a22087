public import CurtailCore

/// Reads typed fields out of a JSON object, turning every problem into a ``Rejection`` that
/// names the field and what was expected.
public struct JSONObjectReader: Sendable {
    /// The object's fields.
    public let fields: [String: JSONValue]
    /// What the object is, for messages (`price`, `telemetry of group s21`).
    public let what: String

    /// Parses `payload`, which must be one JSON object.
    public init(_ payload: [UInt8], what: String) throws(Rejection) {
        guard let value = JSONValue.parse(payload) else {
            let preview = String(decoding: payload.prefix(80), as: UTF8.self)
            throw Rejection(.malformed, "\(what) is not valid JSON: '\(preview)'")
        }
        guard case .object(let fields) = value else {
            throw Rejection(.malformed, "\(what) must be a JSON object, found \(value.typeName)")
        }
        self.fields = fields
        self.what = what
    }

    /// Reads an object already parsed (an element of an array, a nested object).
    public init(object fields: [String: JSONValue], what: String) {
        self.fields = fields
        self.what = what
    }

    public func has(_ key: String) -> Bool {
        if let value = fields[key], value != .null { return true }
        return false
    }

    public func value(_ key: String) throws(Rejection) -> JSONValue {
        guard let value = fields[key], value != .null else { throw Rejection(.missingField, "\(what) lacks the required field '\(key)'") }
        return value
    }

    public func number(_ key: String, in range: ClosedRange<Double>? = nil, unit: String = "") throws(Rejection) -> Double {
        let raw = try value(key)
        guard case .number(let number) = raw else {
            throw Rejection(.wrongType, "\(what): '\(key)' must be a number\(unit.isEmpty ? "" : " in \(unit)"), found \(raw.typeName)")
        }
        if let range, !range.contains(number) {
            throw Rejection(
                .outOfRange,
                "\(what): '\(key)' = \(number) is outside [\(format(range.lowerBound)), \(format(range.upperBound))]\(unit.isEmpty ? "" : " \(unit)")"
            )
        }
        return number
    }

    public func optionalNumber(_ key: String, in range: ClosedRange<Double>? = nil, unit: String = "") throws(Rejection) -> Double? {
        has(key) ? try number(key, in: range, unit: unit) : nil
    }

    public func integer(_ key: String, in range: ClosedRange<Int>) throws(Rejection) -> Int {
        let number = try number(key, in: Double(range.lowerBound)...Double(range.upperBound))
        guard number == number.rounded() else { throw Rejection(.wrongType, "\(what): '\(key)' must be a whole number, found \(number)") }
        return Int(number)
    }

    public func string(_ key: String) throws(Rejection) -> String {
        let raw = try value(key)
        guard case .string(let text) = raw else { throw Rejection(.wrongType, "\(what): '\(key)' must be a string, found \(raw.typeName)") }
        return text
    }

    public func optionalString(_ key: String) throws(Rejection) -> String? {
        has(key) ? try string(key) : nil
    }

    public func timestamp(_ key: String) throws(Rejection) -> Timestamp {
        let text = try string(key)
        guard let time = Timestamp(iso8601: text) else {
            throw Rejection(.wrongType, "\(what): '\(key)' must be an ISO-8601 UTC time such as 2023-08-10T20:15:00Z, found '\(text)'")
        }
        return time
    }

    public func object(_ key: String) throws(Rejection) -> JSONObjectReader {
        let raw = try value(key)
        guard case .object(let fields) = raw else { throw Rejection(.wrongType, "\(what): '\(key)' must be an object, found \(raw.typeName)") }
        return JSONObjectReader(object: fields, what: "\(what) \(key)")
    }

    /// The array under `key` (empty when absent or null).
    public func array(_ key: String) throws(Rejection) -> [JSONValue] {
        guard has(key) else { return [] }
        let raw = try value(key)
        guard case .array(let items) = raw else { throw Rejection(.wrongType, "\(what): '\(key)' must be an array, found \(raw.typeName)") }
        return items
    }

    /// The objects of the array under `key` (empty when absent or null).
    public func objects(_ key: String) throws(Rejection) -> [JSONObjectReader] {
        var out: [JSONObjectReader] = []
        for (index, item) in try array(key).enumerated() {
            guard case .object(let fields) = item else {
                throw Rejection(.wrongType, "\(what): '\(key)[\(index)]' must be an object, found \(item.typeName)")
            }
            out.append(JSONObjectReader(object: fields, what: "\(what) \(key)[\(index)]"))
        }
        return out
    }

    /// The strings of the array under `key` (empty when absent or null).
    public func strings(_ key: String) throws(Rejection) -> [String] {
        var out: [String] = []
        for (index, item) in try array(key).enumerated() {
            guard case .string(let text) = item else {
                throw Rejection(.wrongType, "\(what): '\(key)[\(index)]' must be a string, found \(item.typeName)")
            }
            out.append(text)
        }
        return out
    }

    /// An object of whole numbers by name (counts), empty when absent or null.
    public func counts(_ key: String) throws(Rejection) -> [String: Int] {
        guard has(key) else { return [:] }
        let object = try object(key)
        var out: [String: Int] = [:]
        for name in object.fields.keys { out[name] = try object.integer(name, in: 0...(1 << 52)) }
        return out
    }

    /// A boolean field.
    public func bool(_ key: String) throws(Rejection) -> Bool {
        let raw = try value(key)
        guard case .bool(let flag) = raw else { throw Rejection(.wrongType, "\(what): '\(key)' must be true or false, found \(raw.typeName)") }
        return flag
    }

    /// A whole number with no range but its type's (`seq`, counters).
    public func int64(_ key: String) throws(Rejection) -> Int64 {
        Int64(try integer(key, in: 0...(1 << 52)))
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
