import CurtailCore
import Foundation
import XMLCoder

/// The messages a 2.0b VEN sends, as XMLCoder encodes them: element names carry their namespace
/// prefix, and the root declares every namespace once. Element order follows oadr_20b.xsd (the
/// VTN validates against it).
enum OADR2Outgoing {
    static let namespaces: [String: String] = [
        "xmlns:oadr": "http://openadr.org/oadr-2.0b/2012/07",
        "xmlns:ei": "http://docs.oasis-open.org/ns/energyinterop/201110",
        "xmlns:pyld": "http://docs.oasis-open.org/ns/energyinterop/201110/payloads",
        "xmlns:emix": "http://docs.oasis-open.org/ns/emix/2011/06",
        "xmlns:xcal": "urn:ietf:params:xml:ns:icalendar-2.0",
        "xmlns:strm": "urn:ietf:params:xml:ns:icalendar-2.0:stream",
        "xmlns:power": "http://docs.oasis-open.org/ns/emix/2011/06/power",
        "xmlns:scale": "http://docs.oasis-open.org/ns/emix/2011/06/siscale",
    ]

    /// `<oadr:oadrPayload><oadr:oadrSignedObject><oadr:NAME>…` as bytes.
    static func payload(_ name: String, _ message: some Encodable) throws -> [UInt8] {
        let encoder = XMLEncoder()
        let data = try encoder.encode(
            SignedObject(name: name, message: message),
            withRootKey: "oadr:oadrPayload",
            rootAttributes: namespaces,
            header: XMLHeader(version: 1.0, encoding: "UTF-8")
        )
        return Array(data)
    }

