import Crypto
import CurtailCore
import CurtailWire
public import SimulatedHTTP

/// The web side of a fake miner: Braiins OS's public REST API (`/api/v1`, token login) or the
/// stock Antminer CGI (digest auth, realm `antMiner Configuration`). A request in, an answer out,
/// the miner's state changed. Pure: time comes in.
public struct WebResponder: Sendable {
    /// An HTTP request as the server read it.
    public typealias Request = SimulatedHTTPRequest
    /// An answer.
    public typealias Response = SimulatedHTTPResponse

    public var now: Double
    public var lie = false
    /// The password the miner accepts (user `root`).
    public var password: String

    public init(now: Double, password: String = "root", lie: Bool = false) {
        self.now = now
        self.password = password
        self.lie = lie
    }

    /// The answer to `request` for `miner`; `tokens` are the Braiins tokens issued so far, `nonce`
    /// the Antminer digest nonce.
    public func respond(to request: Request, miner: inout FakeMiner, tokens: inout Set<String>, nonce: String, refuseOutOfRange: Bool) -> Response {
        miner.advance(to: now)
        switch miner.firmware {
        case .braiins: return braiins(request, &miner, &tokens, refuseOutOfRange)
        case .antminer: return antminer(request, &miner, nonce)
        case .luxos:
            return Response(
                status: 200,
                text: "<html><head><title>Luxor Firmware</title></head><body>Luxor Firmware</body></html>",
                contentType: "text/html"
            )
        }
    }

    // MARK: Braiins OS REST

    func braiins(_ request: Request, _ miner: inout FakeMiner, _ tokens: inout Set<String>, _ refuse: Bool) -> Response {
        let path = request.path.split(separator: "?").first.map(String.init) ?? request.path
        if request.method == "GET", path == "/" {
            return Response(status: 200, text: "<html><head><title>Braiins OS</title></head><body>Braiins OS</body></html>", contentType: "text/html")
        }
        if path == "/api/v1/auth/login" {
            guard request.method == "POST" else { return Response(405) }
            guard let body = JSONValue.parse(request.body), case .string(let user)? = body.member("username"),
                case .string(let pass)? = body.member("password")
            else { return Response(400, .object(["message": .string("expected {\"username\",\"password\"}")])) }
            guard user == "root", pass == password else { return Response(401, .object(["message": .string("invalid credentials")])) }
            let token = String(UInt64(tokens.count + 1) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(max(0, now * 1000)), radix: 36)
            tokens.insert(token)
            return Response(200, .object(["token": .string(token), "timeout_s": .number(3600)]))
        }
        guard path.hasPrefix("/api/v1/") else { return Response(404) }
        // Either `Bearer <token>` or the bare token: clients disagree, the miner takes both.
        let auth = request.header("Authorization").map { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : $0 }
        guard let auth, tokens.contains(auth) else { return Response(401, .object(["message": .string("unauthorized")])) }
        let nominal = miner.model.nominalPower.value
        switch (request.method, path) {
        case ("GET", "/api/v1/miner/stats"):
            let ghs = miner.hashrateTH * 1000
            return Response(
                200,
                .object([
                    "miner_stats": .object([
                        "real_hashrate": .object([
                            "last_5s": .object(["gigahash_per_second": .number(ghs)]),
                            "last_1m": .object(["gigahash_per_second": .number(ghs)]),
                        ]),
                        "nominal_hashrate": .object(["gigahash_per_second": .number(miner.model.nominalHashrate.value * 1000)]),
                    ]),
                    "power_stats": .object([
                        "approximated_consumption": .object(["watt": .number(miner.power(at: now).rounded())]),
                        "efficiency": .object(["joule_per_terahash": .number(miner.hashrateTH > 0 ? miner.power(at: now) / miner.hashrateTH : 0)]),
                    ]),
                ])
            )
        case ("GET", "/api/v1/miner/details"):
            let status: Double = miner.isAsleep ? 3 : 2
            return Response(
                200,
                .object([
                    "status": .number(status), "bosminer_uptime_s": .number(Double(Int(max(0, now - miner.miningSince)))),
                    "miner_identity": .object(["miner_model": .string(miner.model.name), "brand": .number(1)]),
                    "hostname": .string("braiins-\(miner.host)"),
                ])
            )
        case ("GET", "/api/v1/performance/tuner-state"):
            return Response(
                200,
                .object([
                    "overall_tuner_state": .number(2),
                    "mode_state": .object(["powertargetmodestate": .object(["current_target": .object(["watt": .number(miner.powerTargetW)])])]),
                ])
            )
        case ("GET", "/api/v1/configuration/constraints"):
            return Response(
                200,
                .object([
                    "tuner_constraints": .object([
                        "power_target": .object([
                            "min": .object(["watt": .number(miner.powerLimits.lowerBound)]),
                            "max": .object(["watt": .number(miner.powerLimits.upperBound)]),
                            "default": .object(["watt": .number(nominal)]),
                        ])
                    ])
                ])
            )
        case ("PUT", "/api/v1/actions/pause"):
            let already = miner.isAsleep
            miner.sleep(at: now, apply: !lie)
            return Response(200, .bool(already))
        case ("PUT", "/api/v1/actions/resume"):
            let already = !miner.isAsleep
            miner.wake(at: now, apply: !lie)
            return Response(200, .bool(already))
        case ("PUT", "/api/v1/performance/power-target"):
            guard let watt = JSONValue.parse(request.body)?.member("watt"), case .number(let watts) = watt, watts.isFinite else {
                return Response(400, .object(["message": .string("expected {\"watt\": number}")]))
            }
            guard miner.setPowerTarget(watts, at: now, refuse: refuse, apply: !lie) else {
                return Response(412, .object(["message": .string("power target outside the tuner's constraints")]))
            }
            return Response(200, .object(["watt": .number(watts)]))
        default:
            return Response(404)
        }
    }

