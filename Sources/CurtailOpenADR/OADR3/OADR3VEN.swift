public import CurtailController
import CurtailCore
public import CurtailFeeds
import CurtailMQTT
public import CurtailPolicyFiles
import CurtailWire
import Foundation
import Logging
import NIOHTTP1
import Synchronization

/// An OpenADR 3.1 VEN over REST/JSON: OAuth2 client credentials, its `ven` object, events by
/// polling, and a report per event.
///
/// - Token: `GET /auth/server` names the token URL (else `/auth/token`); a client-credentials
///   form POST; renewed at 90 % of `expires_in` and after a 401. No credentials: no token.
/// - VEN object: `GET /vens?venName=…`, created with `POST /vens` when absent.
/// - Notifications: when `/notifiers` offers MQTT, the VEN subscribes to the event topics the
///   VTN names and polls at once on every notification (`openadr.mqtt_notifier`).
/// - Events: `GET /events` (paged by 50) every poll interval. A changed `modificationDateTime`
///   is a modification; an event the VTN stops listing was deleted, which 3.1 defines as a
///   cancellation.
/// - Reports: when the controller's compliance report for an event arrives, `POST /reports` with
///   USAGE (kWh over the event), SIMPLE_LEVEL (the level run: the one asked if the target was met,
///   else 0) and OPERATING_STATE; a declined event is reported at once as RUNNING_OPTED_OUT.
public struct OADR3VEN: Sendable {
    let settings: OpenADRSettings
    let credentials: OADR3Credentials?
    let http: FeedHTTP
    let contract: VENContract
    let clock: any SiteClock

    public init(settings: OpenADRSettings, credentials: OADR3Credentials?, http: FeedHTTP, contract: VENContract, clock: any SiteClock) {
        self.settings = settings
        self.credentials = credentials
        self.http = http
        self.contract = contract
        self.clock = clock
    }

    /// The access token, shared by the poller and the notifier.
    final class TokenStore: Sendable {
        let state = Mutex<(token: String, expires: Timestamp)?>(nil)
    }
    let tokens = TokenStore()

    struct Session {
        var venID: String?
        var seen: [String: (stamp: String, modification: Int, event: DREvent)] = [:]
        var reported: Set<String> = []
    }

    /// Set by a notification: poll now.
    final class Wake: Sendable {
        let flag = Mutex(false)
        func set() { flag.withLock { $0 = true } }
        func take() -> Bool {
            flag.withLock { value in
                let was = value
                value = false
                return was
            }
        }
    }

