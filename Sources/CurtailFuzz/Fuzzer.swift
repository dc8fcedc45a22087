public import CurtailController
import CurtailCore
import CurtailPolicy
import CurtailPolicyFiles
import CurtailWire
import GridSimulator

/// Random and mutated inputs for everything that reads outside data: the MQTT payload decoders
/// (through ``ControllerCore``, the whole input path) and the policy, site and scenario file
/// loaders. Each input must be accepted or refused with a reason; a crash ends the process, and
/// the slowest input is reported so a hang shows.
public struct Fuzzer: Sendable {
    /// What a run found.
    public struct Report: Sendable, CustomStringConvertible {
        public var inputs = 0
        public var accepted = 0
        public var refused = 0
        /// Refusals without a reason (must stay 0).
        public var silentRefusals = 0
        /// The slowest single input, in nanoseconds.
        public var slowestNanoseconds: Int64 = 0
        public var slowestInput = ""

        public var description: String {
            "\(inputs) inputs: \(accepted) accepted, \(refused) refused with a reason, \(silentRefusals) refused without one; "
                + "slowest \(Double(slowestNanoseconds) / 1000) µs"
        }
    }

    public let configuration: ControllerConfiguration
    /// Seed texts for the file loaders: (kind, text).
    public let files: [(kind: FileKind, text: String)]

    /// Which loader a text goes to.
    public enum FileKind: Sendable {
        case policy, site, scenario
    }

    public init(configuration: ControllerConfiguration, files: [(kind: FileKind, text: String)]) {
        self.configuration = configuration
        self.files = files
    }

    /// Feeds `count` mutated MQTT payloads through a controller core.
    public func messages(count: Int, seed: UInt64) -> Report {
        var random = SeededGenerator(seed: seed)
        var report = Report()
        let now = Timestamp(iso8601: "2023-09-06T15:00:00Z")!
        var core = try? ControllerCore(configuration: configuration)
        _ = core?.connectionRestored(at: now)
        _ = core?.takeCharge(term: 1, at: now)
        let t = configuration.topics
        let group = configuration.site.groups[0].name
        // Valid payloads of every kind, built through the wire types, as seeds for the mutations.
        let t0 = Timestamp(iso8601: "2023-09-06T15:00:00Z")!
        let event = GridEvent(id: "ERS-1", program: "ERS-10", start: t0, end: t0.adding(seconds: 3600), target: .maximum(Megawatts(0)))
        let fourCP = GridAlert(kind: .fourCP, probability: 0.7, start: t0.adding(seconds: 18_000), end: t0.adding(seconds: 25_200))
        let state = StatePayload(
            ts: t0,
            site: configuration.site.id,
            policy: configuration.policy.name,
            seq: 3,
            activeEvents: [
                StatePayload.Event(
                    id: "E",
                    program: "ERS-10",
                    start: t0,
                    end: t0.adding(seconds: 3600),
                    targetMW: 1,
                    baselineMW: 9,
                    acknowledgedAt: t0
                )
            ]
        )
        let command = CommandPayload(
            seq: 18,
            issuedAt: t0,
            expiresAt: t0.adding(seconds: 180),
            minersRunning: 80,
            powerTargetW: 3068,
            targetKW: 245.4,
            reason: "x"
        )
        let seeds: [(String, any WirePayload)] = [
            (t.price, PricePayload(intervalStart: t0.adding(seconds: -900), intervalMinutes: 15, priceUSDPerMWh: 42.5)),
            (t.price, PricePayload(intervalStart: t0, intervalMinutes: 60, priceUSDPerMWh: -12, kind: .dayAhead)),
            (t.events, EventPayload(event)),
            (t.events, EventCancellation(id: "ERS-1")),
            (t.alerts, AlertPayload.fourCP(fourCP)),
            (t.alerts, AlertPayload.eea(level: 2, at: nil)),
            (
                t.awards,
                AwardPayload(AncillaryAward(id: "DAM-1", product: .ecrs, megawatts: 3, start: t0, end: t0.adding(seconds: 3600), price: 12.5))
            ),
            (t.frequency, FrequencyPayload(ts: t0, hz: 59.68)),
            (t.hashPrice, HashPricePayload(ts: t0, usdPerTHDay: 0.052)),
            (t.telemetry(group: group), TelemetryPayload(ts: t0, powerKW: 300.5, hashrateTH: 10_400, minersRunning: 100, appliedSeq: 17)),
            (t.meter, MeterPayload(ts: t0, powerKW: 9580)),
            (t.state, state),
            (t.command(group: group), command),
        ]
        var corpus: [(String, String)] = [("grid/ercot/HB_NORTH/price", "{}")]
        for (topic, payload) in seeds {
            guard let bytes = try? payload.encode() else { continue }
            corpus.append((topic, String(decoding: bytes, as: UTF8.self)))
        }
        let clock = ContinuousClock()
        for _ in 0..<count {
            let (topic, text) = corpus[Int(random.next() % UInt64(corpus.count))]
            let payload = Mutator.mutate(Array(text.utf8), &random)
            let started = clock.now
            let step = core?.receive(topic: topic, payload: payload, at: now.adding(seconds: Double(report.inputs % 600)))
            let elapsed = started.duration(to: clock.now)
            report.inputs += 1
            if let rejection = step?.rejections.first?.rejection {
                report.refused += 1
                if rejection.reason.isEmpty { report.silentRefusals += 1 }
            } else {
                report.accepted += 1
            }
            let nanoseconds = elapsed.inNanoseconds
            if nanoseconds > report.slowestNanoseconds {
                report.slowestNanoseconds = nanoseconds
                report.slowestInput = String(decoding: payload.prefix(120), as: UTF8.self)
            }
            // Start over now and then, so later inputs are not all refused as out of order.
            if report.inputs % 5000 == 0 {
                core = try? ControllerCore(configuration: configuration)
                _ = core?.connectionRestored(at: now)
                _ = core?.takeCharge(term: 1, at: now)
            }
        }
        return report
    }

