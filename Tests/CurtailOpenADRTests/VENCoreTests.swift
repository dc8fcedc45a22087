import CurtailCore
import CurtailOpenADR
import CurtailPolicyFiles
import CurtailWire
import Testing

@Suite("VEN core: VTN events into the grid contract")
struct VENCoreTests {
    static let t0 = Timestamp(iso8601: "2026-12-03T18:00:00Z")!

    static func settings() -> OpenADRSettings {
        var settings = OpenADRSettings(version: .v2_0b, vtnURL: "http://vtn", venName: "west-texas-1")
        settings.levels = [1: .fractionOfRunningLoad(0.75), 2: .megawatts(6), 3: .megawatts(0)]
        return settings
    }

    static func core(_ settings: OpenADRSettings = settings(), measuredMW: Double? = 9.6) -> VENCore {
        var core = VENCore(settings: settings, siteMaxMW: 10)
        core.site = SiteObservation(measuredMW: measuredMW, controllerOnline: true)
        return core
    }

    static func event(
        _ id: String = "ev-1",
        modification: Int = 0,
        status: DREvent.Status = .scheduled,
        from start: Double = 600,
        minutes: Double = 60,
        _ signals: [DRSignal] = [.simple(2)]
    ) -> DREvent {
        DREvent(
            id: id,
            modification: modification,
            program: "oadr://utility/dr",
            status: status,
            intervals: [DRInterval(start: t0.adding(seconds: start), end: t0.adding(seconds: start + minutes * 60), signals: signals)]
        )
    }

    static func published(_ step: VENStep) -> [GridEvent] {
        step.actions.compactMap { if case .publishEvent(let e) = $0 { e } else { nil } }
    }

    static func responses(_ step: VENStep) -> [EventResponse] {
        step.actions.compactMap { if case .respond(let r) = $0 { r } else { nil } }
    }

    @Test func aLevelTwoEventBecomesTheMappedCapWithTheVTNsID() throws {
        var core = Self.core()
        let step = core.receive([Self.event()], at: Self.t0)
        let response = try #require(Self.responses(step).first)
        #expect(response.optIn && response.code == 200 && response.eventID == "ev-1")
        let event = try #require(Self.published(step).first)
        #expect(event.id == "ev-1")
        #expect(event.program == "OpenADR")
        #expect(event.target == .maximum(Megawatts(6)))
        #expect(event.start == Self.t0.adding(seconds: 600))
        #expect(event.end == Self.t0.adding(seconds: 600 + 3600))
        // The same listing again: nothing new.
        #expect(core.receive([Self.event()], at: Self.t0.adding(seconds: 10)).actions.isEmpty)
    }

    @Test func aShareOfTheRunningLoadIsFrozenWhenTheEventArrives() throws {
        var core = Self.core(measuredMW: 8)
        let step = core.receive([Self.event("ev-1", [.simple(1)])], at: Self.t0)
        #expect(Self.published(step).first?.target == .maximum(Megawatts(6)))  // 75 % of 8 MW
        core.site.measuredMW = 4
        #expect(Self.published(core.tick(at: Self.t0.adding(seconds: 700))).isEmpty)
    }

    @Test func aModificationChangesTheCapAndACancellationLiftsIt() throws {
        var core = Self.core()
        _ = core.receive([Self.event()], at: Self.t0)
        let modified = core.receive([Self.event(modification: 1, [.simple(3)])], at: Self.t0.adding(seconds: 60))
        #expect(Self.published(modified).first?.target == .maximum(Megawatts(0)))
        #expect(Self.responses(modified).first?.modification == 1)
        let older = core.receive([Self.event(modification: 0)], at: Self.t0.adding(seconds: 70))
        #expect(Self.responses(older).first?.code == 450)
        #expect(Self.published(older).isEmpty)
        let cancelled = core.receive([Self.event(modification: 2, status: .cancelled)], at: Self.t0.adding(seconds: 80))
        #expect(cancelled.actions.contains(.cancelEvent(id: "ev-1")))
        #expect(core.tracked.isEmpty)
    }

    @Test func anEventTheVTNStopsListingIsKeptUntilItsEnd() {
        var core = Self.core()
        _ = core.receive([Self.event()], at: Self.t0)
        let silent = core.receive([], at: Self.t0.adding(seconds: 1200))
        #expect(!silent.actions.contains(.cancelEvent(id: "ev-1")))
        #expect(core.tracked["ev-1"] != nil)
        let ended = core.tick(at: Self.t0.adding(seconds: 600 + 3600))
        #expect(ended.notes.contains("event ev-1 ended"))
        #expect(!ended.actions.contains(.cancelEvent(id: "ev-1")))  // the controller closes it at its end
        #expect(core.tracked.isEmpty)
    }

