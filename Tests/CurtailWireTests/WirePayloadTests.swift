import CurtailCore
import CurtailWire
import Foundation
import Testing

/// Every payload of the MQTT contract encodes and decodes back to itself, strings with quotes,
/// backslashes, control characters and non-ASCII included; the decoders refuse what the
/// contract refuses, with the field named; and what is encoded is JSON any parser reads.
@Suite("wire payloads")
struct WirePayloadTests {
    static let t0 = Timestamp(iso8601: "2023-09-06T23:00:00Z")!
    /// An id that needs escaping in JSON and is legal in a topic level.
    static let awkward = "ERS-\"0817\"\\π\u{1}é"

    /// Encodes, checks the text with Foundation's JSON parser, decodes, compares.
    func roundTrip<P: WirePayload & Equatable>(_ payload: P, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let bytes = try payload.encode()
        if !(payload is ControllerStatus) {
            #expect(
                (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] != nil,
                "not a JSON object: \(String(decoding: bytes, as: UTF8.self))",
                sourceLocation: sourceLocation
            )
        }
        let decoded = try P(decoding: bytes)
        #expect(decoded == payload, "\(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation)
    }

    @Test("price, hash price, frequency, meter, telemetry, clock")
    func signals() throws {
        try roundTrip(PricePayload(intervalStart: Self.t0, intervalMinutes: 15, priceUSDPerMWh: 5223.36))
        try roundTrip(PricePayload(intervalStart: Self.t0, intervalMinutes: 60, priceUSDPerMWh: -12.5, kind: .dayAhead))
        try roundTrip(HashPricePayload(ts: Self.t0, usdPerTHDay: 0.05213))
        try roundTrip(FrequencyPayload(ts: Self.t0, hz: 59.68))
        try roundTrip(MeterPayload(ts: Self.t0, powerKW: 9580.5))
        try roundTrip(TelemetryPayload(ts: Self.t0, powerKW: 300.5, hashrateTH: 10_400, minersRunning: 100, appliedSeq: 17))
        try roundTrip(ClockAnnouncement(start: Self.t0, rate: 1440, wallOrigin: Self.t0.adding(seconds: 0.25)))
    }

    @Test("event, cancellation and the events topic's reader; alerts with a typed kind")
    func eventsAndAlerts() throws {
        let event = GridEvent(
            id: Self.awkward,
            program: "ERS-10",
            start: Self.t0,
            end: Self.t0.adding(seconds: 3600),
            target: .maximum(Megawatts(0.5))
        )
        try roundTrip(EventPayload(event))
        var reduction = event
        reduction.target = .reduction(Megawatts(4))
        try roundTrip(EventPayload(reduction))
        try roundTrip(EventCancellation(id: Self.awkward))
        #expect(try GridEventMessage(decoding: EventCancellation(id: "X").encode()) == .cancellation(EventCancellation(id: "X")))
        #expect(try GridEventMessage(decoding: EventPayload(event).encode()) == .event(EventPayload(event)))
        #expect(throws: Rejection.self) { try EventPayload(decoding: EventCancellation(id: "X").encode()) }

        let alert = GridAlert(kind: .fourCP, probability: 0.7, start: Self.t0, end: Self.t0.adding(seconds: 3600))
        try roundTrip(AlertPayload.fourCP(alert))
        try roundTrip(AlertPayload.eea(level: 2, at: Self.t0))
        try roundTrip(AlertPayload.eea(level: 0, at: nil))
        #expect(AlertPayload.fourCP(alert).kind == .fourCP && AlertPayload.Kind.allCases.map(\.rawValue) == ["4cp", "eea"])
    }

    @Test("command, state, event report with a typed status, rejection, controller status")
    func controllerOutputs() throws {
        let command = CommandPayload(
            seq: 18,
            issuedAt: Self.t0,
            expiresAt: Self.t0.adding(seconds: 180),
            minersRunning: 80,
            powerTargetW: 3068,
            targetKW: 245.4,
            reason: "price 95 > break-even \"83\" \\ π"
        )
        try roundTrip(command)
        let state = StatePayload(
            ts: Self.t0,
            site: "west-texas-1",
            policy: "dual \"strike\"",
            seq: 42,
            targetMW: 9.6,
            priceUSDPerMWh: 85,
            priceIntervalStart: Self.t0,
            priceAgeSeconds: 12,
            hashpriceUSDPerTHDay: 0.05213,
            capMW: 0.5,
            constraints: ["cap", "ramp_up"],
            rules: ["grid-event"],
            frequencyHz: 60.01,
            eea: 2,
            cpAlert: true,
            groups: [
                StatePayload.Group(
                    name: "s21",
                    targetKW: 3068,
                    measuredKW: 3050.2,
                    minersRunning: 1000,
                    breakEvenUSDPerMWh: 83.12,
                    reason: "on",
                    seq: 41
                ),
                StatePayload.Group(name: "s19jpro"),
            ],
            activeEvents: [
                StatePayload.Event(
                    id: Self.awkward,
                    program: "ERS-10",
                    start: Self.t0,
                    end: Self.t0.adding(seconds: 3600),
                    targetMW: 0.5,
                    baselineMW: 9.6,
                    acknowledgedAt: Self.t0,
                    reachedAt: Self.t0.adding(seconds: 20),
                    measuredMWSeconds: 12.5,
                    measuredSeconds: 40
                )
            ],
            counters: StatePayload.Counters(
                decisions: 5,
                commands: 7,
                accepted: 100,
                duplicates: 2,
                rejected: ["out_of_range": 1, "weird \"kind\"": 2]
            )
        )
        try roundTrip(state)
        for status in ObligationStatus.allCases {
            try roundTrip(
                EventReportPayload(
                    id: Self.awkward,
                    program: "ERS-10",
                    status: status,
                    ts: Self.t0,
                    start: Self.t0,
                    end: Self.t0.adding(seconds: 3600),
                    acknowledgedAt: Self.t0,
                    responseSeconds: 600,
                    baselineMW: 9.6,
                    targetMW: 0.5,
                    achievedMW: status == .acknowledged ? nil : 0.3,
                    secondsToTarget: status == .acknowledged ? nil : 20,
                    performanceFactor: status == .acknowledged ? nil : 1,
                    met: status == .acknowledged ? nil : true
                )
            )
        }
        try roundTrip(
            RejectedPayload(
                ts: Self.t0,
                topic: "grid/ercot/HB_WEST/price",
                rejection: Rejection(.outOfRange, "price \"x\" π"),
                payload: Array("{\"p\":\"\\\"".utf8)
            )
        )
        try roundTrip(ControllerStatus.online)
        try roundTrip(ControllerStatus.offline)
        #expect(throws: Rejection.self) { try ControllerStatus(decoding: Array("maybe".utf8)) }
    }

    @Test("a number JSON cannot carry is refused, never written")
    func nonFinite() {
        for value in [Double.nan, .infinity, -.infinity] {
            #expect(throws: WireError.nonFinite(payload: "telemetry", field: "power_kw")) {
                try TelemetryPayload(ts: Self.t0, powerKW: value, hashrateTH: 0, minersRunning: 0, appliedSeq: 0).encode()
            }
            var state = StatePayload(ts: Self.t0, site: "s", policy: "p", seq: 1)
            state.activeEvents = [
                StatePayload.Event(id: "E", program: "ERS-10", start: Self.t0, end: Self.t0, targetMW: value, baselineMW: 1, acknowledgedAt: Self.t0)
            ]
            #expect(throws: WireError.nonFinite(payload: "state", field: "active_events[0].target_mw")) { try state.encode() }
        }
    }

    @Test(
        "refusals name the field and the contract's limit",
        arguments: [
            (
                "{\"interval_start\":\"2023-09-06T14:45:00Z\",\"interval_minutes\":15,\"price_usd_per_mwh\":25000}", Rejection.Kind.outOfRange,
                "price_usd_per_mwh"
            ),
            ("{\"interval_start\":\"2023-09-06T14:45:00Z\",\"interval_minutes\":15,\"price_usd_per_mwh\":\"5\"}", .wrongType, "price_usd_per_mwh"),
            ("{\"interval_start\":\"2023-09-06T14:45:00Z\",\"interval_minutes\":15,\"price_usd_per_mwh\":5,\"kind\":\"id\"}", .unknownKind, "kind"),
            ("{\"interval_minutes\":15,\"price_usd_per_mwh\":5}", .missingField, "interval_start"),
            ("[1,2]", .malformed, "JSON object"),
        ]
    )
    func priceRefusals(payload: String, kind: Rejection.Kind, names: String) {
        #expect {
            try PricePayload(decoding: Array(payload.utf8))
        } throws: { error in
            guard let rejection = error as? Rejection else { return false }
            return rejection.kind == kind && rejection.reason.contains(names)
        }
    }

    @Test("the edges of the one price range are accepted; just past them is refused")
    func priceRange() throws {
        for (price, accepted) in [(20_000.0, true), (-10_000, true), (20_000.5, false), (-10_000.5, false)] {
            let payload = PricePayload(intervalStart: Self.t0, intervalMinutes: 15, priceUSDPerMWh: price)
            #expect(((try? PricePayload(decoding: payload.encode())) != nil) == accepted, "\(price)")
        }
    }
}
