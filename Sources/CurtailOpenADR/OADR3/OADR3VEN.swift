public import CurtailController
import CurtailCore
public import CurtailFeeds
public import CurtailPolicyFiles
import CurtailWire
import Foundation
import Logging
import NIOHTTP1

/// An OpenADR 3.1 VEN over REST/JSON: OAuth2 client credentials, its `ven` object, events by
/// polling, and a report per event.
///
/// - Token: `GET /auth/server` names the token URL (else `/auth/token`); a client-credentials
///   form POST; renewed at 90 % of `expires_in` and after a 401. No credentials: no token.
/// - VEN object: `GET /vens?venName=…`, created with `POST /vens` when absent.
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

    struct Session {
        var token: String?
        var tokenExpires: Timestamp?
        var venID: String?
        var seen: [String: (stamp: String, modification: Int, event: DREvent)] = [:]
        var reported: Set<String> = []
    }

    func run() async throws {
        var session = Session()
        var nextPoll = clock.now
        while !Task.isCancelled {
            let now = clock.now
            contract.step { $0.tick(at: now) }
            if now >= nextPoll {
                do {
                    try await poll(&session)
                } catch {
                    contract.logger.warning("poll failed: \(error)")
                }
                nextPoll = clock.now.adding(seconds: settings.pollSeconds * Double.random(in: 0.9...1.1))
            }
            await report(&session)
            try await clock.sleep(until: clock.now.advanced(by: .milliseconds(500)), tolerance: nil)
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
            "objectType": "REPORT",
            "programID": event.program,
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
                    description: "\(name): HTTP \(response.status) \(problem?.title ?? "") \(problem?.detail ?? String(decoding: response.body.prefix(200), as: UTF8.self))"
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
        if !renew, let token = session.token, let expires = session.tokenExpires, clock.now < expires { return token }
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
        session.token = token
        session.tokenExpires = clock.now.adding(seconds: life * 0.9)
        return token
    }
}
