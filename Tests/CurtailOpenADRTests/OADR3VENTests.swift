import AsyncHTTPClient
import CurtailController
import CurtailCore
import CurtailFeeds
import CurtailMQTT
import CurtailOpenADR
import CurtailPolicyFiles
import CurtailTestSupport
import CurtailWire
import Foundation
import LocalBroker
import Logging
import NIOCore
import NIOPosix
import SimulatedHTTP
import Synchronization
import Testing

/// `curtail openadr` in 3.1 against the test VTN built from the published OpenAPI document, with
/// a real mosquitto between it and the test, which plays the controller's side of the contract
/// (the site state and the event reports). No 3.1 VTN is on PyPI; the OpenADR Alliance's
/// reference VTN was checked by hand (docs/openadr.md).
@Suite("OpenADR 3.1 VEN against a test VTN", .serialized, .timeLimit(.minutes(5)), .wallClockLoop)
struct OADR3VENTests {
    static let quiet: Logger = {
        var logger = Logger(label: "openadr-test")
        logger.logLevel = ProcessInfo.processInfo.environment["OPENADR_TEST_LOG"] == nil ? .critical : .debug
        return logger
    }()

    final class Rig: Sendable {
        let vtn: FakeVTN31
        let contract: VENContract
        let broker: MosquittoBroker
        let messages = Mutex<[(topic: String, payload: [UInt8])]>([])

        init(vtn: FakeVTN31, contract: VENContract, broker: MosquittoBroker) {
            self.vtn = vtn
            self.contract = contract
            self.broker = broker
        }

        var gridEvents: [GridEventMessage] {
            messages.withLock { $0.filter { $0.topic == "grid/ercot/events" }.compactMap { try? GridEventMessage(decoding: $0.payload) } }
        }

