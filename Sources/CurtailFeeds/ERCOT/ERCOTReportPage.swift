public import CurtailWire

/// One page of an ERCOT public-API report: `{"_meta": {...}, "fields": [{"name": ...}], "data":
/// [[...], ...]}`, where each row of `data` is ordered like `fields`.
public struct ERCOTReportPage: Sendable {
    /// The product, for messages (`NP6-905-CD`).
    public var product: String
    /// Field names, in row order.
    public var fields: [String]
    /// The rows.
    public var rows: [[JSONValue]]
    /// 1-based page number, and how many there are.
    public var currentPage: Int
    /// How many pages the query has (0 when it has no rows).
    public var totalPages: Int

    /// Reads a page.
    ///
    /// - Throws: ``FeedInputError`` when the body is not JSON or not a report page: `fields` or
    ///   `data` missing or of the wrong type, a row of the wrong length.
    public init(decoding body: [UInt8], product: String) throws(FeedInputError) {
        self.product = product
        guard let json = JSONValue.parse(body) else {
            throw FeedInputError(.malformed, "\(product): the answer is not JSON (\(body.count) bytes starting '\(Self.preview(body))')")
        }
        guard case .object(let top) = json else { throw FeedInputError(.malformed, "\(product): the answer is \(json.typeName), not an object") }
        guard let fieldList = top["fields"] else { throw FeedInputError(.missingField, "\(product): the answer has no 'fields'") }
        guard case .array(let fieldValues) = fieldList else {
            throw FeedInputError(.wrongType, "\(product): 'fields' is \(fieldList.typeName), not an array")
        }
        var names: [String] = []
        for (i, field) in fieldValues.enumerated() {
            guard case .object(let f) = field, case .string(let name)? = f["name"] else {
                throw FeedInputError(.wrongType, "\(product): fields[\(i)] has no string 'name'")
            }
            names.append(name)
        }
        fields = names
        guard let dataValue = top["data"] else { throw FeedInputError(.missingField, "\(product): the answer has no 'data'") }
        var rows: [[JSONValue]] = []
        switch dataValue {
        case .null:
            break  // an empty page
        case .array(let list):
            rows.reserveCapacity(list.count)
            for (i, row) in list.enumerated() {
                guard case .array(let cells) = row else {
                    throw FeedInputError(.wrongType, "\(product): data[\(i)] is \(row.typeName), not an array")
                }
                guard cells.count == names.count else {
                    throw FeedInputError(.malformed, "\(product): data[\(i)] has \(cells.count) values for \(names.count) fields")
                }
                rows.append(cells)
            }
        default:
            throw FeedInputError(.wrongType, "\(product): 'data' is \(dataValue.typeName), not an array")
        }
        self.rows = rows
        var current = 1
        var total = 1
        if case .object(let meta)? = top["_meta"] {
            if case .number(let n)? = meta["currentPage"] { current = Int(n) }
            if case .number(let n)? = meta["totalPages"] { total = Int(n) }
        }
        currentPage = max(1, current)
        totalPages = max(0, min(total, 10_000))
    }

    /// The column of the first of `names` that the page has (ERCOT renamed some fields:
    /// `DSTFlag`, later `repeatedHourFlag`).
    public func column(_ names: String...) -> Int? {
        for name in names { if let i = fields.firstIndex(where: { $0.caseInsensitiveCompare(name) }) { return i } }
        return nil
    }

    private static func preview(_ body: [UInt8]) -> String {
        String(decoding: body.prefix(24), as: UTF8.self).map { $0.isASCII && !$0.isNewline ? String($0) : "?" }.joined()
    }
}

extension String {
    fileprivate func caseInsensitiveCompare(_ other: String) -> Bool { lowercased() == other.lowercased() }
}
