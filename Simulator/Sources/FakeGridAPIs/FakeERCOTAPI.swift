public import CurtailCore
public import CurtailReplay
import CurtailWire
public import SimulatedHTTP
import Synchronization

/// ERCOT's public API as a feed sees it, serving real settlement point prices on a simulated
/// clock: the B2C token call, NP6-905-CD (15-minute settlement point prices) and NP6-788-CD (SCED
/// LMPs), with the `_meta` / `fields` / `data` page shape, hour-ending Central times, the DST flag
/// and paging; and the grid-conditions dashboard JSON.
///
/// The settlement prices are the real ones of the series given. ERCOT's SCED LMPs are not in the
/// shared data, so each interval's three SCED runs (at :00:10, :05:10 and :10:10 of the interval)
/// are derived from its settlement price: 98 %, 100 % and 102 % of it, which average to it. A
/// settlement price becomes visible ``settlementLagSeconds`` after its interval ends, a SCED price
/// 20 s after its run.
///
/// Faults for tests: one-shot answers per product (429, 500, a malformed or empty page), expired
/// tokens, corrections of published prices. Every request is logged with the simulated time.
public final class FakeERCOTAPI: Sendable {
    /// The routes.
    public enum Product: String, Sendable, Hashable, CaseIterable {
        case settlement = "/np6-905-cd/spp_node_zone_hub"
        case sced = "/np6-788-cd/lmp_node_zone_hub"
        case token = "/token"
        case gridConditions = "/dashboards/daily-prc.json"
    }

    /// A one-shot answer in place of the real one.
    public enum Fault: Sendable, Hashable {
        case status(Int, retryAfterSeconds: Int? = nil)
        case malformed
        case emptyPage
        case missingField
    }

    /// One request, as logged.
    public struct LoggedRequest: Sendable, Hashable {
        /// The route, `nil` for an unknown path.
        public var product: Product?
        /// Path and query as sent.
        public var path: String
        /// Simulated time of the request.
        public var at: Timestamp
        /// The status answered.
        public var status: Int
    }

    struct State {
        var corrections: [Int64: Double] = [:]
        var faults: [Product: [Fault]] = [:]
        var tokens: Set<String> = []
        var issued = 0
        var log: [LoggedRequest] = []
        var gridState = "normal"
        var tokenLifetimeSeconds = 3600
    }

    /// The one settlement point served.
    public let settlementPoint: String
    /// Its real 15-minute settlement prices.
    public let series: TimeSeries
    /// The account the token call accepts.
    public let username: String
    /// Its password.
    public let password: String
    /// The subscription key every report request must carry.
    public let subscriptionKey: String
    /// Seconds after its interval ends that a settlement price appears.
    public let settlementLagSeconds: Int
    /// Rows per page unless the request asks for fewer.
    public let pageSize: Int
    let now: @Sendable () -> Timestamp
    private let state = Mutex(State())

    /// A fake serving `series` as `settlementPoint`'s prices, on the clock `now`.
    public init(
        settlementPoint: String,
        series: TimeSeries,
        username: String = "curtail@example.com",
        password: String = "not-a-real-password",
        subscriptionKey: String = "0123456789abcdef",
        settlementLagSeconds: Int = 60,
        pageSize: Int = 1000,
        now: @escaping @Sendable () -> Timestamp
    ) {
        self.settlementPoint = settlementPoint
        self.series = series
        self.username = username
        self.password = password
        self.subscriptionKey = subscriptionKey
        self.settlementLagSeconds = settlementLagSeconds
        self.pageSize = pageSize
        self.now = now
    }

    // MARK: Test controls

    /// Answers the next request for `product` with `fault` instead (queued in order).
    public func inject(_ fault: Fault, for product: Product) { state.withLock { $0.faults[product, default: []].append(fault) } }
    /// Makes every token issued so far invalid (the next API call gets a 401).
    public func expireTokens() { state.withLock { $0.tokens.removeAll() } }
    /// Sets the lifetime (`expires_in`) of tokens issued from now on.
    public func setTokenLifetime(seconds: Int) { state.withLock { $0.tokenLifetimeSeconds = seconds } }
    /// Corrects the settlement price of the interval starting at `interval`.
    public func correct(interval: Timestamp, to price: Double) { state.withLock { $0.corrections[interval.millisecondsSinceEpoch] = price } }
    /// The dashboard's `current_condition.state`.
    public func setGridState(_ text: String) { state.withLock { $0.gridState = text } }
    /// Every request so far.
    public var requests: [LoggedRequest] { state.withLock { $0.log } }
    /// Tokens issued so far.
    public var tokensIssued: Int { state.withLock { $0.issued } }

    /// The settlement price of an interval as served now (a correction if there is one).
    public func settlementPrice(_ interval: Timestamp) -> Double? {
        let corrected = state.withLock { $0.corrections[interval.millisecondsSinceEpoch] }
        return corrected ?? series.value(at: interval)
    }