    @Test(
        arguments: [
            (Self.event(from: -7200), 454, "ended"),
            (Self.event("ev-1", [.simple(7)]), 454, "SIMPLE level 7"),
            (Self.event("ev-1", [.simple(1.5)]), 454, "SIMPLE level 1.5"),
            (Self.event("ev-1", [.unsupported("BID_LOAD/setpoint")]), 460, "BID_LOAD/setpoint"),
            (Self.event("ev-1", [.importLimit(kilowatts: -5)]), 454, "import limit"),
            (Self.event(minutes: 60 * 30), 454, "longer than a day"),
            (Self.event("ev/1"), 452, "cannot name a grid event"),
            (Self.event("ev-1", [.price(usdPerMWh: 1e9)]), 454, "out of range"),
        ]
    )
    func badEventsAreRefusedWithACodeAndNoCap(event: DREvent, code: Int, reason: String) throws {
        var core = Self.core()
        let step = core.receive([event], at: Self.t0)
        let response = try #require(Self.responses(step).first)
        #expect(!response.optIn)
        #expect(response.code == code)
        #expect(response.reason.contains(reason), "\(response.reason)")
        #expect(step.refusals.count == 1)
        #expect(Self.published(step).isEmpty)
        #expect(core.tick(at: Self.t0.adding(seconds: 900)).actions.isEmpty)
        // Listed again unchanged (a 3.1 poll): answered once, not again.
        #expect(core.receive([event], at: Self.t0.adding(seconds: 1)).actions.isEmpty)
    }

    @Test func anEventOverlappingAnAcceptedCapIsRefused() throws {
        var core = Self.core()
        _ = core.receive([Self.event()], at: Self.t0)
        let step = core.receive([Self.event(), Self.event("ev-2", from: 1800)], at: Self.t0.adding(seconds: 5))
        let response = try #require(Self.responses(step).first)
        #expect(response.eventID == "ev-2" && response.code == 454 && response.reason.contains("overlaps event ev-1"))
        // Back to back is fine.
        let next = core.receive([Self.event("ev-3", from: 600 + 3600)], at: Self.t0.adding(seconds: 6))
        #expect(Self.responses(next).first?.optIn == true)
    }

    @Test func aVoluntaryEventIsDeclinedWhenItPaysLessThanTheMiningMargin() throws {
        var settings = Self.settings()
        settings.voluntaryPrograms = ["oadr://utility/dr"]
        settings.paymentUSDPerMWh = 40
        var core = Self.core(settings)
        core.site.marginUSDPerMWh = 55
        let declined = core.receive([Self.event()], at: Self.t0)
        let response = try #require(Self.responses(declined).first)
        #expect(!response.optIn && response.code == 200)
        #expect(response.reason.contains("pays 40.0 $/MWh, below the mining margin of 55.0 $/MWh"))
        #expect(Self.published(declined).isEmpty)
        // An event that carries a better BID_PRICE is taken.
        let paid = core.receive([Self.event("ev-2", from: 7200, [.simple(2), .payment(usdPerMWh: 90)])], at: Self.t0)
        #expect(Self.responses(paid).first?.optIn == true)
        #expect(Self.published(paid).first?.id == "ev-2")
    }

    @Test func aTestEventIsAnsweredAndNeverActedOn() throws {
        var core = Self.core()
        var event = Self.event()
        event.testEvent = true
        let step = core.receive([event], at: Self.t0)
        #expect(Self.responses(step).first?.optIn == true)
        #expect(Self.published(step).isEmpty)
        #expect(core.tick(at: Self.t0.adding(seconds: 900)).actions.isEmpty)
    }

    @Test func rampUpMovesTheStartEarlierAndRandomisationIsStable() throws {
        var core = Self.core()
        var event = Self.event()
        event.rampUpSeconds = 300
        event.randomizeSeconds = 120
        let first = try #require(Self.published(core.receive([event], at: Self.t0)).first)
        let offset = first.start.seconds(since: Self.t0.adding(seconds: 600 - 300))
        #expect(offset > 0 && offset <= 120, "moved by the randomisation, within startafter: \(offset)")
        var again = Self.core()
        #expect(Self.published(again.receive([event], at: Self.t0)).first == first)
    }

    @Test func intervalsChangeTheCapAsTheyComeAndGo() throws {
        var core = Self.core()
        let event = DREvent(
            id: "ev-m",
            program: "p",
            intervals: [
                DRInterval(start: Self.t0, end: Self.t0.adding(seconds: 900), signals: [.simple(1)]),
                DRInterval(start: Self.t0.adding(seconds: 900), end: Self.t0.adding(seconds: 1800), signals: [.importLimit(kilowatts: 2500)]),
                DRInterval(start: Self.t0.adding(seconds: 1800), end: Self.t0.adding(seconds: 2700), signals: [.simple(0)]),
            ]
        )
        #expect(Self.published(core.receive([event], at: Self.t0)).first?.target == .maximum(Megawatts(7.2)))
        #expect(Self.published(core.tick(at: Self.t0.adding(seconds: 900))).first?.target == .maximum(Megawatts(2.5)))
        #expect(Self.published(core.tick(at: Self.t0.adding(seconds: 1800))).first?.target == .maximum(Megawatts(10)))
    }

    @Test func pricesAndGridEmergenciesBecomeContractInputs() throws {
        var core = Self.core()
        let event = DREvent(
            id: "ev-p",
            program: "tariff",
            intervals: [
                DRInterval(start: Self.t0, end: Self.t0.adding(seconds: 3600), signals: [.price(usdPerMWh: 170)]),
                DRInterval(start: Self.t0, end: Self.t0.adding(seconds: 1800), signals: [.gridEmergency]),
            ]
        )
        let step = core.receive([event], at: Self.t0.adding(seconds: 1))
        #expect(step.actions.contains(.publishEEA(level: 2)))
        #expect(step.actions.contains(.publishPrice(PricePayload(intervalStart: Self.t0, intervalMinutes: 60, priceUSDPerMWh: 170, kind: .dayAhead))))
        #expect(Self.published(step).isEmpty)
        #expect(core.tick(at: Self.t0.adding(seconds: 1800)).actions == [.publishEEA(level: 0)])
    }
}
