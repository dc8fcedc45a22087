import CurtailController
import CurtailCore
import CurtailPolicyFiles
import CurtailWire
import Testing

/// Ancillary awards live, through ``ControllerCore`` on a manual clock: the floor they hold,
/// deployments that drop them, refusals, and the state that carries them over a restart.
@Suite("ancillary awards in the controller")
struct AwardTests {
    static func award(_ id: String, _ product: AncillaryProduct, _ mw: Double, from start: Timestamp, hours: Double = 1) -> AwardPayload {
        AwardPayload(AncillaryAward(id: id, product: product, megawatts: mw, start: start, end: start.adding(seconds: hours * 3600), price: 14.5))
    }

    /// Site load the commands in force add up to, MW.
    static func commandedMW(_ h: CoreHarness) -> Double { h.core.commands.reduce(0) { $0 + ($1?.targetKW ?? 0) } / 1000 }

    @Test("an award holds its MW running through a price spike; it lifts when the award ends")
    func floorHolds() throws {
        var h = try ControllerCoreTests.running()
        let sleep = h.settings.site.sleepPower.value
        let step = h.send(h.topics.awards, Self.award("DAM-ECRS-1", .ecrs, 5, from: h.now, hours: 1))
        #expect(step.notes.contains { $0.contains("ancillary award DAM-ECRS-1: ECRS 5.0 MW") })
        h.price(5000, after: 60)
        #expect(Self.commandedMW(h) >= sleep + 5 - 1e-6, "\(Self.commandedMW(h)) MW with 5 MW awarded")
        #expect(h.core.decision.constraints.contains(.reserve))
        #expect(h.core.decision.groups.contains { $0.reason == .reserve })
        // The award ends: price response takes the site down.
        h.tick(after: 3600)
        h.price(5000, after: 1)
        #expect(Self.commandedMW(h) < sleep + 0.1)
        #expect(h.core.awards.awards.isEmpty)
    }

    @Test("a deployment of the awarded product drops the awarded MW; the other award stays held")
    func deployment() throws {
        var h = try ControllerCoreTests.running()
        h.send(h.topics.awards, Self.award("A-NSPIN", .nonSpin, 2, from: h.now, hours: 2))
        h.send(h.topics.awards, Self.award("A-ECRS", .ecrs, 4, from: h.now, hours: 2))
        h.price(30, after: 10)
        let before = Self.commandedMW(h)
        let deployment = GridEvent(id: "ECRS-77", program: "ECRS", start: h.now, end: h.now.adding(seconds: 1800), target: .reduction(Megawatts(4)))
        h.send(h.topics.events, EventPayload(deployment), after: 5)
        h.price(5000, after: 5)
        let sleep = h.settings.site.sleepPower.value
        let during = Self.commandedMW(h)
        #expect(during <= before - 4 + 1e-6, "deployed: \(during) MW from \(before) MW")
        #expect(during >= sleep + 2 - 1e-6, "the Non-Spin award stays running: \(during) MW")
        let reserve = h.core.reserveObligation(at: h.now)
        #expect(reserve.awardedMW == 6 && reserve.heldMW == 2)
    }

    @Test("awards the site cannot deliver are refused on 'rejected' with the reason, and not held")
    func refusals() throws {
        var h = try ControllerCoreTests.running()
        func refusal(_ payload: AwardPayload) -> String? {
            let step = h.send(h.topics.awards, payload)
            return step.rejections.first?.1.reason
        }
        #expect(refusal(Self.award("R1", .regulationUp, 1, from: h.now))?.contains("not qualified for REGUP") == true)
        #expect(refusal(Self.award("R2", .rrs, 6, from: h.now))?.contains("more than the 5.0 MW of RRS the site may deliver") == true)
        #expect(refusal(Self.award("R3", .rrs, 5, from: h.now)) == nil)
        let over = refusal(Self.award("R4", .ecrs, 5, from: h.now.adding(seconds: 1800)))
        #expect(over?.contains("5.0 MW on top of 5.0 MW already awarded") == true, "\(over ?? "accepted")")
        #expect(refusal(Self.award("R5", .ecrs, 4, from: h.now.adding(seconds: 3600))) == nil, "after R3 ends there is room")
        let malformed = h.send(
            h.topics.awards,
            #"{"id": "X", "product": "REGDN", "mw": 1, "start": "2023-09-06T15:00:00Z", "end": "2023-09-06T16:00:00Z", "price_usd_per_mw_h": 3}"#
        )
        #expect(malformed.rejections.first?.1.kind == .unknownProgram)
        #expect(h.core.awards.awards.keys.sorted() == ["R3", "R5"])
        #expect(h.core.counters.rejected["out_of_range", default: 0] == 3)
    }

    @Test("the state carries the awards: a restarted controller holds them again")
    func restart() throws {
        var h = try ControllerCoreTests.running()
        h.send(h.topics.awards, Self.award("KEEP", .ecrs, 3, from: h.now, hours: 2))
        h.price(30, after: 10)
        let state = try #require(h.tick(after: 2).messages.first { $0.topic == h.topics.state })
        let decoded = try StatePayload(decoding: state.payload)
        #expect(decoded.awards.map(\.id) == ["KEEP"])
        var restarted = try CoreHarness(start: h.now.adding(seconds: 30), restoring: true)
        restarted.send(restarted.topics.state, String(decoding: state.payload, as: UTF8.self))
        #expect(restarted.core.awards.awards["KEEP"]?.megawatts == 3)
    }
}
