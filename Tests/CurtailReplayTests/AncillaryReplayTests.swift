import CurtailCore
import CurtailPolicy
import CurtailPolicyFiles
import CurtailReplay
import Foundation
import Testing

/// Replay with ancillary capacity on real 2023 data: awards, the held floor, deployments in an
/// EEA, settlement against sums computed straight from the data file, and the files' errors.
@Suite("replay with ancillary capacity")
struct AncillaryReplayTests {
    /// 1 MW at nameplate, qualified for 0.5 MW of Non-Spin.
    static func site() throws -> Site {
        try Fixtures.site(
            """
            site: one-mw
            market: ercot
            node: HB_WEST
            max_import_mw: 2
            groups:
              - {name: g, model: s19jpro, count: 1000, power_w: 1000, hashrate_th: 34}
            ancillary:
              products: {NSPIN: 0.5}
            """
        )
    }

    static func policy(offerWhen: String = "true", minPrice: String = "5", rules: String = "[]") throws -> Policy {
        try Fixtures.policy(
            """
            policy: offers
            economics: {price: rt, pool_fee: 0}
            ancillary:
              - {product: NSPIN, when: "\(offerWhen)", offer_mw: 0.5, min_price: \(minPrice)}
            rules: \(rules)
            """
        )
    }

    static let inputs = Result { () throws(HistoryError) in
        var inputs = try Fixtures.history.get()
        inputs.ancillary = try AncillaryPrices.load(path: Fixtures.dataPath("ercot_dam_as_mcpc_hourly.csv"))
        inputs.gridEvents = try GridEventHistory.load(path: Fixtures.dataPath("ercot_grid_events.csv"))
        return inputs
    }