    // MARK: Stock Antminer CGI

    static let realm = "antMiner Configuration"

    func antminer(_ request: Request, _ miner: inout FakeMiner, _ nonce: String) -> Response {
        let challenge = [("WWW-Authenticate", "Digest realm=\"\(Self.realm)\", nonce=\"\(nonce)\", qop=\"auth\"")]
        guard let header = request.header("Authorization"), verify(header, method: request.method, nonce: nonce) else {
            return Response(status: 401, text: "401 Unauthorized", contentType: "text/html").with(headers: challenge)
        }
        let path = request.path.split(separator: "?").first.map(String.init) ?? request.path
        let awakeMode = miner.isAsleep ? 1 : miner.workMode
        switch path {
        case "/", "/index.html":
            return Response(status: 200, text: "<html><head><title>Antminer</title></head></html>", contentType: "text/html")
        case "/cgi-bin/get_miner_conf.cgi":
            return Response(
                200,
                .object([
                    "pools": .array([
                        .object(["url": .string("stratum+tcp://pool.invalid:3333"), "user": .string("curtail.fake"), "pass": .string("x")])
                    ]),
                    "api-listen": .bool(true), "api-network": .bool(true), "api-groups": .string("A:stats:pools:devs:summary:version"),
                    "api-allow": .string("A:0/0,W:*"), "bitmain-fan-ctrl": .bool(false), "bitmain-fan-pwm": .string("100"),
                    "bitmain-use-vil": .bool(true), "bitmain-freq": .string("675"), "bitmain-voltage": .string("1400"),
                    "bitmain-ccdelay": .string("0"), "bitmain-pwth": .string("0"), "bitmain-work-mode": .string(String(awakeMode)),
                    "bitmain-freq-level": .string("100"),
                ])
            )
        case "/cgi-bin/set_miner_conf.cgi":
            guard request.method == "POST", let conf = JSONValue.parse(request.body), case .object(let fields) = conf else {
                return Response(200, .object(["stats": .string("error"), "code": .string("M001"), "msg": .string("bad configuration")]))
            }
            let mode = (fields["miner-mode"].flatMap(Self.number) ?? fields["bitmain-work-mode"].flatMap(Self.number)).map { Int($0) }
            if let mode {
                if mode == 1 {
                    miner.sleep(at: now, apply: !lie)
                } else {
                    if !lie { miner.workMode = mode }
                    miner.wake(at: now, apply: !lie)
                }
            }
            return Response(200, .object(["stats": .string("success"), "code": .string("M000"), "msg": .string("OK!")]))
        case "/cgi-bin/get_system_info.cgi":
            return Response(
                200,
                .object([
                    "minertype": .string(miner.model.name), "hostname": .string("Antminer-\(miner.host)"),
                    "macaddr": .string("02:00:00:00:00:01"), "serinum": .string("FAKE\(miner.host)"), "system_mode": .string("GNU/Linux"),
                ])
            )
        default:
            return Response(404)
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let n): n
        case .string(let s): Double(s)
        default: nil
        }
    }

    /// Checks a Digest `Authorization` header against user `root` and ``password``.
    func verify(_ header: String, method: String, nonce: String) -> Bool {
        guard header.hasPrefix("Digest ") else { return false }
        var fields: [String: String] = [:]
        for part in header.dropFirst(7).split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let key = pair[0].trimmingCharacters(in: " ")
            var value = pair[1].trimmingCharacters(in: " ")
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            fields[key] = value
        }
        guard fields["username"] == "root", fields["nonce"] == nonce, let uri = fields["uri"], let response = fields["response"] else { return false }
        let ha1 = Self.md5("root:\(Self.realm):\(password)")
        let ha2 = Self.md5("\(method):\(uri)")
        let expected =
            if let qop = fields["qop"], let nc = fields["nc"], let cnonce = fields["cnonce"] {
                Self.md5("\(ha1):\(nonce):\(nc):\(cnonce):\(qop):\(ha2)")
            } else {
                Self.md5("\(ha1):\(nonce):\(ha2)")
            }
        return expected == response
    }

    static func md5(_ text: String) -> String {
        Insecure.MD5.hash(data: Array(text.utf8)).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

extension WebResponder.Response {
    func with(headers extra: [(String, String)]) -> Self {
        var copy = self
        copy.headers += extra
        return copy
    }
}

extension JSONValue {
    func member(_ key: String) -> JSONValue? {
        if case .object(let object) = self { object[key] } else { nil }
    }
}

extension Substring {
    func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}

extension SimulatedHTTPResponse {
    /// A JSON answer (or an empty one).
    init(_ status: Int, _ body: JSONValue? = nil, headers: [(String, String)] = []) {
        self.init(status: status, headers: headers + (body == nil ? [] : [("Content-Type", "application/json")]), body: body?.encoded() ?? [])
    }
}
