import CurtailCore
import Foundation

/// OpenADR 3.1 objects as the VEN reads them (JSON; camelCase as the spec writes it, and the
/// Alliance RI's snake_case through the decoder's key conversion).
struct OADR3Event: Decodable, Sendable {
    struct IntervalPeriod: Decodable, Sendable {
        var start: String?
        var duration: String?
        var randomizeStart: String?
    }
    struct Payload: Decodable, Sendable {
        var type: String
        var values: [OADR3Value]
    }
    struct Interval: Decodable, Sendable {
        var id: Int?
        var intervalPeriod: IntervalPeriod?
        var payloads: [Payload]
    }
    struct PayloadDescriptor: Decodable, Sendable {
        var payloadType: String?
        var units: String?
    }

    var id: String
    var programID: String?
    /// The RI's `program_id` after the decoder's snake_case conversion.
    var programId: String?
    var eventName: String?
    var priority: Int?
    var modificationDateTime: String?
    var intervalPeriod: IntervalPeriod?
    var payloadDescriptors: [PayloadDescriptor]?
    var intervals: [Interval]
}

/// A payload value: OpenADR allows numbers, strings, booleans and points.
enum OADR3Value: Decodable, Sendable, Hashable {
    case number(Double)
    case text(String)
    case other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .text(text)
        } else {
            self = .other
        }
    }
}

/// The 3.1 `problem` answer.
struct OADR3Problem: Decodable, Sendable {
    var title: String?
    var status: Int?
    var detail: String?
}

extension OADR3Event {
    /// The program, in either dialect.
    var program: String { programID ?? programId ?? "" }

    /// The "now" start (`0001-01-01`) OpenADR uses for do-it-now events and cancellations.
    static func isNow(_ text: String) -> Bool { text.hasPrefix("0001-01-01") }

    /// The event in the core's terms (`modification` counted by the caller).
    func event(modification: Int, at now: Timestamp) throws(OADR2InputError) -> DREvent {
        let defaultStart = intervalPeriod?.start
        let defaultDuration = intervalPeriod?.duration
        if let start = defaultStart, Self.isNow(start), defaultDuration.flatMap(ISODuration.seconds) == 0 {
            return DREvent(id: id, modification: modification, program: program, status: .cancelled, intervals: [])
        }
        let priceInMWh = payloadDescriptors?.contains { $0.payloadType == "PRICE" && ($0.units ?? "").uppercased() == "MWH" } ?? false
        var cursor: Timestamp?
        var result: [DRInterval] = []
        for interval in intervals.sorted(by: { ($0.id ?? 0) < ($1.id ?? 0) }) {
            let period = interval.intervalPeriod
            guard let startText = period?.start ?? (cursor == nil ? defaultStart : nil) ?? cursor?.iso8601 else {
                throw OADR2InputError(description: "event \(id): interval \(interval.id ?? 0) has no start and the event none")
            }
            let start: Timestamp
            if Self.isNow(startText) {
                start = now
            } else if let t = Timestamp(iso8601: startText) ?? Timestamp(iso8601: startText + "Z") {
                start = t
            } else {
                throw OADR2InputError(description: "event \(id): start '\(startText)' is not a date-time")
            }
            guard let durationText = period?.duration ?? defaultDuration, let seconds = ISODuration.seconds(durationText), seconds > 0 else {
                throw OADR2InputError(description: "event \(id): interval \(interval.id ?? 0) has no positive duration")
            }
            let end = start.adding(seconds: min(seconds, 20 * 365 * 86_400))
            cursor = end
            for payload in interval.payloads {
                let values = payload.values.compactMap { value -> Double? in
                    if case .number(let n) = value { return n }
                    return nil
                }
                switch payload.type {
                case "SIMPLE", "IMPORT_CAPACITY_LIMIT":
                    guard let value = values.first else {
                        throw OADR2InputError(description: "event \(id): \(payload.type) has no number")
                    }
                    let signal: DRSignal = payload.type == "SIMPLE" ? .simple(value) : .importLimit(kilowatts: value)
                    result.append(DRInterval(start: start, end: end, signals: [signal]))
                case "PRICE":
                    guard !values.isEmpty else { throw OADR2InputError(description: "event \(id): PRICE has no number") }
                    // N values: N equal sub-intervals.
                    let step = end.seconds(since: start) / Double(values.count)
                    for (k, value) in values.enumerated() {
                        result.append(
                            DRInterval(
                                start: start.adding(seconds: step * Double(k)),
                                end: start.adding(seconds: step * Double(k + 1)),
                                signals: [.price(usdPerMWh: priceInMWh ? value : value * 1000)]
                            )
                        )
                    }
                case "ALERT_GRID_EMERGENCY":
                    result.append(DRInterval(start: start, end: end, signals: [.gridEmergency]))
                default:
                    result.append(DRInterval(start: start, end: end, signals: [.unsupported(payload.type)]))
                }
            }
        }
        let randomize = intervalPeriod?.randomizeStart.flatMap(ISODuration.seconds) ?? 0
        let firstStart = result.map(\.start).min() ?? now
        return DREvent(
            id: id,
            modification: modification,
            program: program,
            status: firstStart <= now ? .active : .scheduled,
            priority: priority ?? 0,
            randomizeSeconds: max(0, randomize),
            intervals: result.sorted { $0.start < $1.start }
        )
    }
}
