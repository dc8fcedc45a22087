import CurtailCore
import Foundation
import XMLCoder

/// What a 2.0b VTN sends, read with XMLCoder (namespaces processed: elements by local name).
/// Only the elements the VEN uses are declared; others are ignored.
struct OADR2Incoming: Decodable, Sendable {
    var oadrSignedObject: SignedObject

    struct SignedObject: Decodable, Sendable {
        var oadrCreatedPartyRegistration: CreatedPartyRegistration?
        var oadrResponse: Response?
        var oadrDistributeEvent: DistributeEvent?
        var oadrRequestReregistration: VENOnly?
        var oadrRegisteredReport: RegisteredReport?
        var oadrCreateReport: CreateReport?
        var oadrCancelReport: CancelReport?
        var oadrCancelPartyRegistration: CancelPartyRegistration?
        var oadrRegisterReport: RequestOnly?
        var oadrUpdatedReport: Response?
        var oadrCreatedReport: Response?
        var oadrCanceledPartyRegistration: Response?
    }

    struct EIResponse: Decodable, Sendable {
        var responseCode: String
        var responseDescription: String?
        var requestID: String?
    }

    struct Response: Decodable, Sendable {
        var eiResponse: EIResponse?
    }

    struct VENOnly: Decodable, Sendable { var venID: String? }

    struct RequestOnly: Decodable, Sendable { var requestID: String? }

    struct DurationValue: Decodable, Sendable { var duration: String }

    struct CreatedPartyRegistration: Decodable, Sendable {
        var eiResponse: EIResponse
        var registrationID: String?
        var venID: String?
        var vtnID: String?
        var oadrRequestedOadrPollFreq: DurationValue?
    }

    struct CancelPartyRegistration: Decodable, Sendable {
        var requestID: String?
        var registrationID: String?
    }

    struct ReportRequest: Decodable, Sendable {
        struct Specifier: Decodable, Sendable {
            struct Payload: Decodable, Sendable { var rID: String }
            var reportSpecifierID: String
            var granularity: DurationValue?
            var reportBackDuration: DurationValue?
            var specifierPayload: [Payload]
        }
        var reportRequestID: String
        var reportSpecifier: Specifier
    }

    struct RegisteredReport: Decodable, Sendable {
        var eiResponse: EIResponse
        var oadrReportRequest: [ReportRequest]?
    }

    struct CreateReport: Decodable, Sendable {
        var requestID: String?
        var oadrReportRequest: [ReportRequest]?
    }

    struct CancelReport: Decodable, Sendable {
        var requestID: String?
        var reportRequestID: [String]?
    }

    struct DistributeEvent: Decodable, Sendable {
        var requestID: String?
        var vtnID: String?
        var oadrEvent: [OADREvent]?
    }

    struct OADREvent: Decodable, Sendable {
        var eiEvent: EIEvent
        var oadrResponseRequired: String?
    }

    struct DateTimeValue: Decodable, Sendable {
        var dateTime: String
        enum CodingKeys: String, CodingKey { case dateTime = "date-time" }
    }

    struct EIEvent: Decodable, Sendable {
        struct Descriptor: Decodable, Sendable {
            struct MarketContext: Decodable, Sendable { var marketContext: String? }
            var eventID: String
            var modificationNumber: Int
            var priority: Int?
            var eiMarketContext: MarketContext?
            var eventStatus: String
            var testEvent: String?
        }
        struct ActivePeriod: Decodable, Sendable {
            struct Properties: Decodable, Sendable {
                struct Tolerance: Decodable, Sendable {
                    struct Tolerate: Decodable, Sendable { var startafter: String? }
                    var tolerate: Tolerate?
                }
                var dtstart: DateTimeValue
                var duration: DurationValue
                var tolerance: Tolerance?
                var rampUp: DurationValue?
                enum CodingKeys: String, CodingKey {
                    case dtstart, duration, tolerance
                    case rampUp = "x-eiRampUp"
                }
            }
            var properties: Properties
        }
        struct Signals: Decodable, Sendable {
            var eiEventSignal: [Signal]?
        }
        struct Signal: Decodable, Sendable {
            struct Intervals: Decodable, Sendable { var interval: [Interval]? }
            struct Interval: Decodable, Sendable {
                struct UID: Decodable, Sendable { var text: String? }
                struct SignalPayload: Decodable, Sendable {
                    struct PayloadFloat: Decodable, Sendable { var value: String }
                    var payloadFloat: PayloadFloat?
                }
                var dtstart: DateTimeValue?
                var duration: DurationValue?
                var uid: UID?
                var signalPayload: SignalPayload?
            }
            struct ItemBase: Decodable, Sendable { var siScaleCode: String? }
            var intervals: Intervals?
            var signalName: String
            var signalType: String
            var signalID: String?
            var powerReal: ItemBase?
            var currencyPerKWh: ItemBase?
            var currency: ItemBase?
        }
        var eventDescriptor: Descriptor
        var eiActivePeriod: ActivePeriod
        var eiEventSignals: Signals?
    }
}

