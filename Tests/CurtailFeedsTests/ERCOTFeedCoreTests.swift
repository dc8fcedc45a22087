import CurtailCore
import CurtailFeeds
import CurtailWire
import Testing

/// The feed's sequencing, on an injected clock.
@Suite("ERCOT feed core")
struct ERCOTFeedCoreTests {
    static let t0 = Timestamp(iso8601: "2024-07-01T17:00:00Z")!

    static func at(_ minutes: Double) -> Timestamp { t0.adding(seconds: minutes * 60) }

    static func sced(_ interval: Double, run: Int, _ price: Double) -> ERCOTPrice {
        ERCOTPrice(source: .sced, intervalStart: at(interval), price: price, scedAt: at(interval).adding(seconds: Double(run * 300 + 10)))
    }

    static func spp(_ interval: Double, _ price: Double) -> ERCOTPrice { ERCOTPrice(source: .settlement, intervalStart: at(interval), price: price) }

    /// The prices published, as `(minutes after t0, status, price, retained)`.
    static func prices(_ actions: [ERCOTFeedCore.Action]) -> [String] {
        actions.compactMap {
            guard case .publishPrice(let p, let retain) = $0 else { return nil }
            return "\(Int(t0.duration(to: p.intervalStart) / .seconds(60))) \(p.status.rawValue) \(p.priceUSDPerMWh)\(retain ? "" : " not-retained")"
        }
    }

    @Test("SCED runs are provisional revisions of the running interval; its final arrives after the next interval began")
    func provisionalThenFinal() {
        var core = ERCOTFeedCore()
        var actions = core.receive([Self.sced(0, run: 0, 30)], source: .sced, at: Self.at(0.5))
        #expect(Self.prices(actions) == ["0 provisional 30.0"])
        #expect(actions.contains(.publishStatus(PriceFeedStatusPayload(ts: Self.at(0.5), state: .ok, lastIntervalStart: Self.at(0)))))
        // The same run read again, and an unchanged price from a later run: nothing new.
        #expect(Self.prices(core.receive([Self.sced(0, run: 0, 30)], source: .sced, at: Self.at(2))).isEmpty)
        #expect(Self.prices(core.receive([Self.sced(0, run: 0, 30), Self.sced(0, run: 1, 30)], source: .sced, at: Self.at(6))).isEmpty)
        actions = core.receive([Self.sced(0, run: 2, 45)], source: .sced, at: Self.at(11))
        guard case .publishPrice(let revised, _)? = actions.first else { Issue.record("no price"); return }
        #expect(revised.status == .provisional && revised.revision == 610 && revised.priceUSDPerMWh == 45)
        #expect(Self.prices(core.receive([Self.sced(15, run: 0, 50)], source: .sced, at: Self.at(15.5))) == ["15 provisional 50.0"])
        // The settlement price of 0-15 arrives at 16: published, not retained (15 is newer).
        actions = core.receive([Self.spp(0, 40)], source: .settlement, at: Self.at(16))
        #expect(Self.prices(actions) == ["0 final 40.0 not-retained"])
        // A late SCED run of the finished interval is never published.
        #expect(Self.prices(core.receive([Self.sced(0, run: 2, 99)], source: .sced, at: Self.at(17))).isEmpty)
        #expect(core.skippedLate == 0)
    }

    @Test("a corrected settlement price is republished as corrected; an older final after a newer one is not published")
    func correctionsAndOrder() {
        var core = ERCOTFeedCore()
        _ = core.receive([Self.spp(0, 40), Self.spp(15, 41)], source: .settlement, at: Self.at(31))  // start-up: only 15 published
        #expect(Self.prices(core.receive([Self.spp(15, 41)], source: .settlement, at: Self.at(36))).isEmpty)
        let corrected = core.receive([Self.spp(0, 38.5), Self.spp(15, 41)], source: .settlement, at: Self.at(40))
        #expect(Self.prices(corrected) == ["0 corrected 38.5 not-retained"])
        #expect(corrected.contains { if case .note(let text) = $0 { text.contains("corrected") } else { false } })
        // An interval older than the newest final that the feed never saw: skipped and counted.
        let late = core.receive([Self.spp(-15, 20)], source: .settlement, at: Self.at(41))
        #expect(Self.prices(late).isEmpty)
        #expect(core.skippedLate == 1)
        #expect(Self.prices(core.receive([Self.spp(30, 42)], source: .settlement, at: Self.at(46))) == ["30 final 42.0"])
    }

    @Test("start-up publishes only the newest interval of the first answer")
    func startUpSeeds() {
        var core = ERCOTFeedCore()
        let first = core.receive([Self.spp(0, 40), Self.spp(15, 41), Self.spp(30, 42)], source: .settlement, at: Self.at(46))
        #expect(Self.prices(first) == ["30 final 42.0"])
    }

    @Test("stale after two intervals without a new one, ok again when one arrives, said once each")
    func staleness() {
        var core = ERCOTFeedCore(staleAfter: .seconds(1800))
        _ = core.receive([Self.sced(0, run: 0, 30)], source: .sced, at: Self.at(0.5))
        #expect(core.tick(at: Self.at(30)).isEmpty)
        let stale = core.tick(at: Self.at(31))
        guard case .publishStatus(let status)? = stale.first else { Issue.record("no status"); return }
        #expect(status.state == .stale && status.lastIntervalStart == Self.at(0))
        #expect(core.tick(at: Self.at(40)).isEmpty)
        let back = core.receive([Self.sced(45, run: 0, 31)], source: .sced, at: Self.at(45.5))
        #expect(back.contains { if case .publishStatus(let s) = $0 { s.state == .ok } else { false } })
    }

    @Test("revisions only grow: a final outranks every provisional, a later correction outranks the first")
    func revisionsGrow() {
        var core = ERCOTFeedCore()
        var published: [PricePayload] = []
        func take(_ actions: [ERCOTFeedCore.Action]) {
            for case .publishPrice(let p, _) in actions { published.append(p) }
        }
        take(core.receive([Self.sced(0, run: 0, 30)], source: .sced, at: Self.at(0.5)))
        take(core.receive([Self.sced(0, run: 1, 31)], source: .sced, at: Self.at(5.5)))
        take(core.receive([Self.spp(0, 40)], source: .settlement, at: Self.at(16)))
        take(core.receive([Self.spp(0, 41)], source: .settlement, at: Self.at(21)))
        take(core.receive([Self.spp(0, 42)], source: .settlement, at: Self.at(26)))
        #expect(published.map(\.status) == [.provisional, .provisional, .final, .corrected, .corrected])
        let observations = published.map {
            PriceObservation(intervalStart: $0.intervalStart, price: USDPerMWh($0.priceUSDPerMWh), status: $0.status, revision: $0.revision)
        }
        for (earlier, later) in zip(observations, observations.dropFirst()) { #expect(later.supersedes(earlier)) }
    }
}
