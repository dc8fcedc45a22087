import CurtailWire

/// Braiins OS (23.03 and later) through its public REST API (`/api/v1`, plain HTTP on port 80).
///
/// - Login: `POST /api/v1/auth/login` gives a token (valid an hour, renewed by use); it is kept
///   and sent as `Authorization: Bearer <token>`; a 401 logs in again once.
/// - Reads: `GET /api/v1/miner/stats` (approximated consumption, 5 s hashrate) and
///   `GET /api/v1/miner/details` (`status`: 2 normal, 3 paused, 1 not started), and the tuner's
///   current power target from `GET /api/v1/performance/tuner-state`.
/// - Sleep and wake: `PUT /api/v1/actions/pause` and `/resume` (fans and control board stay up).
/// - Power target: clamped to `GET /api/v1/configuration/constraints` (read once), then
///   `PUT /api/v1/performance/power-target {"watt": W}`; a 412 (outside the limits) is `.refused`.
public actor BraiinsDriver: MinerDriver {
    public nonisolated let address: String
    let http: MinerHTTP
    let login: MinerLogin
    let timeout: Duration
    var token: String?
    var limits: ClosedRange<Double>?

    public init(http: MinerHTTP, login: MinerLogin, timeout: Duration = .seconds(10)) {
        self.http = http
        self.login = login
        self.timeout = timeout
        self.address = http.address
    }

    public func read() async throws(MinerError) -> MinerReading {
        let stats = try await json(.GET, "/api/v1/miner/stats")
        let details = try await json(.GET, "/api/v1/miner/details")
        guard let watts = stats["power_stats"]?["approximated_consumption"]?["watt"]?.number, (0..<100_000).contains(watts) else {
            throw MinerError(.malformed, "\(address): miner/stats has no power_stats.approximated_consumption.watt in 0...100000")
        }
        guard let ghs = stats["miner_stats"]?["real_hashrate"]?["last_5s"]?["gigahash_per_second"]?.number, (0..<1e9).contains(ghs) else {
            throw MinerError(.malformed, "\(address): miner/stats has no miner_stats.real_hashrate.last_5s.gigahash_per_second")
        }
        guard let status = details["status"]?.number else { throw MinerError(.malformed, "\(address): miner/details has no status") }
        let mode: MinerReading.Mode =
            switch Int(status) {
            case 3, 4: MinerReading.curtailed(powerW: watts, hashrateTH: ghs / 1000)  // paused, suspended
            case 2: ghs > 0 ? .mining : .starting
            default: .starting
            }
        let tuner = try? await json(.GET, "/api/v1/performance/tuner-state")
        let target = tuner?["mode_state"]?["powertargetmodestate"]?["current_target"]?["watt"]?.number
        return MinerReading(mode: mode, powerW: watts, hashrateTH: ghs / 1000, powerTargetW: target)
    }

    public func sleep() async throws(MinerError) {
        _ = try await call(.PUT, "/api/v1/actions/pause", body: nil)
    }

    public func wake() async throws(MinerError) {
        _ = try await call(.PUT, "/api/v1/actions/resume", body: nil)
    }

    public func setPowerTarget(watts: Double) async throws(MinerError) {
        let range = try await powerLimits()
        let target = min(max(watts, range.lowerBound), range.upperBound).rounded()
        var body = JSONWriter(capacity: 24)
        body.field("watt", Int(target))
        let bytes: [UInt8]
        do { bytes = try body.finish("power target") } catch { throw MinerError(.refused, "power target \(watts) W is not a number") }
        _ = try await call(.PUT, "/api/v1/performance/power-target", body: bytes)
    }

    /// The tuner's power-target limits.
    func powerLimits() async throws(MinerError) -> ClosedRange<Double> {
        if let limits { return limits }
        let constraints = try await json(.GET, "/api/v1/configuration/constraints")
        let target = constraints["tuner_constraints"]?["power_target"]
        guard let low = target?["min"]?["watt"]?.number, let high = target?["max"]?["watt"]?.number, low > 0, low <= high else {
            throw MinerError(.malformed, "\(address): configuration/constraints has no tuner_constraints.power_target min/max")
        }
        limits = low...high
        return low...high
    }

    func json(_ method: HTTPMethodName, _ path: String) async throws(MinerError) -> JSONValue {
        let body = try await call(method, path, body: nil)
        guard let value = JSONValue.parse(body) else {
            throw MinerError(.malformed, "\(address): \(path) answered something that is not JSON (\(body.count) bytes)")
        }
        return value
    }

    /// One authenticated call; logs in first when there is no token, and again once on a 401.
    func call(_ method: HTTPMethodName, _ path: String, body: [UInt8]?) async throws(MinerError) -> [UInt8] {
        for attempt in 0..<2 {
            let token = try await currentToken(renew: attempt > 0)
            let response = try await http.send(method, path, headers: [("Authorization", "Bearer \(token)")], body: body, timeout: timeout)
            switch response.status {
            case 200..<300: return response.body
            case 401: self.token = nil
            default:
                let text = String(decoding: response.body.prefix(160), as: UTF8.self)
                throw MinerError(.refused, "\(address): \(method.rawValue) \(path) answered HTTP \(response.status) \(text)")
            }
        }
        throw MinerError(.authentication, "\(address): the new token was refused too (HTTP 401 after logging in again)")
    }

    func currentToken(renew: Bool) async throws(MinerError) -> String {
        if let token, !renew { return token }
        var body = JSONWriter(capacity: 64)
        body.field("username", login.username)
        body.field("password", login.password)
        let bytes: [UInt8]
        do { bytes = try body.finish("login") } catch { throw MinerError(.authentication, "cannot encode the login") }
        let response = try await http.send(.POST, "/api/v1/auth/login", body: bytes, timeout: timeout)
        guard response.status == 200 else {
            throw MinerError(
                response.status == 401 || response.status == 403 ? .authentication : .refused,
                "\(address): login as \(login.username) answered HTTP \(response.status); check the inventory's credentials"
            )
        }
        guard let token = JSONValue.parse(response.body)?["token"]?.string, !token.isEmpty else {
            throw MinerError(.malformed, "\(address): the login answer has no token")
        }
        self.token = token
        return token
    }
}
