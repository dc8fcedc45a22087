import CurtailController
import CurtailCore
import CurtailWire
import Testing

/// The controller's small state machines on their own, and the defect the obligation book fixes.
@Suite("Controller sub-machines")
struct SubMachineTests {
    static let t0 = Timestamp(iso8601: "2023-09-06T15:00:00Z")!

    @Test("the relay trips below the setting, holds while the frequency is low, releases after the recovery time")
    func relay() {
        let settings = ControllerConfiguration.UnderFrequencyTrip(tripHz: 59.7, shedMW: 4, recoverHz: 59.9, recoverAfter: .seconds(600))
        var relay = UnderFrequencyRelay(settings: settings)
        #expect(relay.observe(hz: 59.8, at: Self.t0, now: Self.t0, measuredMW: 9) == .none)
        guard case .trip(let cap, _) = relay.observe(hz: 59.6, at: Self.t0.adding(seconds: 1), now: Self.t0.adding(seconds: 1), measuredMW: 9) else {
            Issue.record("no trip at 59.6 Hz")
            return
        }
        #expect(cap == 5 && relay.isTripped, "shed 4 MW from the 9 measured")
        #expect(relay.observe(hz: 60, at: Self.t0.adding(seconds: 10), now: Self.t0.adding(seconds: 10), measuredMW: 5) == .none)
        // A dip below the recovery setting restarts the recovery clock.
        #expect(relay.observe(hz: 59.85, at: Self.t0.adding(seconds: 300), now: Self.t0.adding(seconds: 300), measuredMW: 5) == .none)
        #expect(relay.observe(hz: 60, at: Self.t0.adding(seconds: 301), now: Self.t0.adding(seconds: 301), measuredMW: 5) == .none)
        #expect(relay.observe(hz: 60, at: Self.t0.adding(seconds: 900), now: Self.t0.adding(seconds: 900), measuredMW: 5) == .none)
        guard case .release = relay.observe(hz: 60, at: Self.t0.adding(seconds: 901), now: Self.t0.adding(seconds: 901), measuredMW: 5) else {
            Issue.record("no release after 600 s at or above 59.9 Hz")
            return
        }
        #expect(!relay.isTripped)
        var none = UnderFrequencyRelay(settings: nil)
        #expect(none.observe(hz: 55, at: Self.t0, now: Self.t0, measuredMW: 9) == .none, "a site without a relay never trips")
    }

    @Test("closed ids are remembered until their event ends, then pruned one by one; unknown ids for a bounded horizon")
    func book() {
        var book = ObligationBook()
        let event = GridEvent(id: "E1", program: "ERS-10", start: Self.t0, end: Self.t0.adding(seconds: 3600), target: .maximum(Megawatts(1)))
        book.put(Obligation(event: event, responseSeconds: 600, baselineMW: 9, targetMW: 1, acknowledgedAt: Self.t0))
        #expect(book.close("E1", at: Self.t0.adding(seconds: 60)) != nil)
        #expect(book.close("X", at: Self.t0.adding(seconds: 60)) == nil, "a cancellation of an event never seen")
        book.prune(at: Self.t0.adding(seconds: 3599))
        #expect(book.isClosed("E1") && book.isClosed("X"))
        book.prune(at: Self.t0.adding(seconds: 3600))
        #expect(!book.isClosed("E1") && book.isClosed("X"), "E1 forgotten at its end; X still remembered")
        book.prune(at: Self.t0.adding(seconds: 60).advanced(by: ObligationBook.unknownCancellationHorizon))
        #expect(!book.isClosed("X"))
    }

    @Test("a redelivered copy of a cancelled event stays a duplicate however many other cancellations came in between")
    func cancelledStaysCancelled() throws {
        var h = try CoreHarness()
        h.hashPrice()
        h.price(30)
        let start = h.now.adding(seconds: 60)
        let event = EventPayload(
            GridEvent(id: "ERS-C", program: "ERS-10", start: start, end: start.adding(seconds: 7200), target: .maximum(Megawatts(1)))
        )
        #expect(h.send(h.topics.events, event).notes.contains { $0.contains("acknowledged") })
        #expect(h.send(h.topics.events, EventCancellation(id: "ERS-C")).closedObligations.count == 1)
        // More cancellations of other ids than the old wholesale wipe allowed (10,000).
        for k in 0..<10_050 { h.send(h.topics.events, EventCancellation(id: "OTHER-\(k)")) }
        let duplicates = h.core.counters.duplicates
        let again = h.send(h.topics.events, event, after: 1)
        #expect(again.messages.isEmpty && again.notes.isEmpty, "the copy is not acknowledged again: \(again.notes)")
        #expect(h.core.counters.duplicates == duplicates + 1 && h.core.obligations.isEmpty)
    }
}