    struct SignedObject<Message: Encodable>: Encodable {
        var name: String
        var message: Message

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ string: String) { stringValue = string }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: Key.self)
            var signed = outer.nestedContainer(keyedBy: Key.self, forKey: Key("oadr:oadrSignedObject"))
            try signed.encode(message, forKey: Key("oadr:\(name)"))
        }
    }

    struct Duration: Encodable {
        var duration: String
        enum CodingKeys: String, CodingKey { case duration = "xcal:duration" }
    }

    struct DateTime: Encodable {
        var dateTime: String
        enum CodingKeys: String, CodingKey { case dateTime = "xcal:date-time" }
    }

    struct EIResponse: Encodable {
        var responseCode: String
        var responseDescription: String
        var requestID: String
        enum CodingKeys: String, CodingKey {
            case responseCode = "ei:responseCode"
            case responseDescription = "ei:responseDescription"
            case requestID = "pyld:requestID"
        }
        static func ok(_ requestID: String?) -> EIResponse { EIResponse(responseCode: "200", responseDescription: "OK", requestID: requestID ?? "") }
    }

    struct QueryRegistration: Encodable {
        var requestID: String
        enum CodingKeys: String, CodingKey { case requestID = "pyld:requestID" }
    }

    struct CreatePartyRegistration: Encodable {
        var requestID: String
        var registrationID: String?
        var venID: String?
        var profileName = "2.0b"
        var transportName = "simpleHttp"
        var reportOnly = false
        var xmlSignature = false
        var venName: String
        var httpPullModel = true
        enum CodingKeys: String, CodingKey {
            case requestID = "pyld:requestID"
            case registrationID = "ei:registrationID"
            case venID = "ei:venID"
            case profileName = "oadr:oadrProfileName"
            case transportName = "oadr:oadrTransportName"
            case reportOnly = "oadr:oadrReportOnly"
            case xmlSignature = "oadr:oadrXmlSignature"
            case venName = "oadr:oadrVenName"
            case httpPullModel = "oadr:oadrHttpPullModel"
        }
    }

    struct Poll: Encodable {
        var venID: String
        enum CodingKeys: String, CodingKey { case venID = "ei:venID" }
    }

    struct RequestEvent: Encodable {
        struct Body: Encodable {
            var requestID: String
            var venID: String
            enum CodingKeys: String, CodingKey {
                case requestID = "pyld:requestID"
                case venID = "ei:venID"
            }
        }
        var body: Body
        enum CodingKeys: String, CodingKey { case body = "pyld:eiRequestEvent" }
    }

    struct CreatedEvent: Encodable {
        struct QualifiedEventID: Encodable {
            var eventID: String
            var modificationNumber: Int
            enum CodingKeys: String, CodingKey {
                case eventID = "ei:eventID"
                case modificationNumber = "ei:modificationNumber"
            }
        }
        struct EventResponse: Encodable {
            var responseCode: String
            var responseDescription: String
            var requestID: String
            var qualifiedEventID: QualifiedEventID
            var optType: String
            enum CodingKeys: String, CodingKey {
                case responseCode = "ei:responseCode"
                case responseDescription = "ei:responseDescription"
                case requestID = "pyld:requestID"
                case qualifiedEventID = "ei:qualifiedEventID"
                case optType = "ei:optType"
            }
        }
        struct EventResponses: Encodable {
            var responses: [EventResponse]
            enum CodingKeys: String, CodingKey { case responses = "ei:eventResponse" }
        }
        struct Body: Encodable {
            var eiResponse: EIResponse
            var eventResponses: EventResponses
            var venID: String
            enum CodingKeys: String, CodingKey {
                case eiResponse = "ei:eiResponse"
                case eventResponses = "ei:eventResponses"
                case venID = "ei:venID"
            }
        }
        var body: Body
        enum CodingKeys: String, CodingKey { case body = "pyld:eiCreatedEvent" }
    }

    /// A reply that only acknowledges (oadrResponse, oadrCreatedReport, oadrCanceledReport,
    /// oadrRegisteredReport, oadrCanceledPartyRegistration).
    struct Acknowledgement: Encodable {
        struct Pending: Encodable {
            var ids: [String]
            enum CodingKeys: String, CodingKey { case ids = "ei:reportRequestID" }
        }
        var eiResponse: EIResponse
        var registrationID: String?
        var pendingReports: Pending?
        var venID: String?
        enum CodingKeys: String, CodingKey {
            case eiResponse = "ei:eiResponse"
            case registrationID = "ei:registrationID"
            case pendingReports = "oadr:oadrPendingReports"
            case venID = "ei:venID"
        }
    }

    struct RegisterReport: Encodable {
        struct Source: Encodable {
            var resourceID: String
            enum CodingKeys: String, CodingKey { case resourceID = "ei:resourceID" }
        }
        struct PowerAttributes: Encodable {
            var hertz = 60
            var voltage = 480
            var ac = true
            enum CodingKeys: String, CodingKey {
                case hertz = "power:hertz"
                case voltage = "power:voltage"
                case ac = "power:ac"
            }
        }
        struct PowerReal: Encodable {
            var itemDescription = "RealPower"
            var itemUnits = "W"
            var scale = "k"
            var attributes = PowerAttributes()
            enum CodingKeys: String, CodingKey {
                case itemDescription = "power:itemDescription"
                case itemUnits = "power:itemUnits"
                case scale = "scale:siScaleCode"
                case attributes = "power:powerAttributes"
            }
        }
        struct SamplingRate: Encodable {
            var minPeriod: String
            var maxPeriod: String
            var onChange = false
            enum CodingKeys: String, CodingKey {
                case minPeriod = "oadr:oadrMinPeriod"
                case maxPeriod = "oadr:oadrMaxPeriod"
                case onChange = "oadr:oadrOnChange"
            }
        }
        struct Description: Encodable {
            var rID: String
            var source: Source
            var reportType: String
            var powerReal: PowerReal?
            var readingType: String
            var samplingRate: SamplingRate
            enum CodingKeys: String, CodingKey {
                case rID = "ei:rID"
                case source = "ei:reportDataSource"
                case reportType = "ei:reportType"
                case powerReal = "power:powerReal"
                case readingType = "ei:readingType"
                case samplingRate = "oadr:oadrSamplingRate"
            }
        }
        struct Report: Encodable {
            var duration: Duration
            var descriptions: [Description]
            var reportRequestID = "0"
            var reportSpecifierID: String
            var reportName: String
            var createdDateTime: String
            enum CodingKeys: String, CodingKey {
                case duration = "xcal:duration"
                case descriptions = "oadr:oadrReportDescription"
                case reportRequestID = "ei:reportRequestID"
                case reportSpecifierID = "ei:reportSpecifierID"
                case reportName = "ei:reportName"
                case createdDateTime = "ei:createdDateTime"
            }
        }
        var requestID: String
        var reports: [Report]
        var venID: String
        enum CodingKeys: String, CodingKey {
            case requestID = "pyld:requestID"
            case reports = "oadr:oadrReport"
            case venID = "ei:venID"
        }
    }

    struct UpdateReport: Encodable {
        struct PayloadFloat: Encodable {
            var value: Double
            enum CodingKeys: String, CodingKey { case value = "ei:value" }
        }
        struct ResourceStatus: Encodable {
            var online: Bool
            var manualOverride: Bool
            enum CodingKeys: String, CodingKey {
                case online = "oadr:oadrOnline"
                case manualOverride = "oadr:oadrManualOverride"
            }
        }
        struct ReportPayload: Encodable {
            var rID: String
            var float: PayloadFloat?
            var status: ResourceStatus?
            enum CodingKeys: String, CodingKey {
                case rID = "ei:rID"
                case float = "ei:payloadFloat"
                case status = "oadr:oadrPayloadResourceStatus"
            }
        }
        struct Interval: Encodable {
            var dtstart: DateTime
            var payload: ReportPayload
            enum CodingKeys: String, CodingKey {
                case dtstart = "xcal:dtstart"
                case payload = "oadr:oadrReportPayload"
            }
        }
        struct Intervals: Encodable {
            var intervals: [Interval]
            enum CodingKeys: String, CodingKey { case intervals = "ei:interval" }
        }
        struct Report: Encodable {
            var dtstart: DateTime
            var intervals: Intervals
            var reportID: String
            var reportRequestID: String
            var reportSpecifierID: String
            var reportName: String
            var createdDateTime: String
            enum CodingKeys: String, CodingKey {
                case dtstart = "xcal:dtstart"
                case intervals = "strm:intervals"
                case reportID = "ei:eiReportID"
                case reportRequestID = "ei:reportRequestID"
                case reportSpecifierID = "ei:reportSpecifierID"
                case reportName = "ei:reportName"
                case createdDateTime = "ei:createdDateTime"
            }
        }
        var requestID: String
        var reports: [Report]
        var venID: String
        enum CodingKeys: String, CodingKey {
            case requestID = "pyld:requestID"
            case reports = "oadr:oadrReport"
            case venID = "ei:venID"
        }
    }
}
