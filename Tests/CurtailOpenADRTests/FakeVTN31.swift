import Foundation
import SimulatedHTTP
import Synchronization

/// A small OpenADR 3.1 VTN for the tests, written from the published OpenAPI document
/// (openadr3.yaml 3.1.0): `/auth/server`, `/auth/token` (client credentials), `/vens`,
/// `/events` (paged with skip/limit), `/reports`; `problem` JSON for errors. It can speak the
/// Alliance RI's dialect instead (snake_case keys, times without a zone), and revoke its token.
final class FakeVTN31: Sendable {
    static let clientID = "site-ven"
    static let clientSecret = "s3cret-not-for-logs"

    /// Objects are kept as JSON text (`[String: Any]` is not Sendable).
    struct State {
        var events: [String: Data] = [:]
        var order: [String] = []
        var vens: [Data] = []
        var reports: [Data] = []
        var tokens: Set<String> = []
        var issued = 0
        var requests: [String] = []
        var snakeCase = false
        var garbleEvents = false
        var notifierURL: String?
    }

    let state = Mutex(State())
    static func object(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:] }
    static func data(_ object: Any) -> Data { (try? JSONSerialization.data(withJSONObject: object)) ?? Data() }

    var reports: [[String: Any]] { state.withLock { $0.reports }.map(Self.object) }
    var requests: [String] { state.withLock { $0.requests } }
    var tokensIssued: Int { state.withLock { $0.issued } }
    var vens: [[String: Any]] { state.withLock { $0.vens }.map(Self.object) }

    func put(event: [String: Any]) {
        let id = event["id"] as! String
        let data = Self.data(event)
        state.withLock {
            if $0.events[id] == nil { $0.order.append(id) }
            $0.events[id] = data
        }
    }

    func delete(event id: String) {
        state.withLock {
            $0.events[id] = nil; $0.order.removeAll { $0 == id }
        }
    }
    func revokeTokens() { state.withLock { $0.tokens = [] } }
    func speakRIDialect(_ on: Bool) { state.withLock { $0.snakeCase = on } }
    func garbleEvents(_ on: Bool) { state.withLock { $0.garbleEvents = on } }
    func offerNotifier(at url: String) { state.withLock { $0.notifierURL = url } }

    func answer(_ request: SimulatedHTTPRequest) -> SimulatedHTTPAnswer {
        state.withLock { $0.requests.append("\(request.method) \(request.route)") }
        let base = "/openadr3/3.1.0"
        guard request.route.hasPrefix(base) else { return problem(404, "no such path") }
        let route = String(request.route.dropFirst(base.count))
        switch (request.method, route) {
        case ("GET", "/auth/server"):
            return json(200, ["tokenURL": "http://\(request.header("host") ?? "127.0.0.1")\(base)/auth/token"])
        case ("POST", "/auth/token"):
            let form = Dictionary(request.form, uniquingKeysWith: { a, _ in a })
            guard form["grant_type"] == "client_credentials", form["client_id"] == Self.clientID, form["client_secret"] == Self.clientSecret else {
                return json(401, ["error": "invalid_client"])
            }
            let token = UUID().uuidString
            state.withLock {
                $0.tokens.insert(token)
                $0.issued += 1
            }
            return json(200, ["access_token": token, "token_type": "Bearer", "expires_in": 3600])
        default: break
        }
        let token = request.header("authorization").map { String($0.dropFirst("Bearer ".count)) } ?? ""
        guard state.withLock({ $0.tokens.contains(token) }) else { return problem(401, "missing or expired token") }
        switch (request.method, route) {
        case ("GET", "/notifiers"):
            guard let url = state.withLock({ $0.notifierURL }) else { return json(200, ["WEBHOOK": false]) }
            return json(
                200,
                [
                    "WEBHOOK": false,
                    "MQTT": ["URIS": [url], "authentication": ["method": "OAUTH2_BEARER_TOKEN", "username": "{clientID}"], "serialization": "JSON"],
                ] as [String: Any]
            )
        case ("GET", "/notifiers/mqtt/topics/events"):
            return json(200, ["topics": ["CREATE": "events/create", "UPDATE": "events/update", "DELETE": "events/delete"]])
        case ("GET", "/vens"):
            let name = request.parameter("venName")
            return json(200, vens.filter { $0["venName"] as? String == name })
        case ("POST", "/vens"):
            guard var ven = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                ven["objectType"] as? String == "VEN_VEN_REQUEST", ven["venName"] is String
            else { return problem(400, "a ven needs objectType VEN_VEN_REQUEST and venName") }
            ven["id"] = "ven-\(state.withLock { $0.vens.count + 1 })"
            let data = Self.data(ven)
            state.withLock { $0.vens.append(data) }
            return json(201, ven)
        case ("GET", "/events"):
            let skip = Int(request.parameter("skip") ?? "0") ?? 0
            let limit = min(50, Int(request.parameter("limit") ?? "50") ?? 50)
            let (events, snake, garble) = state.withLock { s in (s.order.compactMap { s.events[$0] }, s.snakeCase, s.garbleEvents) }
            if garble { return .respond(SimulatedHTTPResponse(status: 200, text: "[{\"id\": 1,", contentType: "application/json")) }
            let page = Array(events.dropFirst(skip).prefix(limit)).map(Self.object).map { snake ? Self.riDialect($0) : $0 }
            return json(200, page)
        case ("POST", "/reports"):
            guard var report = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any], report["eventID"] is String else {
                return problem(400, "a report needs an eventID")
            }
            report["id"] = "report-\(state.withLock { $0.reports.count + 1 })"
            let data = Self.data(report)
            state.withLock { $0.reports.append(data) }
            return json(201, report)
        default:
            return problem(404, "\(request.method) \(route) is not served")
        }
    }

    /// How the Alliance RI writes objects: snake_case keys, a created time without a zone.
    static func riDialect(_ object: [String: Any]) -> [String: Any] {
        func snake(_ key: String) -> String {
            var out = ""
            for character in key {
                if character.isUppercase, !out.isEmpty, key != "programID" { out += "_" }
                out += character.lowercased()
            }
            return key == "programID" ? "program_id" : out
        }
        func convert(_ value: Any) -> Any {
            if let map = value as? [String: Any] { return Dictionary(uniqueKeysWithValues: map.map { (snake($0.key), convert($0.value)) }) }
            if let list = value as? [Any] { return list.map(convert) }
            return value
        }
        var converted = convert(object) as! [String: Any]
        converted["created_date_time"] = "2026-12-03 07:44:19"
        return converted
    }

    func json(_ status: Int, _ object: Any) -> SimulatedHTTPAnswer {
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return .respond(SimulatedHTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(data)))
    }

    func problem(_ status: Int, _ detail: String) -> SimulatedHTTPAnswer {
        json(status, ["type": "about:blank", "title": status == 401 ? "Unauthorized" : "Bad request", "status": status, "detail": detail])
    }
}