    func run() async throws {
        let wake = Wake()
        let polled = Wake()
        try await withThrowingDiscardingTaskGroup { group in
            if settings.mqttNotifier {
                group.addTask {
                    // After the first poll, so that both use its token.
                    while !polled.flag.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(100)) }
                    await listen(wake: wake)
                }
            }
            try await pollLoop(wake: wake, polled: polled)
            group.cancelAll()
        }
    }

    func pollLoop(wake: Wake, polled: Wake) async throws {
        var session = Session()
        var nextPoll = clock.now
        while !Task.isCancelled {
            let now = clock.now
            contract.step { $0.tick(at: now) }
            if now >= nextPoll || wake.take() {
                do {
                    try await poll(&session)
                } catch {
                    contract.logger.warning("poll failed: \(error)")
                }
                polled.set()
                nextPoll = clock.now.adding(seconds: settings.pollSeconds * Double.random(in: 0.9...1.1))
            }
            await report(&session)
            try await clock.sleep(until: clock.now.advanced(by: .milliseconds(500)), tolerance: nil)
        }
    }

    // MARK: - MQTT notifier

    struct Notifiers: Decodable {
        struct Binding: Decodable {
            struct Authentication: Decodable {
                var method: String
                var username: String?
            }
            var URIS: [String]?
            var authentication: Authentication?
        }
        var MQTT: Binding?
    }

    struct NotifierTopics: Decodable { var topics: [String: String] }

    struct Program: Decodable { var id: String }

    /// The notifier topics for this VEN's events, never hard-coded: the VEN-scoped ones
    /// (`/notifiers/mqtt/topics/vens/{venID}/events`), else those of each program it can read,
    /// else the VTN-wide ones (which need a scope VENs rarely have). CREATE, UPDATE and DELETE are
    /// all subscribed, and ALL too when named (VTNs disagree on whether ALL is a wildcard).
    func eventTopics(_ session: inout Session) async -> [String] {
        func filters(_ topics: NotifierTopics) -> [String] {
            ["CREATE", "UPDATE", "DELETE", "ALL"].compactMap { topics.topics[$0] }
        }
        if let venID = try? await findOrCreateVEN(&session),
            let topics: NotifierTopics = try? await get("/notifiers/mqtt/topics/vens/\(venID)/events", query: [], &session)
        {
            return filters(topics)
        }
        if let programs: [Program] = try? await get("/programs", query: [("skip", "0"), ("limit", "50")], &session) {
            var found: [String] = []
            for program in programs {
                if let topics: NotifierTopics = try? await get("/notifiers/mqtt/topics/programs/\(program.id)/events", query: [], &session) {
                    found += filters(topics)
                }
            }
            if !found.isEmpty { return found }
        }
        if let topics: NotifierTopics = try? await get("/notifiers/mqtt/topics/events", query: [], &session) { return filters(topics) }
        return []
    }

    /// Follows the VTN's MQTT notifier, if it offers one: any event notification makes the VEN
    /// poll at once (the spec asks clients to read objects over REST, not trust the message).
    /// Without one, or when it cannot be reached, the VEN only polls.
    func listen(wake: Wake) async {
        var session = Session()
        let logger = contract.logger
        do {
            let notifiers: Notifiers = try await get("/notifiers", query: [], &session)
            guard let binding = notifiers.MQTT, let url = settings.mqttNotifierURL ?? binding.URIS?.first else {
                logger.info("the VTN offers no MQTT notifier: polling every \(settings.pollSeconds) s")
                return
            }
            let filters = await eventTopics(&session)
            guard !filters.isEmpty else {
                logger.warning("the VTN's MQTT notifier names no event topics this VEN may read: polling only")
                return
            }
            var configuration = try MQTTConfiguration(url: url, clientID: "curtail-\(settings.venName)-notifier")
            switch binding.authentication?.method ?? "ANONYMOUS" {
            case "ANONYMOUS": break
            case "OAUTH2_BEARER_TOKEN":
                let token = try await token(&session, renew: false)
                let name = binding.authentication?.username ?? "{clientID}"
                configuration.credentials = .init(username: name == "{clientID}" ? (credentials?.clientID ?? "") : name, password: token)
            case let method:
                logger.warning("the VTN's MQTT notifier wants \(method) authentication, which this VEN does not do: polling only")
                return
            }
            let client = try MQTTClient(configuration: configuration, logger: logger)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await client.run() }
                try await client.waitUntilConnected(timeout: .seconds(30))
                for filter in filters { try await client.subscribe(to: filter) }
                logger.notice("following the VTN's MQTT notifier at \(url) on \(filters.joined(separator: ", "))")
                wake.set()  // anything missed while connecting
                for await message in client.messages {
                    logger.debug("notification on \(message.topic): polling now")
                    wake.set()
                }
                group.cancelAll()
            }
        } catch is CancellationError {
        } catch {
            logger.warning("the VTN's MQTT notifier is not usable (\(error)): polling every \(settings.pollSeconds) s")
        }
    }

    // MARK: - Polling

    func poll(_ session: inout Session) async throws {
        if session.venID == nil { session.venID = try? await findOrCreateVEN(&session) }
        var listed: [OADR3Event] = []
        var skip = 0
        while true {
            let page: [OADR3Event] = try await get("/events", query: [("skip", "\(skip)"), ("limit", "50")], &session)
            listed += page
            guard page.count == 50, skip < 10_000 else { break }
            skip += 50
        }
        let now = clock.now
        var events: [DREvent] = []
        var present: Set<String> = []
        for object in listed {
            present.insert(object.id)
            let stamp = object.modificationDateTime ?? ""
            var modification = 0
            if let known = session.seen[object.id] {
                modification = known.stamp == stamp ? known.modification : known.modification + 1
                if known.stamp == stamp {
                    events.append(known.event)
                    continue
                }
            }
            do {
                let event = try object.event(modification: modification, at: now)
                session.seen[object.id] = (stamp, modification, event)
                events.append(event)
            } catch {
                contract.refuse(error.description)
                session.seen[object.id] = (stamp, modification, DREvent(id: object.id, modification: modification, status: .completed, intervals: []))
            }
        }
        let responses = contract.step { $0.receive(events, at: now) }
        for response in responses where !response.optIn && response.code == 200 {
            await postOptOut(response, &session)
        }
        for id in session.seen.keys where !present.contains(id) {
            session.seen[id] = nil
            contract.logger.notice("event \(id) is no longer listed by the VTN: deleted, which cancels it")
            contract.step { $0.remove(id: id, at: now) }
        }
    }

    func findOrCreateVEN(_ session: inout Session) async throws -> String {
        struct VEN: Decodable { var id: String }
        let found: [VEN] = try await get("/vens", query: [("venName", settings.venName)], &session)
        if let ven = found.first { return ven.id }
        let created: VEN = try await send(
            .POST,
            "/vens",
            ["objectType": "VEN_VEN_REQUEST", "venName": settings.venName],
            &session
        )
        contract.logger.notice("created VEN \(settings.venName) at the VTN: id \(created.id)")
        return created.id
    }

    // MARK: - Reports

    func report(_ session: inout Session) async {
        for (id, entry) in session.seen where !session.reported.contains(id) {
            guard let compliance = contract.report(for: id), compliance.status != .acknowledged else { continue }
            let level = entry.event.intervals.flatMap(\.signals).compactMap { signal -> Int? in
                if case .simple(let value) = signal { return Int(value) }
                return nil
            }.max()
            let hours = compliance.end.seconds(since: compliance.start) / 3600
            let met = compliance.met ?? false
            var payloads: [[String: Any]] = [
                ["type": "OPERATING_STATE", "values": [met ? "RUNNING_CURTAILED" : "ERROR"]]
            ]
            if let achieved = compliance.achievedMW {
                payloads.append(["type": "USAGE", "values": [(achieved * hours * 1000 * 1000).rounded() / 1000]])
            }
            if let level { payloads.append(["type": "SIMPLE_LEVEL", "values": [met ? level : 0]]) }
            let body = reportBody(eventID: id, entry.event, start: compliance.start, hours: hours, payloads: payloads)
            do {
                let _: [String: OADR3Value] = try await send(.POST, "/reports", body, &session)
                session.reported.insert(id)
                contract.logger.info("reported event \(id) to the VTN: \(met ? "met" : "not met"), achieved \(compliance.achievedMW ?? -1) MW")
            } catch {
                contract.logger.warning("report for event \(id) not sent: \(error); will retry")
            }
        }
    }

    func postOptOut(_ response: EventResponse, _ session: inout Session) async {
        guard let entry = session.seen[response.eventID], let start = entry.event.start, let end = entry.event.end else { return }
        let body = reportBody(
            eventID: response.eventID,
            entry.event,
            start: start,
            hours: end.seconds(since: start) / 3600,
            payloads: [["type": "OPERATING_STATE", "values": ["RUNNING_OPTED_OUT"]]]
        )
        do {
            let _: [String: OADR3Value] = try await send(.POST, "/reports", body, &session)
            session.reported.insert(response.eventID)
        } catch {
            contract.logger.warning("opt-out report for event \(response.eventID) not sent: \(error)")
        }
    }

    func reportBody(eventID: String, _ event: DREvent, start: Timestamp, hours: Double, payloads: [[String: Any]]) -> [String: Any] {
        [
            "objectType": "REPORT",  // 3.1 has no programID on a report (3.0.1 had)
            "eventID": eventID,
            "clientName": settings.venName,
            "reportName": "\(eventID)-compliance",
            "payloadDescriptors": payloads.map { ["objectType": "REPORT_PAYLOAD_DESCRIPTOR", "payloadType": $0["type"] ?? ""] },
            "resources": [
                [
                    "resourceName": "AGGREGATED_REPORT",
                    "intervalPeriod": ["start": start.iso8601, "duration": ISODuration.format(seconds: hours * 3600)],
                    "intervals": [["id": 0, "payloads": payloads]],
                ]
            ],
        ]
    }

    // MARK: - HTTP

    func get<T: Decodable>(_ path: String, query: [(String, String)], _ session: inout Session) async throws -> T {
        try await call(.GET, path + FeedHTTP.query(query), body: nil, &session)
    }

    func send<T: Decodable>(_ method: HTTPMethod, _ path: String, _ object: [String: Any], _ session: inout Session) async throws -> T {
        let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return try await call(method, path, body: Array(body), &session)
    }

    func call<T: Decodable>(_ method: HTTPMethod, _ path: String, body: [UInt8]?, _ session: inout Session) async throws -> T {
        let name = "\(method.rawValue) \(FeedHTTP.withoutQuery(path))"
        for attempt in 0..<2 {
            var headers: [(String, String)] = [("Accept", "application/json")]
            if let token = try await token(&session, renew: attempt > 0) { headers.append(("Authorization", "Bearer \(token)")) }
            let response = try await http.send(
                method,
                settings.vtnURL + path,
                headers: headers,
                body: body.map { ("application/json", $0) }
            )
            if response.status == 401, credentials != nil, attempt == 0 {
                contract.count(name, "http 401")
                continue
            }
            guard (200..<300).contains(response.status) else {
                contract.count(name, "http \(response.status)")
                let problem = try? JSONDecoder().decode(OADR3Problem.self, from: Data(response.body))
                throw OADR2InputError(
                    description:
                        "\(name): HTTP \(response.status) \(problem?.title ?? "") \(problem?.detail ?? String(decoding: response.body.prefix(200), as: UTF8.self))"
                )
            }
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            do {
                let value = try decoder.decode(T.self, from: Data(response.body))
                contract.count(name, "ok")
                return value
            } catch let error as DecodingError {
                contract.count(name, "unreadable")
                let problem = "\(name): the VTN's answer is not what 3.1 defines: \(OADR2Incoming.describe(error))"
                contract.refuse(problem)
                throw OADR2InputError(description: problem)
            }
        }
        throw OADR2InputError(description: "\(name): refused twice (401); check the client credentials")
    }

    func token(_ session: inout Session, renew: Bool) async throws -> String? {
        guard let credentials else { return nil }
        let now = clock.now
        if !renew, let cached = tokens.state.withLock({ $0 }), now < cached.expires { return cached.token }
        var tokenURL = settings.vtnURL + "/auth/token"
        if let answer = try? await http.send(.GET, settings.vtnURL + "/auth/server"), answer.status == 200,
            let object = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any], let url = object["tokenURL"] as? String
        {
            tokenURL = url
        }
        let response = try await http.send(
            .POST,
            tokenURL,
            form: [("grant_type", "client_credentials"), ("client_id", credentials.clientID), ("client_secret", credentials.clientSecret)]
        )
        guard response.status == 200, let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
            let token = object["access_token"] as? String
        else {
            contract.count("token", "http \(response.status)")
            throw OADR2InputError(description: "the token endpoint refused client \(credentials.clientID): HTTP \(response.status)")
        }
        contract.count("token", "ok")
        let life = (object["expires_in"] as? Double) ?? (object["expires_in"] as? Int).map(Double.init) ?? 3600
        tokens.state.withLock { $0 = (token, clock.now.adding(seconds: life * 0.9)) }
        return token
    }
}
