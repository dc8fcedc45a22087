import CurtailCore
import Foundation
import Testing

@testable import CurtailOpenADR

@Suite("OpenADR 2.0b messages")
struct OADR2MessageTests {
    /// An `oadrDistributeEvent` as openleadr 0.5.36's VTN sent it (captured on loopback), with a
    /// ramp-up and a start tolerance added.
    static let distribute = """
        <?xml version="1.0" encoding="utf-8"?>
        <oadr:oadrPayload xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07">
        <oadr:oadrSignedObject xmlns:oadr="http://openadr.org/oadr-2.0b/2012/07" oadr:Id="oadrSignedObject"><oadr:oadrDistributeEvent ei:schemaVersion="2.0b" xmlns:ei="http://docs.oasis-open.org/ns/energyinterop/201110"><ei:eiResponse><ei:responseCode>200</ei:responseCode><ei:responseDescription>OK</ei:responseDescription><requestID xmlns="http://docs.oasis-open.org/ns/energyinterop/201110/payloads">None</requestID></ei:eiResponse><requestID xmlns="http://docs.oasis-open.org/ns/energyinterop/201110/payloads">154ef45e</requestID><ei:vtnID>vtn1</ei:vtnID><oadr:oadrEvent><ei:eiEvent><ei:eventDescriptor><ei:eventID>97ace4f0</ei:eventID><ei:modificationNumber>3</ei:modificationNumber><ei:modificationDateTime>2026-12-03T19:21:49.865332Z</ei:modificationDateTime><ei:priority>0</ei:priority><ei:eiMarketContext><marketContext xmlns="http://docs.oasis-open.org/ns/emix/2011/06">oadr://unknown.context</marketContext></ei:eiMarketContext><ei:createdDateTime>2026-12-03T19:21:49.867235Z</ei:createdDateTime><ei:eventStatus>far</ei:eventStatus><ei:testEvent>false</ei:testEvent></ei:eventDescriptor><ei:eiActivePeriod><properties xmlns="urn:ietf:params:xml:ns:icalendar-2.0"><dtstart><date-time>2026-12-03T19:22:19.864721Z</date-time></dtstart><duration><duration>PT10M</duration></duration><tolerance><tolerate><startafter>PT2M</startafter></tolerate></tolerance><ei:x-eiRampUp><duration>PT1M</duration></ei:x-eiRampUp></properties><components xmlns="urn:ietf:params:xml:ns:icalendar-2.0" /></ei:eiActivePeriod>        <ei:eiEventSignals><ei:eiEventSignal><strm:intervals xmlns:strm="urn:ietf:params:xml:ns:icalendar-2.0:stream" xmlns:xcal="urn:ietf:params:xml:ns:icalendar-2.0"><ei:interval><xcal:duration><xcal:duration>PT4M</xcal:duration></xcal:duration><uid xmlns="urn:ietf:params:xml:ns:icalendar-2.0"><text>0</text></uid><ei:signalPayload><ei:payloadFloat><ei:value>2.0</ei:value></ei:payloadFloat></ei:signalPayload></ei:interval><ei:interval><xcal:duration><xcal:duration>PT6M</xcal:duration></xcal:duration><uid xmlns="urn:ietf:params:xml:ns:icalendar-2.0"><text>1</text></uid><ei:signalPayload><ei:payloadFloat><ei:value>3.0</ei:value></ei:payloadFloat></ei:signalPayload></ei:interval></strm:intervals><ei:signalName>simple</ei:signalName><ei:signalType>level</ei:signalType><ei:signalID>277e970d</ei:signalID></ei:eiEventSignal>        </ei:eiEventSignals><ei:eiTarget><ei:venID>ven123</ei:venID></ei:eiTarget>    </ei:eiEvent><oadr:oadrResponseRequired>always</oadr:oadrResponseRequired></oadr:oadrEvent>  </oadr:oadrDistributeEvent></oadr:oadrSignedObject>
        </oadr:oadrPayload>
        """

