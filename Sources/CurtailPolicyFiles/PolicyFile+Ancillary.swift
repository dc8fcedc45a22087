import CurtailCore
import CurtailPolicy
import Yams

extension PolicyFile {
    static let offerKeys = ["product", "when", "offer_mw", "min_price"]

    /// Reads the `ancillary:` section: a list of offers, each `product`, optional `when`,
    /// `offer_mw` and optional `min_price` (USD/MW/h). Offer expressions may read only what is
    /// known the day before (``Variable/isKnownDayAhead``) and no window functions or events.
    static func readAncillary(_ node: Node, parameters: [Parameter], _ r: inout YAMLReader) -> [AncillaryOffer] {
        guard let list = r.sequence(node, "ancillary (a list of offers: product, when, offer_mw, min_price)") else { return [] }
        var offers: [AncillaryOffer] = []
        for item in list {
            guard let map = r.mapping(item, "an ancillary offer", allowed: offerKeys, required: ["product", "offer_mw"]) else { continue }
            var product: AncillaryProduct?
            if let n = map["product"], let name = r.string(n, "product") {
                product = AncillaryProduct(name: name)
                if product == nil { r.report(n, AncillaryProduct.unknownNameMessage(name)) }
            }
            let label = "ancillary offer \(product?.name ?? "?")"
            let condition = map["when"].map { offerExpression($0, "\(label) when", .boolean, parameters, &r) } ?? constantTrue()
            let megawatts = map["offer_mw"].flatMap { offerExpression($0, "\(label) offer_mw", .number(.power), parameters, &r) }
            let minimumPrice = map["min_price"].flatMap { offerExpression($0, "\(label) min_price", .number(.capacityPrice), parameters, &r) }
            guard let product, let condition, let megawatts, map["min_price"] == nil || minimumPrice != nil else { continue }
            offers.append(AncillaryOffer(product: product, condition: condition, megawatts: megawatts, minimumPrice: minimumPrice))
        }
        return offers
    }

    /// Compiles an offer expression in an environment of its own (same parameter indices) and
    /// refuses what an offer cannot know.
    private static func offerExpression(
        _ node: Node,
        _ what: String,
        _ type: ExpressionType,
        _ parameters: [Parameter],
        _ r: inout YAMLReader
    ) -> CompiledExpression? {
        var environment = ExpressionEnvironment()
        for parameter in parameters { environment.declareParameter(parameter.name, dimension: parameter.dimension) }
        guard let expression = r.expression(node, what, expecting: type, in: &environment) else { return nil }
        let unknown = environment.usedVariables.filter { !$0.isKnownDayAhead }.map(\.name).sorted()
        if !unknown.isEmpty {
            r.report(
                node,
                "\(what) reads \(unknown.joined(separator: ", ")), not known when day-ahead offers are made; offers may read parameters, da_price, rrs_price, ecrs_price, nspin_price, regup_price (all the same hour the day before), hashprice, breakeven_max, breakeven_min, hour, weekday, month, day, max_import_mw, nameplate_mw"
            )
            return nil
        }
        if !environment.aggregates.isEmpty || !environment.eventPrograms.isEmpty {
            r.report(node, "\(what) uses a price window or event_active(…); offers are made the day before and cannot")
            return nil
        }
        return expression
    }

    private static func constantTrue() -> CompiledExpression? {
        var environment = ExpressionEnvironment()
        return try? CompiledExpression("true", expecting: .boolean, in: &environment)
    }
}
