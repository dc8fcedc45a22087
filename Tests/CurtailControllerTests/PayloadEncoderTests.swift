import Testing

@testable import CurtailController

/// Outgoing payloads with a number JSON cannot carry are refused, never a crash on the publish path.
@Suite("PayloadEncoder")
struct PayloadEncoderTests {
    static func report(responseSeconds: Double) -> PublishedEventReport {
        PublishedEventReport(
            id: "ERS-\"1\"",
            program: "ERS-10",
            status: "acknowledged",
            ts: "2023-09-06T23:00:00Z",
            start: "2023-09-06T23:00:00Z",
            end: "2023-09-07T00:00:00Z",
            acknowledgedAt: "2023-09-06T23:00:00Z",
            responseSeconds: responseSeconds
        )
    }

    @Test("a non-finite number gives no payload; a finite one encodes", arguments: [Double.nan, .infinity, -.infinity])
    func nonFinite(value: Double) throws {
        #expect(PayloadEncoder.encode(Self.report(responseSeconds: value)) == nil)
        let good = try #require(PayloadEncoder.encode(Self.report(responseSeconds: 600)))
        #expect(String(decoding: good, as: UTF8.self).contains("\"response_seconds\":600"))
    }
}