    @Test func readsOpenleadrsDistributeEvent() throws {
        let message = try OADR2Incoming.read(Array(Self.distribute.utf8))
        let distribute = try #require(message.oadrSignedObject.oadrDistributeEvent)
        #expect(distribute.requestID == "154ef45e")
        let event = try #require(distribute.oadrEvent?.first).event()
        let start = Timestamp(iso8601: "2026-12-03T19:22:19.864Z")!
        #expect(event.id == "97ace4f0")
        #expect(event.modification == 3)
        #expect(event.status == .scheduled)
        #expect(event.program == "oadr://unknown.context")
        #expect(event.randomizeSeconds == 120)
        #expect(event.rampUpSeconds == 60)
        #expect(event.responseRequired)
        // Intervals without a dtstart follow one another from the active period's start.
        #expect(
            event.intervals == [
                DRInterval(start: start, end: start.adding(seconds: 240), signals: [.simple(2)]),
                DRInterval(start: start.adding(seconds: 240), end: start.adding(seconds: 600), signals: [.simple(3)]),
            ]
        )
    }

    @Test(
        arguments: [
            ("<oadr:oadrPayload", "not an OpenADR 2.0b payload"),
            ("not xml at all", "not an OpenADR 2.0b payload"),
            (distribute.replacingOccurrences(of: "<ei:eventID>97ace4f0</ei:eventID>", with: ""), "eventID"),
        ]
    )
    func unreadableMessagesAreRefusedWithAReason(text: String, reason: String) {
        #expect(throws: OADR2InputError.self) { try OADR2Incoming.read(Array(text.utf8)) }
        do {
            _ = try OADR2Incoming.read(Array(text.utf8))
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
        }
    }

    @Test(
        arguments: [
            ("<date-time>2026-12-03T19:22:19.864721Z</date-time></dtstart>", "<date-time>yesterday</date-time></dtstart>", "dtstart 'yesterday'"),
            ("<ei:eventStatus>far</ei:eventStatus>", "<ei:eventStatus>maybe</ei:eventStatus>", "unknown eventStatus 'maybe'"),
            ("<ei:value>2.0</ei:value>", "<ei:value>two</ei:value>", "without a number"),
            ("<duration>PT10M</duration></duration>", "<duration>ten minutes</duration></duration>", "is not a duration"),
        ]
    )
    func eventsWithBadValuesAreRefused(find: String, replace: String, reason: String) throws {
        let message = try OADR2Incoming.read(Array(Self.distribute.replacingOccurrences(of: find, with: replace).utf8))
        let item = try #require(message.oadrSignedObject.oadrDistributeEvent?.oadrEvent?.first)
        #expect(throws: OADR2InputError.self) { try item.event() }
        do {
            _ = try item.event()
        } catch {
            #expect(error.description.contains(reason), "\(error.description)")
        }
    }

    @Test func signalsMapToTheCoresTerms() throws {
        let message = try OADR2Incoming.read(
            Array(
                Self.distribute.replacingOccurrences(
                    of: "<ei:signalName>simple</ei:signalName><ei:signalType>level</ei:signalType>",
                    with: "<ei:signalName>ELECTRICITY_PRICE</ei:signalName><ei:signalType>price</ei:signalType>"
                ).utf8
            )
        )
        let event = try #require(message.oadrSignedObject.oadrDistributeEvent?.oadrEvent?.first).event()
        #expect(event.intervals.first?.signals == [.price(usdPerMWh: 2000)])
    }

    @Test func outgoingMessagesCarryTheNamespacesAndOrder() throws {
        let bytes = try OADR2Outgoing.payload(
            "oadrCreatePartyRegistration",
            OADR2Outgoing.CreatePartyRegistration(requestID: "r1", venName: "west-texas-1")
        )
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("xmlns:oadr=\"http://openadr.org/oadr-2.0b/2012/07\""))
        #expect(text.contains("<oadr:oadrSignedObject><oadr:oadrCreatePartyRegistration><pyld:requestID>r1</pyld:requestID>"))
        let order = ["oadrProfileName", "oadrTransportName", "oadrReportOnly", "oadrXmlSignature", "oadrVenName", "oadrHttpPullModel"]
        let positions = order.map { text.range(of: $0)!.lowerBound }
        #expect(positions == positions.sorted())
    }
}
