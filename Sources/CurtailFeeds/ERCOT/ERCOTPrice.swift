public import CurtailCore
import CurtailWire

/// One price read from ERCOT, on the UTC interval grid.
public struct ERCOTPrice: Hashable, Sendable {
    /// Which report it came from.
    public enum Source: String, Hashable, Sendable {
        /// NP6-905-CD: the 15-minute settlement point price (final).
        case settlement = "NP6-905-CD"
        /// NP6-788-CD: a SCED run's LMP (provisional for the running interval).
        case sced = "NP6-788-CD"
    }

    /// The report it came from.
    public var source: Source
    /// UTC start of the 15-minute settlement interval the price belongs to.
    public var intervalStart: Timestamp
    /// USD/MWh.
    public var price: Double
    /// For a SCED price: when SCED ran (UTC).
    public var scedAt: Timestamp?

    public init(source: Source, intervalStart: Timestamp, price: Double, scedAt: Timestamp? = nil) {
        self.source = source
        self.intervalStart = intervalStart
        self.price = price
        self.scedAt = scedAt
    }

    /// The prices of `settlementPoint` on a page, and a refusal for every row that is wrong.
    ///
    /// A row is refused, never guessed at: a price outside ``USDPerMWh/plausibleRange``, a time
    /// off the grid, a field of the wrong type. Rows of other settlement points are skipped.
    public static func read(
        _ page: ERCOTReportPage,
        source: Source,
        settlementPoint: String
    ) -> (prices: [ERCOTPrice], refused: [FeedInputError]) {
        var prices: [ERCOTPrice] = []
        var refused: [FeedInputError] = []
        let product = source.rawValue
        let point = page.column("settlementPoint", "settlementPointName", "SettlementPoint")
        let price = source == .settlement ? page.column("settlementPointPrice", "SettlementPointPrice") : page.column("LMP", "lmp")
        let flag = page.column("DSTFlag", "repeatedHourFlag", "repeatHourFlag")
        guard let point, let price else {
            if !page.rows.isEmpty || !page.fields.isEmpty {
                let missing = point == nil ? "settlementPoint" : (source == .settlement ? "settlementPointPrice" : "LMP")
                refused.append(
                    FeedInputError(.missingField, "\(product): the page has no '\(missing)' field (fields: \(page.fields.joined(separator: ", ")))")
                )
            }
            return ([], refused)
        }
        let date = page.column("deliveryDate", "DeliveryDate")
        let hour = page.column("deliveryHour", "DeliveryHour")
        let interval = page.column("deliveryInterval", "DeliveryInterval")
        let sced = page.column("SCEDTimestamp", "scedTimestamp")
        if source == .settlement, date == nil || hour == nil || interval == nil {
            refused.append(FeedInputError(.missingField, "\(product): the page lacks deliveryDate, deliveryHour or deliveryInterval"))
            return ([], refused)
        }
        if source == .sced, sced == nil {
            refused.append(FeedInputError(.missingField, "\(product): the page has no 'SCEDTimestamp' field"))
            return ([], refused)
        }
        for (i, row) in page.rows.enumerated() {
            guard case .string(let name) = row[point] else {
                refused.append(FeedInputError(.wrongType, "\(product) row \(i + 1): settlementPoint is \(row[point].typeName), not a string"))
                continue
            }
            guard name == settlementPoint else { continue }
            do throws(FeedInputError) {
                let value = try number(row[price], "price", product, i)
                guard USDPerMWh.plausibleRange.contains(value) else {
                    throw FeedInputError(.outOfRange, "\(product) row \(i + 1): \(name) price \(value) $/MWh is outside \(USDPerMWh.plausibleRange)")
                }
                var repeated = false
                if let flag { repeated = try boolean(row[flag], "DSTFlag", product, i) }
                if source == .settlement, let date, let hour, let interval {
                    guard case .string(let dayText) = row[date], let day = ERCOTTime.parseDate(dayText) else {
                        throw FeedInputError(.malformed, "\(product) row \(i + 1): deliveryDate is not a yyyy-MM-dd date")
                    }
                    let start = try ERCOTTime.intervalStart(
                        deliveryDate: day,
                        hourEnding: try whole(row[hour], "deliveryHour", product, i),
                        interval: try whole(row[interval], "deliveryInterval", product, i),
                        repeatedHour: repeated
                    )
                    prices.append(ERCOTPrice(source: source, intervalStart: start, price: value))
                } else if let sced {
                    guard case .string(let text) = row[sced] else {
                        throw FeedInputError(.wrongType, "\(product) row \(i + 1): SCEDTimestamp is \(row[sced].typeName), not a string")
                    }
                    let at = try ERCOTTime.parseLocal(text, repeatedHour: repeated)
                    let ms = at.millisecondsSinceEpoch
                    let start = Timestamp(millisecondsSinceEpoch: ms - ((ms % 900_000) + 900_000) % 900_000)
                    prices.append(ERCOTPrice(source: source, intervalStart: start, price: value, scedAt: at))
                }
            } catch {
                refused.append(
                    FeedInputError(error.kind, error.message.hasPrefix(product) ? error.message : "\(product) row \(i + 1): \(error.message)")
                )
            }
        }
        return (prices, refused)
    }

    private static func number(_ value: JSONValue, _ field: String, _ product: String, _ i: Int) throws(FeedInputError) -> Double {
        switch value {
        case .number(let n) where n.isFinite: return n
        case .string(let text): if let n = Double(text), n.isFinite { return n }
        default: break
        }
        throw FeedInputError(.wrongType, "\(product) row \(i + 1): \(field) is \(value.typeName), not a number")
    }

    private static func whole(_ value: JSONValue, _ field: String, _ product: String, _ i: Int) throws(FeedInputError) -> Int {
        let n = try number(value, field, product, i)
        guard n == n.rounded(), abs(n) < 1000 else {
            throw FeedInputError(.wrongType, "\(product) row \(i + 1): \(field) \(n) is not a whole number")
        }
        return Int(n)
    }

    private static func boolean(_ value: JSONValue, _ field: String, _ product: String, _ i: Int) throws(FeedInputError) -> Bool {
        switch value {
        case .bool(let b): return b
        case .string(let s) where ["Y", "y", "true", "TRUE"].contains(s): return true
        case .string(let s) where ["N", "n", "false", "FALSE"].contains(s): return false
        case .null: return false
        default: throw FeedInputError(.wrongType, "\(product) row \(i + 1): \(field) is \(value.typeName), not a boolean")
        }
    }
}
