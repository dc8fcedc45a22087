import AsyncHTTPClient
public import CurtailController
import CurtailCore
import CurtailWire
import NIOHTTP1

/// ERCOT's public API (`https://api.ercot.com/api/public-reports`): an id token from the Azure
/// B2C ROPC flow plus the subscription key on every request, reports read page by page.
///
/// The token is fetched on first use and again a tenth of its life (at most 5 minutes) before it
/// expires, or after a 401. Token timing is on `tokenClock`: the wall clock, whatever clock the feed
/// runs on (a test passes a manual one).
public actor ERCOTClient {
    /// The B2C token endpoint ERCOT documents.
    public static let defaultTokenURL = "https://ercotb2c.b2clogin.com/ercotb2c.onmicrosoft.com/B2C_1_PUBAPI-ROPC-FLOW/oauth2/v2.0/token"
    /// The public reports base.
    public static let defaultAPIBase = "https://api.ercot.com/api/public-reports"
    /// The public API's client id (ERCOT's documentation).
    static let clientID = "fec253ea-0d06-4272-a5e6-b478baeecd70"
    /// Pages read per query at most (with a settlement point filter one page is the norm).
    public static let maximumPages = 100

    let http: FeedHTTP
    let credentials: ERCOTCredentials
    let apiBase: String
    let tokenURL: String
    let tokenClock: any SiteClock
    private var token: (value: String, refreshAt: Timestamp)?

    public init(
        http: FeedHTTP,
        credentials: ERCOTCredentials,
        apiBase: String = defaultAPIBase,
        tokenURL: String = defaultTokenURL,
        tokenClock: any SiteClock = WallClock()
    ) {
        self.http = http
        self.tokenClock = tokenClock
        self.credentials = credentials
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.tokenURL = tokenURL
    }

    /// Reads every page of `report` (`np6-905-cd/spp_node_zone_hub`) for `parameters`.
    public func pages(_ report: String, product: String, parameters: [(String, String)]) async throws(ERCOTAPIError) -> [ERCOTReportPage] {
        var pages: [ERCOTReportPage] = []
        var page = 1
        repeat {
            let url = "\(apiBase)/\(report)" + FeedHTTP.query(parameters + [("page", String(page)), ("size", "1000")])
            let response = try await get(url, product: product)
            let decoded: ERCOTReportPage
            do {
                decoded = try ERCOTReportPage(decoding: response.body, product: product)
            } catch {
                throw ERCOTAPIError(.malformed, error.message)
            }
            pages.append(decoded)
            page += 1
            if page > decoded.totalPages || decoded.rows.isEmpty { break }
        } while page <= Self.maximumPages
        return pages
    }

    /// A GET with the key and token, the status mapped to ``ERCOTAPIError``.
    func get(_ url: String, product: String) async throws(ERCOTAPIError) -> FeedHTTP.Response {
        let bearer = try await currentToken()
        let response: FeedHTTP.Response
        do {
            response = try await http.send(
                .GET,
                url,
                headers: [
                    ("Ocp-Apim-Subscription-Key", credentials.subscriptionKey), ("Authorization", "Bearer \(bearer)"), ("Accept", "application/json"),
                ]
            )
        } catch {
            throw ERCOTAPIError(.unreachable, "\(product): \(error.description)")
        }
        switch response.status {
        case 200: return response
        case 401:
            token = nil
            throw ERCOTAPIError(.unauthorized, "\(product): HTTP 401 (token expired or refused); a new token is fetched before the next poll")
        case 429:
            let wait = response.header("Retry-After").flatMap(Double.init).map { Duration.milliseconds(Int64(min($0, 3600) * 1000)) }
            throw ERCOTAPIError(
                .rateLimited,
                "\(product): HTTP 429 (too many requests)\(wait.map { "; the server asks to wait \($0)" } ?? "")",
                retryAfter: wait
            )
        case 500...599:
            throw ERCOTAPIError(.server, "\(product): HTTP \(response.status) from ERCOT")
        default:
            throw ERCOTAPIError(
                .refused,
                "\(product): HTTP \(response.status) for \(FeedHTTP.withoutQuery(url)); check the product path and parameters"
            )
        }
    }

    private func currentToken() async throws(ERCOTAPIError) -> String {
        if let token, tokenClock.now < token.refreshAt { return token.value }
        let form = [
            ("username", credentials.username), ("password", credentials.password), ("grant_type", "password"),
            ("scope", "openid \(Self.clientID) offline_access"), ("client_id", Self.clientID), ("response_type", "id_token"),
        ]
        let response: FeedHTTP.Response
        do {
            response = try await http.send(.POST, tokenURL, form: form)
        } catch {
            throw ERCOTAPIError(.unreachable, "token: \(error.description)")
        }
        guard response.status == 200 else {
            if response.status == 429 || response.status >= 500 {
                throw ERCOTAPIError(response.status == 429 ? .rateLimited : .server, "token: HTTP \(response.status) from the token endpoint")
            }
            throw ERCOTAPIError(
                .credentialsRefused,
                "token: HTTP \(response.status): the token endpoint refused the credentials of \(credentials.username); check the user name and password"
            )
        }
        guard case .object(let body)? = JSONValue.parse(response.body), case .string(let value)? = body["id_token"] ?? body["access_token"],
            !value.isEmpty
        else {
            throw ERCOTAPIError(.malformed, "token: the answer has no id_token")
        }
        var lifetime = 3600.0
        switch body["expires_in"] {
        case .number(let n)?: lifetime = n
        case .string(let s)?: lifetime = Double(s) ?? 3600
        default: break
        }
        lifetime = max(1, min(lifetime, 86_400))
        let margin = min(300, lifetime / 10)
        token = (value, tokenClock.now.adding(seconds: lifetime - margin))
        return value
    }
}