    /// The SCED LMP of run `run` (0-2) of an interval.
    public func scedPrice(_ interval: Timestamp, run: Int) -> Double? {
        guard let price = series.value(at: interval) else { return nil }
        return (price * [0.98, 1.0, 1.02][run] * 100).rounded() / 100
    }

    // MARK: Serving

    /// Answers one request.
    public func answer(_ request: SimulatedHTTPRequest) -> SimulatedHTTPAnswer {
        let product = Product(rawValue: String(request.route))
        let response = respond(request, product: product)
        let at = now()
        state.withLock { $0.log.append(LoggedRequest(product: product, path: request.path, at: at, status: response.status)) }
        return .respond(response)
    }

    private func respond(_ request: SimulatedHTTPRequest, product: Product?) -> SimulatedHTTPResponse {
        guard let product else { return json(404, #"{"statusCode":404,"message":"Resource not found"}"#) }
        if product == .gridConditions {
            let text = state.withLock { $0.gridState }
            let seconds = now().millisecondsSinceEpoch / 1000
            return json(200, #"{"current_condition":{"state":"\#(text)","prc_value":"8,123","datetime":\#(seconds),"condition_note":""}}"#)
        }
        if let fault = state.withLock({ $0.faults[product]?.isEmpty == false ? $0.faults[product]!.removeFirst() : nil }) {
            switch fault {
            case .status(let code, let retryAfter):
                var response = json(code, #"{"statusCode":\#(code),"message":"injected"}"#)
                if let retryAfter { response.headers.append(("Retry-After", String(retryAfter))) }
                return response
            case .malformed: return json(200, #"{"_meta":{"totalRecords":3},"fields":[{"name":"deliveryDate"}],"data":[["2024-01-18",13"#)
            case .emptyPage: return page(fields: fields(for: product), rows: [], request: request)
            case .missingField:
                return page(
                    fields: ["deliveryDate", "settlementPoint"],
                    rows: [[.string("2024-01-18"), .string(settlementPoint)]],
                    request: request
                )
            }
        }
        if product == .token { return token(request) }
        guard request.header("Ocp-Apim-Subscription-Key") == subscriptionKey else {
            return json(401, #"{"statusCode":401,"message":"Access denied due to missing subscription key."}"#)
        }
        let bearer = request.header("Authorization").flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard let bearer, state.withLock({ $0.tokens.contains(bearer) }) else {
            return json(401, #"{"statusCode":401,"message":"Invalid or expired token"}"#)
        }
        switch product {
        case .settlement: return settlement(request)
        case .sced: return sced(request)
        default: return json(404, "{}")
        }
    }

    private func token(_ request: SimulatedHTTPRequest) -> SimulatedHTTPResponse {
        let form = Dictionary(request.form, uniquingKeysWith: { a, _ in a })
        guard request.method == "POST", form["grant_type"] == "password", form["response_type"] == "id_token", form["client_id"] != nil,
            form["scope"]?.contains("openid") == true
        else {
            return json(400, #"{"error":"invalid_request","error_description":"AADB2C90055: The scope 'openid' must be specified"}"#)
        }
        guard form["username"] == username, form["password"] == password else {
            return json(
                400,
                #"{"error":"invalid_grant","error_description":"AADB2C90225: The username or password provided in the request are invalid."}"#
            )
        }
        let (value, lifetime) = state.withLock { state -> (String, Int) in
            state.issued += 1
            let value = "id-token-\(state.issued)"
            state.tokens.insert(value)
            return (value, state.tokenLifetimeSeconds)
        }
        // B2C gives expires_in as a string.
        return json(200, #"{"access_token":"\#(value)","token_type":"Bearer","expires_in":"\#(lifetime)","id_token":"\#(value)"}"#)
    }

    private func fields(for product: Product) -> [String] {
        product == .settlement
            ? ["deliveryDate", "deliveryHour", "deliveryInterval", "settlementPoint", "settlementPointType", "settlementPointPrice", "DSTFlag"]
            : ["SCEDTimestamp", "repeatHourFlag", "settlementPoint", "LMP"]
    }

    private func settlement(_ request: SimulatedHTTPRequest) -> SimulatedHTTPResponse {
        let zone = MarketTimeZone.usCentral
        let visibleUntil = now().adding(seconds: -Double(900 + settlementLagSeconds))
        let from = request.parameter("deliveryDateFrom").flatMap(Self.date)
        let to = request.parameter("deliveryDateTo").flatMap(Self.date)
        let point = request.parameter("settlementPoint")
        var rows: [[JSONValue]] = []
        if point == nil || point == settlementPoint, let from, let to {
            // Operating days are Central; scan their UTC span.
            var t = Timestamp(secondsSinceEpoch: Int64(from.daysSinceEpoch) * 86_400)
            let end = Timestamp(secondsSinceEpoch: Int64(to.daysSinceEpoch + 2) * 86_400)
            while t < end, t <= visibleUntil {
                let local = zone.localTime(at: t)
                let day = CivilDate(year: local.year, month: local.month, day: local.day)
                if day.daysSinceEpoch >= from.daysSinceEpoch, day.daysSinceEpoch <= to.daysSinceEpoch, let price = settlementPrice(t) {
                    rows.append([
                        .string("\(day)"), .number(Double(local.hour + 1)), .number(Double(local.minute / 15 + 1)), .string(settlementPoint),
                        .string(settlementPoint.hasPrefix("HB_") ? "HU" : "LZ"), .number(price), .bool(Self.repeated(t)),
                    ])
                }
                t = t.adding(seconds: 900)
            }
        }
        return page(fields: fields(for: .settlement), rows: rows, request: request)
    }

    private func sced(_ request: SimulatedHTTPRequest) -> SimulatedHTTPResponse {
        let current = now()
        let point = request.parameter("settlementPoint")
        let from = request.parameter("SCEDTimestampFrom").flatMap(Self.localInstant)
        let to = request.parameter("SCEDTimestampTo").flatMap(Self.localInstant)
        var rows: [[JSONValue]] = []
        if point == nil || point == settlementPoint, let from, let to {
            var interval = Timestamp(
                millisecondsSinceEpoch: from.millisecondsSinceEpoch - ((from.millisecondsSinceEpoch % 900_000) + 900_000) % 900_000
            )
            while interval <= to {
                for run in 0..<3 {
                    let at = interval.adding(seconds: Double(run * 300 + 10))
                    guard at >= from, at <= to, at.adding(seconds: 20) <= current, let price = scedPrice(interval, run: run) else { continue }
                    rows.append([.string(Self.localText(at)), .bool(Self.repeated(at)), .string(settlementPoint), .number(price)])
                }
                interval = interval.adding(seconds: 900)
            }
        }
        return page(fields: fields(for: .sced), rows: rows, request: request)
    }

    private func page(fields: [String], rows: [[JSONValue]], request: SimulatedHTTPRequest) -> SimulatedHTTPResponse {
        let size = max(1, min(pageSize, request.parameter("size").flatMap(Int.init) ?? pageSize))
        let number = max(1, request.parameter("page").flatMap(Int.init) ?? 1)
        let totalPages = rows.isEmpty ? 0 : (rows.count + size - 1) / size
        let slice = rows.dropFirst((number - 1) * size).prefix(size)
        let body: JSONValue = .object([
            "_meta": .object([
                "totalRecords": .number(Double(rows.count)), "pageSize": .number(Double(size)), "totalPages": .number(Double(totalPages)),
                "currentPage": .number(Double(number)),
            ]),
            "report": .object(["reportEMILId": .string(request.route.contains("905") ? "NP6-905-CD" : "NP6-788-CD")]),
            "fields": .array(fields.map { .object(["name": .string($0), "label": .string($0)]) }),
            "data": .array(Array(slice).map { .array($0) }),
        ])
        return SimulatedHTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: body.encoded())
    }

    private func json(_ status: Int, _ text: String) -> SimulatedHTTPResponse {
        SimulatedHTTPResponse(status: status, text: text, contentType: "application/json")
    }

    // MARK: Central time

    /// Whether `instant` is in the second (CST) occurrence of the repeated hour.
    static func repeated(_ instant: Timestamp) -> Bool {
        let zone = MarketTimeZone.usCentral
        let standard = -6 * 3600
        return zone.utcOffsetSeconds(at: instant) == standard && zone.utcOffsetSeconds(at: instant.adding(seconds: -3600)) != standard
            && zone.localTime(at: instant).hour == 1
    }

    static func localText(_ instant: Timestamp) -> String {
        let local = MarketTimeZone.usCentral.localTime(at: instant)
        let seconds = Int(((instant.millisecondsSinceEpoch / 1000) % 60 + 60) % 60)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(CivilDate(year: local.year, month: local.month, day: local.day))T\(two(local.hour)):\(two(local.minute)):\(two(seconds))"
    }

    /// A filter time (`yyyy-MM-ddTHH:mm:ss`, Central); the earlier instant when ambiguous.
    static func localInstant(_ text: String) -> Timestamp? {
        let parts = text.split(separator: "T")
        guard parts.count == 2, let day = date(String(parts[0])) else { return nil }
        let clock = parts[1].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        let wall = Int64(day.daysSinceEpoch) * 86_400 + Int64(clock[0] * 3600 + clock[1] * 60 + clock[2])
        for offset in [-5 * 3600, -6 * 3600] {
            let candidate = Timestamp(secondsSinceEpoch: wall - Int64(offset))
            if MarketTimeZone.usCentral.utcOffsetSeconds(at: candidate) == offset { return candidate }
        }
        return Timestamp(secondsSinceEpoch: wall + 6 * 3600)
    }

    static func date(_ text: String) -> CivilDate? {
        let n = text.split(separator: "-").compactMap { Int($0) }
        guard n.count == 3 else { return nil }
        return CivilDate(year: n[0], month: n[1], day: n[2])
    }
}
