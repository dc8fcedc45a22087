import CurtailCore

/// Reads typed fields out of a JSON object, turning every problem into a ``Rejection`` that
/// names the field and what was expected.
struct JSONObjectReader {
    let fields: [String: JSONValue]
    let what: String

    init(_ payload: [UInt8], what: String) throws(Rejection) {
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

    init(object fields: [String: JSONValue], what: String) {
        self.fields = fields
        self.what = what
    }

    func has(_ key: String) -> Bool {
        if let value = fields[key], value != .null { return true }
        return false
    }

    func value(_ key: String) throws(Rejection) -> JSONValue {
        guard let value = fields[key], value != .null else { throw Rejection(.missingField, "\(what) lacks the required field '\(key)'") }
        return value
    }

    func number(_ key: String, in range: ClosedRange<Double>? = nil, unit: String = "") throws(Rejection) -> Double {
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

    func optionalNumber(_ key: String, in range: ClosedRange<Double>? = nil, unit: String = "") throws(Rejection) -> Double? {
        has(key) ? try number(key, in: range, unit: unit) : nil
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws(Rejection) -> Int {
        let number = try number(key, in: Double(range.lowerBound)...Double(range.upperBound))
        guard number == number.rounded() else { throw Rejection(.wrongType, "\(what): '\(key)' must be a whole number, found \(number)") }
        return Int(number)
    }

    func string(_ key: String) throws(Rejection) -> String {
        let raw = try value(key)
        guard case .string(let text) = raw else { throw Rejection(.wrongType, "\(what): '\(key)' must be a string, found \(raw.typeName)") }
        return text
    }

    func optionalString(_ key: String) throws(Rejection) -> String? {
        has(key) ? try string(key) : nil
    }

    func timestamp(_ key: String) throws(Rejection) -> Timestamp {
        let text = try string(key)
        guard let time = Timestamp(iso8601: text) else {
            throw Rejection(.wrongType, "\(what): '\(key)' must be an ISO-8601 UTC time such as 2023-08-10T20:15:00Z, found '\(text)'")
        }
        return time
    }

    func object(_ key: String) throws(Rejection) -> JSONObjectReader {
        let raw = try value(key)
        guard case .object(let fields) = raw else { throw Rejection(.wrongType, "\(what): '\(key)' must be an object, found \(raw.typeName)") }
        return JSONObjectReader(object: fields, what: "\(what) \(key)")
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