    /// Feeds `count` mutated policy, site and scenario files to their loaders.
    public func files(count: Int, seed: UInt64) -> Report {
        var random = SeededGenerator(seed: seed)
        var report = Report()
        let clock = ContinuousClock()
        for _ in 0..<count where !files.isEmpty {
            let (kind, text) = files[Int(random.next() % UInt64(files.count))]
            let mutated = String(decoding: Mutator.mutate(Array(text.utf8), &random), as: UTF8.self)
            let started = clock.now
            var diagnostics: [Diagnostic] = []
            do {
                switch kind {
                case .policy: _ = try PolicyFile.parse(mutated, file: "fuzz.yaml")
                case .site: _ = try SiteFile.parse(mutated, file: "fuzz.yaml")
                case .scenario: _ = try ScenarioFile.parse(mutated, file: "fuzz.yaml")
                }
            } catch {
                diagnostics = error.diagnostics
            }
            let elapsed = started.duration(to: clock.now)
            report.inputs += 1
            if diagnostics.isEmpty {
                report.accepted += 1
            } else {
                report.refused += 1
                if diagnostics.contains(where: { $0.message.isEmpty || $0.line < 1 || $0.column < 1 }) { report.silentRefusals += 1 }
            }
            let nanoseconds = elapsed.inNanoseconds
            if nanoseconds > report.slowestNanoseconds {
                report.slowestNanoseconds = nanoseconds
                report.slowestInput = String(mutated.prefix(120))
            }
        }
        return report
    }
}

/// Byte-level and token-level mutations of a valid input.
enum Mutator {
    static let interesting: [String] = [
        "null", "true", "false", "\"\"", "[]", "{}", "-0", "1e309", "-1e309", "NaN", "1e-400", "99999999999999999999", "-1", "0",
        "\"2023-13-45T99:99:99Z\"", "\"\u{0}\"", "\"\\ud800\"", "[[[[[[[[[[", "}}}}", "\"9999-12-31T23:59:59Z\"", "0.0000001",
        "18446744073709551616", "{\"a\":", "\u{FEFF}", "- - -", ": :", "*a", "&a", "!!binary", "~", "'", "|\n  x", ">-",
    ]

    static func mutate(_ input: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        let rounds = 1 + Int(random.next() % 4)
        for _ in 0..<rounds {
            switch random.next() % 9 {
            case 0 where !bytes.isEmpty:  // flip a byte
                let i = Int(random.next() % UInt64(bytes.count))
                bytes[i] ^= UInt8(truncatingIfNeeded: 1 << (random.next() % 8))
            case 1 where !bytes.isEmpty:  // truncate
                bytes.removeLast(Int(random.next() % UInt64(bytes.count)))
            case 2:  // insert random bytes
                let i = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count + 1))
                let n = 1 + Int(random.next() % 8)
                bytes.insert(contentsOf: (0..<n).map { _ in UInt8(truncatingIfNeeded: random.next()) }, at: i)
            case 3, 4:  // replace a token (number, string, value) with an interesting one
                let token = Array(interesting[Int(random.next() % UInt64(interesting.count))].utf8)
                if let range = valueRange(in: bytes, &random) {
                    bytes.replaceSubrange(range, with: token)
                } else {
                    bytes += token
                }
            case 5 where bytes.count > 2:  // duplicate a chunk
                let i = Int(random.next() % UInt64(bytes.count))
                let n = min(bytes.count - i, 1 + Int(random.next() % 32))
                bytes.insert(contentsOf: bytes[i..<(i + n)], at: i)
            case 6 where bytes.count > 2:  // delete a chunk
                let i = Int(random.next() % UInt64(bytes.count))
                let n = min(bytes.count - i, 1 + Int(random.next() % 16))
                bytes.removeSubrange(i..<(i + n))
            case 7:  // deep nesting
                let depth = Int(random.next() % 200)
                bytes = Array(repeating: UInt8(ascii: "["), count: depth) + bytes + Array(repeating: UInt8(ascii: "]"), count: depth)
            default:  // swap two bytes
                guard bytes.count > 1 else { continue }
                let i = Int(random.next() % UInt64(bytes.count))
                let j = Int(random.next() % UInt64(bytes.count))
                bytes.swapAt(i, j)
            }
        }
        return bytes
    }

    /// A range covering one value after a ':' (up to the next ',' or '}'), if any.
    private static func valueRange(in bytes: [UInt8], _ random: inout SeededGenerator) -> Range<Int>? {
        let colons = bytes.indices.filter { bytes[$0] == UInt8(ascii: ":") }
        guard !colons.isEmpty else { return nil }
        let start = colons[Int(random.next() % UInt64(colons.count))] + 1
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: ","), bytes[end] != UInt8(ascii: "}"), bytes[end] != UInt8(ascii: "\n") { end += 1 }
        return start..<end
    }
}
