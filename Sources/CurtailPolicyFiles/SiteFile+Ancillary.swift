import CurtailCore
import Yams

extension SiteFile {
    static let ancillaryKeys = ["resource", "under_frequency_relay", "products"]

    /// The `ancillary:` section: how the site is registered (`resource`), whether it has an
    /// under-frequency relay, and the most it may offer of each product (`products: {RRS: 5}`).
    /// A product the site does not qualify for, or a maximum above what it can drop, is an error.
    static func readAncillary(_ node: Node, site: Site, _ r: inout YAMLReader) -> AncillaryQualification? {
        guard let map = r.mapping(node, "ancillary", allowed: ancillaryKeys, required: ["products"]) else { return nil }
        let resources = AncillaryQualification.Resource.allCases.map(\.rawValue)
        let resource =
            map["resource"].flatMap { r.choice($0, "ancillary.resource", resources) }.flatMap(AncillaryQualification.Resource.init(rawValue:))
            ?? .loadResource
        let relay = map["under_frequency_relay"].flatMap { r.boolean($0, "ancillary.under_frequency_relay") } ?? false
        var maximum = ProductValues.zero
        let curtailable = site.curtailableMW
        if let n = map["products"], let entries = n.mapping {
            if entries.count == 0 { r.report(n, "ancillary.products names no product; add e.g. ECRS: 5 (the most MW the site may offer)") }
            for (key, value) in entries {
                guard let name = key.scalar?.string else { continue }
                guard let product = AncillaryProduct(name: name) else {
                    r.report(key, AncillaryProduct.unknownNameMessage(name))
                    continue
                }
                guard let mw = r.number(value, "ancillary.products.\(product.name)", range: 0...100_000) else { continue }
                if !product.isAllowed(resource: resource, underFrequencyRelay: relay), let requirement = product.requirement {
                    r.report(key, "\(product.name) needs \(requirement)")
                    continue
                }
                if mw > curtailable + 1e-9 {
                    r.report(
                        value,
                        "ancillary.products.\(product.name) = \(YAMLReader.format(mw)) MW is more than the site can drop (\(YAMLReader.format((curtailable * 1000).rounded() / 1000)) MW: nameplate within max_import_mw, minus sleep load)"
                    )
                    continue
                }
                maximum[product] = mw
            }
        } else if let n = map["products"] {
            r.report(n, "ancillary.products must be a mapping of product to MW, e.g. {ECRS: 5, NSPIN: 5}")
        }
        return AncillaryQualification(resource: resource, underFrequencyRelay: relay, maximumMW: maximum)
    }
}