        func wait(_ what: String, timeout: Duration = .seconds(20), until condition: () -> Bool) async throws {
            let deadline = ContinuousClock.now + timeout
            while !condition() {
                guard ContinuousClock.now < deadline else { throw CurtailProcess.Missing(description: "timed out waiting for \(what)") }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    static func event(_ id: String, level: Double, start: Timestamp, minutes: Int, modified: String = "2026-12-03T10:00:00Z") -> [String: Any] {
        [
            "id": id, "objectType": "EVENT", "programID": "p-1", "eventName": "shed", "modificationDateTime": modified,
            "intervalPeriod": ["start": start.iso8601, "duration": "PT\(minutes)M"],
            "payloadDescriptors": [["objectType": "EVENT_PAYLOAD_DESCRIPTOR", "payloadType": "SIMPLE"]],
            "intervals": [["id": 0, "payloads": [["type": "SIMPLE", "values": [level]]]]],
        ]
    }

    static func withRig(
        credentials: OADR3Credentials? = .init(clientID: FakeVTN31.clientID, clientSecret: FakeVTN31.clientSecret),
        pollSeconds: Double = 1,
        notifier: Bool = false,
        _ body: (Rig) async throws -> Void
    ) async throws {
        let vtn = FakeVTN31()
        let channel = try await SimulatedHTTPServer.bind(group: MultiThreadedEventLoopGroup.singleton, host: "127.0.0.1", port: 0) { vtn.answer($0) }
        defer { channel.close(promise: nil) }
        var settings = OpenADRSettings(
            version: .v3_1,
            vtnURL: "http://127.0.0.1:\(channel.localAddress!.port!)/openadr3/3.1.0",
            venName: "west-texas-1"
        )
        settings.pollSeconds = pollSeconds
        settings.levels = [1: .fractionOfRunningLoad(0.75), 2: .megawatts(6), 3: .megawatts(2)]
        try await MosquittoBroker.withBroker { broker in
            if notifier { vtn.offerNotifier(at: "mqtt://\(broker.host):\(broker.port)") }
            let transport = try MQTTClient(
                configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "ven-under-test"),
                logger: quiet
            )
            let topics = ControllerTopics(market: "ercot", node: "HB_WEST", site: "west-texas-1")
            let contract = VENContract(core: VENCore(settings: settings, siteMaxMW: 10), topics: .init(topics), transport: transport, logger: quiet)
            let ven = OADR3VEN(
                settings: settings,
                credentials: credentials,
                http: FeedHTTP(client: .shared, timeout: .seconds(5)),
                contract: contract,
                clock: WallClock()
            )
            let rig = Rig(vtn: vtn, contract: contract, broker: broker)
            let observer = try MQTTClient(configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "observer"), logger: quiet)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await observer.run() }
                try await observer.waitUntilConnected(timeout: .seconds(10))
                try await observer.subscribe(to: "grid/#")
                tasks.addTask {
                    for await message in observer.messages { rig.messages.withLock { $0.append((message.topic, message.payload)) } }
                }
                tasks.addTask { try await OpenADRVEN(contract: contract, link: .v3(ven)).run() }
                try await body(rig)
                tasks.cancelAll()
            }
        }
    }

    @Test func eventsBecomeCapsModificationsAndDeletionsFollowAndReportsGoBack() async throws {
        try await Self.withRig { rig in
            let start = WallClock().now.adding(seconds: 2)
            rig.vtn.put(event: Self.event("e-1", level: 2, start: start, minutes: 30))
            try await rig.wait("the level-2 cap") {
                rig.gridEvents.contains(
                    .event(
                        EventPayload(
                            GridEvent(id: "e-1", program: "OpenADR", start: start, end: start.adding(seconds: 1800), target: .maximum(Megawatts(6)))
                        )
                    )
                )
            }
            #expect(rig.vtn.vens.first?["venName"] as? String == "west-texas-1")
            #expect(rig.vtn.tokensIssued == 1)

            // A new modificationDateTime is a modification.
            rig.vtn.put(event: Self.event("e-1", level: 3, start: start, minutes: 30, modified: "2026-12-03T10:05:00Z"))
            try await rig.wait("the level-3 cap") {
                rig.gridEvents.contains { if case .event(let e) = $0 { e.event.target == .maximum(Megawatts(2)) } else { false } }
            }

            // The controller's compliance report (played here) goes back as a 3.1 report.
            let compliance = EventReportPayload(
                id: "e-1",
                program: "OpenADR",
                status: .completed,
                ts: start.adding(seconds: 1800),
                start: start,
                end: start.adding(seconds: 1800),
                acknowledgedAt: start,
                responseSeconds: 600,
                baselineMW: 9.6,
                targetMW: 2,
                achievedMW: 1.9,
                secondsToTarget: 120,
                performanceFactor: 1,
                met: true
            )
            let controller = try MQTTClient(
                configuration: MQTTConfiguration(host: rig.broker.host, port: rig.broker.port, clientID: "controller"),
                logger: Self.quiet
            )
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await controller.run() }
                try await controller.waitUntilConnected(timeout: .seconds(10))
                try await controller.publishAndWait(
                    OutgoingMessage(topic: "site/west-texas-1/events/e-1/report", payload: try compliance.encode(), retain: false)
                )
                try await rig.wait("the report at the VTN") { !rig.vtn.reports.isEmpty }
                tasks.cancelAll()
            }
            let report = try #require(rig.vtn.reports.first)
            #expect(report["eventID"] as? String == "e-1")
            #expect(report["clientName"] as? String == "west-texas-1")
            let resource = try #require((report["resources"] as? [[String: Any]])?.first)
            #expect(resource["resourceName"] as? String == "AGGREGATED_REPORT")
            let payloads = try #require(((resource["intervals"] as? [[String: Any]])?.first?["payloads"]) as? [[String: Any]])
            let values = Dictionary(uniqueKeysWithValues: payloads.map { ($0["type"] as! String, ($0["values"] as! [Any]).first!) })
            #expect(values["OPERATING_STATE"] as? String == "RUNNING_CURTAILED")
            #expect(values["SIMPLE_LEVEL"] as? Int == 3)
            #expect((values["USAGE"] as? Double).map { abs($0 - 950) < 0.01 } == true)  // 1.9 MW for half an hour

            // Deleting the event cancels it.
            rig.vtn.delete(event: "e-1")
            try await rig.wait("the cancellation") { rig.gridEvents.contains(.cancellation(EventCancellation(id: "e-1"))) }
        }
    }

    @Test func theRIsDialectAndARevokedTokenAreHandled() async throws {
        try await Self.withRig { rig in
            rig.vtn.speakRIDialect(true)
            let start = WallClock().now.adding(seconds: 60)
            rig.vtn.put(event: Self.event("ri-1", level: 2, start: start, minutes: 10))
            try await rig.wait("the cap from a snake_case event") {
                rig.gridEvents.contains { if case .event(let e) = $0 { e.event.id == "ri-1" } else { false } }
            }
            try await rig.wait("the notifier discovery (none offered)") { rig.vtn.requests.contains("GET /openadr3/3.1.0/notifiers") }
            rig.vtn.revokeTokens()
            let before = rig.vtn.requests.count
            try await rig.wait("a new token after the 401") { rig.vtn.tokensIssued == 2 && rig.vtn.requests.count > before + 2 }
            #expect(rig.contract.statistics.requests["GET /events http 401", default: 0] >= 1)
        }
    }

    @Test func badVTNInputIsRefusedWithoutACap() async throws {
        try await Self.withRig { rig in
            let start = WallClock().now.adding(seconds: 30)
            var unknown = Self.event("bad-1", level: 2, start: start, minutes: 10)
            unknown["intervals"] = [["id": 0, "payloads": [["type": "CHARGE_STATE_SETPOINT", "values": [50]]]]]
            rig.vtn.put(event: unknown)
            rig.vtn.put(event: Self.event("bad-2", level: 9, start: start, minutes: 10))
            rig.vtn.put(event: Self.event("bad-3", level: 2, start: start.adding(seconds: -7200), minutes: 10))
            var noTime = Self.event("bad-4", level: 2, start: start, minutes: 10)
            noTime["intervalPeriod"] = ["start": "soon", "duration": "PT10M"]
            rig.vtn.put(event: noTime)
            try await rig.wait("four refusals") { rig.contract.statistics.refused >= 4 }
            try await Task.sleep(for: .seconds(2.5))  // two more polls of the same list
            #expect(rig.contract.statistics.refused == 4, "a bad event is answered once, not on every poll")
            rig.vtn.garbleEvents(true)
            try await rig.wait("the garbled list refused") { rig.contract.statistics.requests["GET /events unreadable", default: 0] >= 1 }
            rig.vtn.garbleEvents(false)
            try await Task.sleep(for: .seconds(2))
            #expect(rig.gridEvents.isEmpty)
            let reasons = rig.contract.statistics.responses.map(\.reason).joined(separator: "\n")
            #expect(reasons.contains("signal CHARGE_STATE_SETPOINT is not supported"))
            #expect(reasons.contains("SIMPLE level 9.0 is not one of 0, 1, 2, 3"))
            #expect(reasons.contains("ended at"))
            #expect(rig.contract.statistics.lastRefusal != nil)
        }
    }

    @Test func theVTNsMQTTNotifierBringsAnEventWithoutWaitingForThePoll() async throws {
        try await Self.withRig(pollSeconds: 600, notifier: true) { rig in
            try await rig.wait("the notifier topics read") { rig.vtn.requests.contains("GET /openadr3/3.1.0/notifiers/mqtt/topics/events") }
            let polls = rig.vtn.requests.filter { $0 == "GET /openadr3/3.1.0/events" }.count
            let start = WallClock().now.adding(seconds: 30)
            let event = Self.event("n-1", level: 2, start: start, minutes: 10)
            rig.vtn.put(event: event)
            let notifier = try MQTTClient(
                configuration: MQTTConfiguration(host: rig.broker.host, port: rig.broker.port, clientID: "vtn-notifier"),
                logger: Self.quiet
            )
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await notifier.run() }
                try await notifier.waitUntilConnected(timeout: .seconds(10))
                let notification = FakeVTN31.data(["objectType": "EVENT", "operation": "CREATE", "object": event] as [String: Any])
                try await notifier.publishAndWait(OutgoingMessage(topic: "events/create", payload: Array(notification), retain: false))
                try await rig.wait("the cap after the notification", timeout: .seconds(10)) {
                    rig.gridEvents.contains { if case .event(let e) = $0 { e.event.id == "n-1" } else { false } }
                }
                tasks.cancelAll()
            }
            // The poll interval is 10 minutes: only the notification explains the new poll.
            #expect(rig.vtn.requests.filter { $0 == "GET /openadr3/3.1.0/events" }.count > polls)
        }
    }
}