/// What went wrong reading a VTN's message: the refusal the VEN logs and counts.
public struct OADR2InputError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

extension OADR2Incoming {
    /// Reads a VTN's answer.
    static func read(_ body: [UInt8]) throws(OADR2InputError) -> OADR2Incoming {
        let decoder = XMLDecoder(trimValueWhitespaces: true, removeWhitespaceElements: true)
        decoder.shouldProcessNamespaces = true
        do {
            return try decoder.decode(OADR2Incoming.self, from: Data(body))
        } catch let error as DecodingError {
            throw OADR2InputError(description: "not an OpenADR 2.0b payload: \(Self.describe(error))")
        } catch {
            throw OADR2InputError(description: "not an OpenADR 2.0b payload: \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            "missing <\(key.stringValue)> at \(context.codingPath.map(\.stringValue).joined(separator: "/"))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            "\(context.debugDescription) at \(context.codingPath.map(\.stringValue).joined(separator: "/"))"
        @unknown default: "\(error)"
        }
    }
}

extension OADR2Incoming.OADREvent {
    /// The event in the core's terms; a value or time that cannot be read throws.
    func event() throws(OADR2InputError) -> DREvent {
        let descriptor = eiEvent.eventDescriptor
        let id = descriptor.eventID
        let period = eiEvent.eiActivePeriod.properties
        guard let start = Timestamp(iso8601: period.dtstart.dateTime) else {
            throw OADR2InputError(description: "event \(id): dtstart '\(period.dtstart.dateTime)' is not a date-time")
        }
        guard let duration = ISODuration.seconds(period.duration.duration), duration >= 0 else {
            throw OADR2InputError(description: "event \(id): duration '\(period.duration.duration)' is not a duration")
        }
        let status: DREvent.Status
        switch descriptor.eventStatus {
        case "none", "far", "near": status = .scheduled
        case "active": status = .active
        case "completed": status = .completed
        case "cancelled": status = .cancelled
        default: throw OADR2InputError(description: "event \(id): unknown eventStatus '\(descriptor.eventStatus)'")
        }
        var intervals: [DRInterval] = []
        for signal in eiEvent.eiEventSignals?.eiEventSignal ?? [] {
            var cursor = start
            for interval in signal.intervals?.interval ?? [] {
                var intervalStart = cursor
                if let text = interval.dtstart?.dateTime {
                    guard let t = Timestamp(iso8601: text) else { throw OADR2InputError(description: "event \(id): interval dtstart '\(text)'") }
                    intervalStart = t
                }
                var length = duration
                if let text = interval.duration?.duration {
                    guard let seconds = ISODuration.seconds(text), seconds >= 0 else {
                        throw OADR2InputError(description: "event \(id): interval duration '\(text)' is not a duration")
                    }
                    length = seconds
                }
                guard let text = interval.signalPayload?.payloadFloat?.value, let value = Double(text), value.isFinite else {
                    throw OADR2InputError(description: "event \(id): signal \(signal.signalName) has an interval without a number")
                }
                let end = intervalStart.adding(seconds: length)
                intervals.append(DRInterval(start: intervalStart, end: end, signals: [Self.signal(signal, value: value)]))
                cursor = end
            }
        }
        let tolerance = period.tolerance?.tolerate?.startafter.flatMap(ISODuration.seconds) ?? 0
        return DREvent(
            id: id,
            modification: descriptor.modificationNumber,
            program: descriptor.eiMarketContext?.marketContext ?? "",
            status: status,
            priority: descriptor.priority ?? 0,
            testEvent: descriptor.testEvent.map { $0 != "false" } ?? false,
            responseRequired: oadrResponseRequired != "never",
            randomizeSeconds: max(0, tolerance),
            rampUpSeconds: max(0, period.rampUp.flatMap { ISODuration.seconds($0.duration) } ?? 0),
            intervals: intervals.sorted { $0.start < $1.start }
        )
    }

    /// A 2.0b signal name and type as the core's signal.
    static func signal(_ signal: OADR2Incoming.EIEvent.Signal, value: Double) -> DRSignal {
        let name = signal.signalName.uppercased()
        let type = signal.signalType
        switch (name, type) {
        case ("SIMPLE", "level"): return .simple(value)
        case ("LOAD_DISPATCH", "setpoint"), ("LOAD_CONTROL", "x-loadControlCapacity"):
            let scale: Double =
                switch signal.powerReal?.siScaleCode {
                case "M": 1000
                case "none": 0.001
                default: 1  // k, or no item base: kW
                }
            return .importLimit(kilowatts: value * scale)
        case ("ELECTRICITY_PRICE", "price"), ("ENERGY_PRICE", "price"):
            return .price(usdPerMWh: value * 1000)  // currencyPerKWh
        case ("BID_PRICE", "price"):
            return .payment(usdPerMWh: value * 1000)
        case ("ALERT_GRID_EMERGENCY", _):
            return .gridEmergency
        default:
            return .unsupported("\(signal.signalName)/\(type)")
        }
    }
}
