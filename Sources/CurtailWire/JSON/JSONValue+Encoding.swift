extension JSONValue {
    /// The value as compact JSON text (object keys sorted, so the same value gives the same bytes;
    /// a number that is not finite is written as `null`, since JSON has no such number).
    public func encoded() -> [UInt8] {
        var text = ""
        append(to: &text)
        return Array(text.utf8)
    }

    private func append(to text: inout String) {
        switch self {
        case .null: text += "null"
        case .bool(let value): text += value ? "true" : "false"
        case .number(let value): text += value.isFinite ? JSONWriter.number(value) : "null"
        case .string(let value): JSONWriter.appendString(value, to: &text)
        case .array(let values):
            text += "["
            for (index, value) in values.enumerated() {
                if index > 0 { text += "," }
                value.append(to: &text)
            }
            text += "]"
        case .object(let members):
            text += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                JSONWriter.appendString(key, to: &text)
                text += ":"
                members[key]!.append(to: &text)
            }
            text += "}"
        }
    }
}
