public import CurtailWire

/// A reply of the CGMiner API (TCP 4028), repaired and parsed.
///
/// Real firmware emits broken JSON; the repairs are the ones pyasic applies, which real replies
/// needed: a trailing NUL, stray newlines, `,}` and `,]`, `}{` between objects, `[,{`, a leading
/// comma. What still does not parse is `.malformed`.
public struct CGMinerReply: Sendable {
    /// The whole reply.
    public let json: JSONValue
    /// The command it answers (for messages).
    public let command: String

    /// Repairs and parses `bytes`, the reply to `command`.
    public init(bytes: [UInt8], command: String) throws(MinerError) {
        self.command = command
        let body = bytes.prefix { $0 != 0 }
        // Most replies are valid JSON: parse them as they are; repair only what does not parse.
        if let json = JSONValue.parse(Array(body)), case .object = json {
            self.json = json
            return
        }
        let repaired = Self.repair(bytes)
        guard !repaired.isEmpty else { throw MinerError(.malformed, "empty reply to '\(command)'") }
        guard let json = JSONValue.parse(repaired), case .object = json else {
            let sample = String(decoding: repaired.prefix(80), as: UTF8.self)
            throw MinerError(.malformed, "reply to '\(command)' is not a JSON object: \(sample)\(repaired.count > 80 ? "…" : "")")
        }
        self.json = json
    }

    /// The repairs, in one pass over the bytes (up to the first NUL): newlines and carriage
    /// returns dropped, a comma before `}` or `]` dropped, `}{` given its comma, `[,{` its comma
    /// removed, leading commas and spaces dropped. Inside strings nothing changes.
    static func repair(_ bytes: [UInt8]) -> [UInt8] {
        let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 8)
        var inString = false
        var escaped = false
        for byte in bytes {
            if byte == 0 { break }
            if inString {
                out.append(byte)
                if escaped {
                    escaped = false
                } else if byte == backslash {
                    escaped = true
                } else if byte == quote {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                continue
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if out.last == comma { out.removeLast() }
                out.append(byte)
            case UInt8(ascii: "{"):
                if out.last == UInt8(ascii: "}") { out.append(comma) }
                out.append(byte)
            case comma:
                if out.isEmpty || out.last == UInt8(ascii: "[") { continue }  // a leading comma, '[,'
                out.append(byte)
            case UInt8(ascii: " ") where out.isEmpty:
                continue
            default:
                if byte == quote { inString = true }
                out.append(byte)
            }
        }
        return out
    }

    /// The STATUS block of a (sub-)reply: `S` and `I` are success; anything else is `.refused`
    /// with the firmware's code and message. A reply without STATUS is `.malformed`.
    public static func checkStatus(_ reply: JSONValue, command: String) throws(MinerError) {
        guard case .object(let object) = reply, case .array(let list)? = object["STATUS"], case .object(let status)? = list.first,
            case .string(let letter)? = status["STATUS"]
        else {
            throw MinerError(.malformed, "reply to '\(command)' has no STATUS block")
        }
        guard letter == "S" || letter == "I" else {
            let code = status["Code"].flatMap(\.number).map { Int($0) }.map(String.init) ?? "?"
            let message = status["Msg"].flatMap(\.string) ?? ""
            throw MinerError(.refused, "'\(command)' answered \(letter) \(code): \(message)")
        }
    }

    /// The status code of a (sub-)reply.
    public static func code(_ reply: JSONValue) -> Int? {
        guard case .object(let object) = reply, case .array(let list)? = object["STATUS"], case .object(let status)? = list.first else {
            return nil
        }
        return status["Code"].flatMap(\.number).map { Int($0) }
    }

    /// The sub-reply for `name` of a multi-command (`summary+power`), or the reply itself for a
    /// single command.
    public func part(_ name: String) -> JSONValue? {
        guard case .object(let object) = json else { return nil }
        if case .array(let list)? = object[name], let first = list.first, case .object(let sub) = first, sub["STATUS"] != nil {
            return first
        }
        return object[name.uppercased()] != nil || object["STATUS"] != nil ? json : nil
    }

    /// The first record of `section` (e.g. `SUMMARY`) in `reply`.
    public static func first(_ section: String, in reply: JSONValue?) -> [String: JSONValue]? {
        guard case .object(let object)? = reply, case .array(let list)? = object[section], case .object(let record)? = list.first else {
            return nil
        }
        return record
    }

    /// The records of `section` in `reply`.
    public static func records(_ section: String, in reply: JSONValue?) -> [[String: JSONValue]] {
        guard case .object(let object)? = reply, case .array(let list)? = object[section] else { return [] }
        return list.compactMap { if case .object(let record) = $0 { record } else { nil } }
    }
}

extension JSONValue {
    /// The number, also when firmware wrote it as a string (`"GHS 5s": "13759.68"`).
    public var number: Double? {
        switch self {
        case .number(let value): value
        case .string(let text): Double(text[...].trimmingCharacters(in: " ").split(separator: " ").first.map(String.init) ?? "")
        default: nil
        }
    }

    /// The string, if this is one.
    public var string: String? {
        if case .string(let text) = self { text } else { nil }
    }

    /// The boolean, if this is one.
    public var bool: Bool? {
        if case .bool(let value) = self { value } else { nil }
    }

    /// The member `key` of an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { object[key] } else { nil }
    }
}