    /// NSPIN price per hour (`2023-…T…Z` → USD/MW/h), read from the file without the loader.
    static func nonSpinPrices() throws -> [String: Double] {
        var result: [String: Double] = [:]
        for line in try Fixtures.lines("ercot_dam_as_mcpc_hourly.csv").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if let value = Double(fields[4]) { result[String(fields[0])] = value }
        }
        return result
    }

    static func hourKey(_ time: Timestamp) -> String {
        Timestamp(millisecondsSinceEpoch: time.millisecondsSinceEpoch / 3_600_000 * 3_600_000).iso8601
    }

    @Test("capacity revenue equals awarded MW × clearing price over every hour the price met the floor, computed from the file")
    func settlementMatchesTheData() throws {
        let site = try Self.site()
        let forcedOn = "[{name: on, when: \"true\", then: {force_on: all}}]"
        let result = try Fixtures.replay(try Self.policy(rules: forcedOn), site, from: "2023-01-01", to: "2023-12-31", inputs: Self.inputs.get())
        let prices = try Self.nonSpinPrices()
        let start = result.window.from.millisecondsSinceEpoch
        var expected = 0.0
        var hours = 0
        var eeaHours = Set<String>()
        for h in 0..<8760 {
            let key = Timestamp(millisecondsSinceEpoch: start + Int64(h) * 3_600_000).iso8601
            if let price = prices[key], price >= 5 {
                expected += 0.5 * price
                hours += 1
                if key.hasPrefix("2023-09-07T00") || key.hasPrefix("2023-09-07T01") { eeaHours.insert(key) }
            }
        }
        let reserve = try #require(result.reserve)
        #expect(reserve.awardedHours == hours)
        #expect(abs(reserve.revenueUSD.nonSpin - expected) < 1e-6 * expected, "\(reserve.revenueUSD.nonSpin) vs \(expected)")
        #expect(abs(result.policy.ancillaryRevenueUSD - expected) < 1e-6 * expected)
        #expect(reserve.shortfallMWh == 0, "forced on: the award is always running")
        let t = result.policy
        #expect(abs(t.profitUSD - (t.miningRevenueUSD + t.ancillaryRevenueUSD - t.energyCostUSD - t.transmissionUSD)) < 1e-6)
        // The EEA of 2023-09-06 deployed the award (when the hour was awarded), and it was met.
        #expect(reserve.deployments == (eeaHours.isEmpty ? 0 : 1))
        #expect(reserve.missedDeployments == 0)
        #expect(result.captureRatio <= 1 + 1e-9)
    }

    @Test("offers read the day before's clearing price, never the hour's own")
    func offersAreCausal() throws {
        let site = try Self.site()
        let result = try Fixtures.replay(
            try Self.policy(offerWhen: "nspin_price >= 5", minPrice: "0", rules: "[{name: on, when: \"true\", then: {force_on: all}}]"),
            site,
            from: "2023-03-01",
            to: "2023-03-31",
            inputs: Self.inputs.get()
        )
        let prices = try Self.nonSpinPrices()
        var expected = 0.0
        var own = 0.0
        for h in 0..<(result.intervals / 4) {
            let time = result.window.from.adding(seconds: Double(h) * 3600)
            let yesterday = prices[time.adding(seconds: -86_400).iso8601] ?? .nan
            let today = prices[time.iso8601] ?? .nan
            if yesterday >= 5 { expected += 0.5 * today }
            if today >= 5 { own += 0.5 * today }
        }
        #expect(abs(result.policy.ancillaryRevenueUSD - expected) < 1e-6 * expected)
        #expect(abs(expected - own) > 1, "the test needs days whose prices differ from the day before's")
    }

    @Test("the awarded MW stay running through price spikes (the floor holds); a deployment in the 2023-09-06 EEA drops them")
    func floorAndDeployment() throws {
        let site = try Self.site()
        let result = try Fixtures.replay(try Self.policy(), site, from: "2023-09-01", to: "2023-09-10", inputs: Self.inputs.get(), record: true)
        let detail = try #require(result.detail)
        let prices = try Self.nonSpinPrices()
        let sleep = site.sleepPower.value
        var held = 0
        var deployed = 0
        for (k, time) in detail.time.enumerated() {
            let awarded = (prices[Self.hourKey(time)] ?? 0) >= 5
            let eea = time >= Timestamp(iso8601: "2023-09-07T00:30:00Z")! && time < Timestamp(iso8601: "2023-09-07T01:45:00Z")!
            if awarded && !eea {
                #expect(detail.policyMW[k] >= sleep + 0.5 - 1e-9, "\(time.iso8601): \(detail.policyMW[k]) MW with 0.5 MW awarded")
                if detail.constraints[k].contains("reserve") { held += 1 }
            }
            if awarded && eea {
                deployed += 1
                #expect(detail.policyMW[k] <= 1 - 0.5 + 0.01 + 1e-9, "\(time.iso8601): deployed, yet \(detail.policyMW[k]) MW")
            }
        }
        #expect(held > 0, "no interval where the price alone would have curtailed the award")
        #expect(deployed > 0)
        #expect(result.reserve?.deployments ?? 0 >= 1)
        #expect(result.reserve?.missedDeployments == 0)
        #expect(result.notes.contains { $0.contains("1 EEA period(s) in the window (lines 15)") })
    }

    @Test("the co-optimised oracle bounds the policy, and selling capacity raises what it can earn")
    func oracleBoundsPolicy() throws {
        let loaded = try Fixtures.shipped("ercot-cooptimise")
        let with = try Fixtures.replay(loaded.policy, loaded.site.site, from: "2023-07-01", to: "2023-07-31", inputs: Self.inputs.get())
        let without = try Fixtures.replay(loaded.policy, loaded.site.site, from: "2023-07-01", to: "2023-07-31")
        #expect(with.policy.profitUSD <= with.oracleProfitUSD + 1e-6)
        #expect(with.oracleProfitUSD > without.oracleProfitUSD)
        #expect(with.policy.ancillaryRevenueUSD > 0)
    }

    @Test("each product's first offer whose condition holds is its offer; without min_price any clearing price is accepted")
    func offerSelection() throws {
        let policy = try Fixtures.policy(
            """
            policy: o
            parameters:
              mw: {default: 0.3, min: 0, max: 1, unit: MW}
            ancillary:
              - {product: NSPIN, when: "hour >= 12", offer_mw: 0.4, min_price: 7}
              - {product: NSPIN, offer_mw: mw, min_price: "nspin_price * 2"}
              - {product: ECRS, offer_mw: 0.2}
            """
        )
        var engine = try PolicyEngine(policy: policy, site: try Self.site())
        let morning = Timestamp(iso8601: "2023-03-01T15:00:00Z")!  // 09:00 Central
        let input = OfferInput(hour: morning, hashPrice: 0.07, clearingPrice: ProductValues(nonSpin: 4))
        let offers = engine.ancillaryOffers(input)
        #expect(offers.megawatts.nonSpin == 0.3 && offers.minimumPrice.nonSpin == 8)
        #expect(offers.megawatts.ecrs == 0.2 && offers.minimumPrice.ecrs.isNaN)
        #expect(offers.megawatts.rrs == 0)
        let afternoon = engine.ancillaryOffers(OfferInput(hour: morning.adding(seconds: 4 * 3600), hashPrice: 0.07, clearingPrice: .unknown))
        #expect(afternoon.megawatts.nonSpin == 0.4 && afternoon.minimumPrice.nonSpin == 7)
        // The market: a NaN floor takes any price; a price below the floor awards nothing.
        let awards = AncillaryMarket.awards(
            offeredMW: offers.megawatts,
            floorPrice: offers.minimumPrice,
            clearingPrice: ProductValues(ecrs: 0.5, nonSpin: 7.9),
            qualification: ProductValues(repeating: 1),
            capacityMW: 1
        )
        #expect(awards.ecrs == 0.2 && awards.nonSpin == 0)
    }

    @Test("offers that read what is unknown the day before, unknown products and unqualified sites are refused with line:col")
    func badFiles() {
        func policyError(_ offer: String) -> String {
            do {
                _ = try Fixtures.policy("policy: p\nancillary:\n  - \(offer)\n")
                return "accepted"
            } catch { return "\(error)" }
        }
        #expect(
            policyError("{product: NSPIN, when: rt_price < 50, offer_mw: 1}").contains(
                "test-policy.yaml:3:28: ancillary offer NSPIN when reads rt_price, not known when day-ahead offers are made"
            )
        )
        #expect(
            policyError("{product: NSPIN, when: 'avg(price, 1h) < 50', offer_mw: 1}").contains(
                "test-policy.yaml:3:28: ancillary offer NSPIN when uses a price window"
            )
        )
        #expect(
            policyError("{product: REGDN, offer_mw: 1}").contains("unknown ancillary product 'REGDN' (a load provides Reg-Down by raising its draw")
        )
        #expect(policyError("{product: ECRS, offer_mw: 1, min_price: 5 MW}").contains("min_price"))
        #expect(policyError("{product: ECRS, offer_mw: 1, floor: 5}").contains("test-policy.yaml:3:34: unknown key 'floor'"))

        func siteError(_ section: String) -> String {
            do {
                _ = try Fixtures.site(
                    "site: s\nmarket: ercot\nnode: HB_WEST\nmax_import_mw: 2\ngroups:\n  - {name: g, model: s19jpro, count: 1000, power_w: 1000, hashrate_th: 34}\nancillary:\n\(section)\n"
                )
                return "accepted"
            } catch { return "\(error)" }
        }
        #expect(siteError("  products: {RRS: 0.5}").contains("test-site.yaml:8:14: RRS needs an under-frequency relay"))
        #expect(siteError("  products: {REGUP: 0.5}").contains("REGUP needs a Controllable Load Resource"))
        #expect(siteError("  resource: controllable_load_resource\n  products: {REGUP: 0.5, RRS: 0.5}") == "accepted")
        #expect(siteError("  products: {NSPIN: 5}").contains("test-site.yaml:8:21: ancillary.products.NSPIN = 5 MW is more than the site can drop"))
        #expect(siteError("  products: {SPIN: 1}").contains("unknown ancillary product 'SPIN'"))
    }
}
