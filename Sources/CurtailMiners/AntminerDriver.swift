public import CurtailCore
import CurtailWire

/// Stock Bitmain firmware: reads on the CGMiner API (TCP 4028), sleep and wake through the web
/// CGI (HTTP digest auth, port 80).
///
/// - Reads: `summary` (`GHS 5s`, often a string), `stats` (`STATS[1].chain_power` `"3250 W"` on
///   firmware that has it; otherwise the power is the model's: nameplate while hashing, sleep
///   power while asleep) and `GET /cgi-bin/get_miner_conf.cgi` for the work mode.
/// - Sleep and wake: the whole configuration read back and posted to `set_miner_conf.cgi` with
///   **both** mode keys (`miner-mode` and `bitmain-work-mode`: firmware versions honour one or the
///   other and answer `M000 OK` regardless). Wake restores the mode the miner ran in before it
///   was put to sleep (a high-efficiency mode 2 stays 2), not blindly `0`. The CGI can take 20 s
///   to answer, so its deadline is 30 s or more.
/// - No power target: stock firmware has modes, not watts (`.refused`).
public actor AntminerDriver: MinerDriver {
    public nonisolated let address: String
    let client: CGMinerClient
    let http: MinerHTTP
    let model: MinerModel
    let cgiTimeout: Duration
    var digest: DigestAuthorization
    /// The work mode to restore on wake (0 normal unless the miner ran in another when slept).
    var wakeMode = 0
    private var cnonceCounter: UInt64 = 0

    public init(client: CGMinerClient, http: MinerHTTP, login: MinerLogin, model: MinerModel, cgiTimeout: Duration = .seconds(30)) {
        self.client = client
        self.http = http
        self.model = model
        self.cgiTimeout = cgiTimeout
        self.digest = DigestAuthorization(login: login)
        self.address = client.address
    }

    public func read() async throws(MinerError) -> MinerReading {
        let summary = try await client.send("summary")
        try CGMinerReply.checkStatus(summary.json, command: "summary")
        guard let ghs = CGMinerReply.first("SUMMARY", in: summary.json)?["GHS 5s"]?.number, (0..<1e9).contains(ghs) else {
            throw MinerError(.malformed, "\(address): 'summary' has no SUMMARY[0][\"GHS 5s\"] in 0...1e9")
        }
        var chainPower: Double?
        if let stats = try? await client.send("stats"), (try? CGMinerReply.checkStatus(stats.json, command: "stats")) != nil {
            let records = CGMinerReply.records("STATS", in: stats.json)
            chainPower = records.count > 1 ? records[1]["chain_power"]?.number : nil
        }
        let conf = try await minerConf()
        let sleeping = Self.workMode(conf) == 1
        let mode: MinerReading.Mode = sleeping && ghs == 0 ? .sleeping : ghs > 0 ? .mining : .starting
        if let chainPower, (0..<100_000).contains(chainPower) {
            return MinerReading(mode: mode, powerW: chainPower, hashrateTH: ghs / 1000)
        }
        let estimate = mode == .mining ? model.nominalPower.value : model.sleepPower.value
        return MinerReading(mode: mode, powerW: estimate, powerEstimated: true, hashrateTH: ghs / 1000)
    }

    public func sleep() async throws(MinerError) {
        let conf = try await minerConf()
        let current = Self.workMode(conf)
        if let current, current != 1 { wakeMode = current }
        try await setMode(1, conf: conf)
    }

    public func wake() async throws(MinerError) {
        try await setMode(wakeMode, conf: try await minerConf())
    }

    public func setPowerTarget(watts: Double) async throws(MinerError) {
        throw MinerError(.refused, "\(address): stock Antminer firmware takes no power target (sleep or wake only)")
    }

    /// The work mode in a configuration: `bitmain-work-mode` (a string digit) or `miner-mode`.
    static func workMode(_ conf: [String: JSONValue]) -> Int? {
        (conf["bitmain-work-mode"]?.number ?? conf["miner-mode"]?.number).map { Int($0) }
    }

    func minerConf() async throws(MinerError) -> [String: JSONValue] {
        let body = try await cgi(.GET, "/cgi-bin/get_miner_conf.cgi", body: nil)
        guard case .object(let conf)? = JSONValue.parse(CGMinerReply.repair(body)) else {
            throw MinerError(.malformed, "\(address): get_miner_conf.cgi answered something that is not a JSON object")
        }
        return conf
    }

    func setMode(_ mode: Int, conf: [String: JSONValue]) async throws(MinerError) {
        var updated = conf
        updated["miner-mode"] = .number(Double(mode))
        updated["bitmain-work-mode"] = .string(String(mode))
        let body = try await cgi(.POST, "/cgi-bin/set_miner_conf.cgi", body: JSONValue.object(updated).encoded())
        let answer = JSONValue.parse(CGMinerReply.repair(body))
        guard answer?["stats"]?.string == "success" else {
            let code = answer?["code"]?.string ?? "?"
            let message = answer?["msg"]?.string ?? String(decoding: body.prefix(80), as: UTF8.self)
            throw MinerError(.refused, "\(address): set_miner_conf.cgi answered \(code) \(message)")
        }
    }

    /// One CGI call with digest authentication: answers a 401 challenge once.
    func cgi(_ method: HTTPMethodName, _ path: String, body: [UInt8]?) async throws(MinerError) -> [UInt8] {
        for _ in 0..<2 {
            cnonceCounter &+= 1
            var headers: [(String, String)] = []
            if let header = digest.header(method: method.rawValue, uri: path, cnonce: String(cnonceCounter &* 2_654_435_761, radix: 16)) {
                headers.append(("Authorization", header))
            }
            let response = try await http.send(method, path, headers: headers, body: body, timeout: cgiTimeout)
            switch response.status {
            case 200..<300: return response.body
            case 401:
                guard let challenge = response.header("WWW-Authenticate").flatMap(DigestAuthorization.Challenge.init(header:)) else {
                    throw MinerError(.authentication, "\(address): \(path) answered 401 without a Digest challenge")
                }
                if digest.challenge != nil, challenge.nonce == digest.challenge?.nonce {
                    throw MinerError(
                        .authentication,
                        "\(address): \(path) refused user \(digest.username) (HTTP 401); check the inventory's credentials"
                    )
                }
                digest.accept(challenge)
            default:
                throw MinerError(.refused, "\(address): \(method.rawValue) \(path) answered HTTP \(response.status)")
            }
        }
        throw MinerError(.authentication, "\(address): \(path) refused user \(digest.username) (HTTP 401); check the inventory's credentials")
    }
}
