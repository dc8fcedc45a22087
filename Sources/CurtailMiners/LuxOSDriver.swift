import CurtailWire

/// LuxOS (LUXminer), entirely over the CGMiner API on TCP 4028.
///
/// - Reads: one `summary+power+config` multi-command (with `+profiles` until the profiles are
///   known; each command singly when the firmware refuses the combination): `POWER[0].Watts`, `SUMMARY[0]["GHS 5s"]`, `CONFIG[0].CurtailMode`
///   (`"None"` while not curtailed) and the profile.
/// - Writes need a session, and LuxOS allows one at a time that expires after 60 s idle: every
///   write is `logon`, the command(s), `logoff`, held for well under a second. A `logon` answered
///   402 ("Another session is active": pyasic or an operator's tool holds the miner) is `.busy`.
/// - Sleep and wake: `curtail <sid>,sleep|wakeup` (Code 335 only means "sent": the agent reads back).
/// - Power target: the highest profile whose `Watts` is at most the target (the lowest when none
///   is), with ATM turned off first so it does not step the profile back.
public actor LuxOSDriver: MinerDriver {
    public nonisolated let address: String
    let client: CGMinerClient
    /// The profiles, read once (they change only when the miner is re-tuned).
    var profiles: [(name: String, watts: Double)]?

    public init(client: CGMinerClient) {
        self.client = client
        self.address = client.address
    }

    public func read() async throws(MinerError) -> MinerReading {
        var summary: JSONValue?
        var power: JSONValue?
        var config: JSONValue?
        // One connection: the profiles ride along until they are known (they change only when the
        // miner is re-tuned).
        let names = ["summary", "power", "config"] + (profiles == nil ? ["profiles"] : [])
        let combined = try await client.send(names.joined(separator: "+"))
        let parts = names.map { combined.part($0) }
        if parts.allSatisfy({ part in part.map { (try? CGMinerReply.checkStatus($0, command: "")) != nil } ?? false }) {
            (summary, power, config) = (parts[0], parts[1], parts[2])
            if names.count == 4, let list = parts[3] { profiles = Self.profiles(in: list) }
        } else {
            summary = try await checked("summary")
            power = try await checked("power")
            config = try await checked("config")
            if profiles == nil { _ = try? await loadProfiles() }
        }
        guard let watts = CGMinerReply.first("POWER", in: power)?["Watts"]?.number, watts >= 0, watts < 100_000 else {
            throw MinerError(.malformed, "\(address): 'power' has no POWER[0].Watts in 0...100000")
        }
        guard let ghs = CGMinerReply.first("SUMMARY", in: summary)?["GHS 5s"]?.number, ghs >= 0, ghs < 1e9 else {
            throw MinerError(.malformed, "\(address): 'summary' has no SUMMARY[0][\"GHS 5s\"] in 0...1e9")
        }
        guard let record = CGMinerReply.first("CONFIG", in: config), let curtail = record["CurtailMode"]?.string else {
            throw MinerError(.malformed, "\(address): 'config' has no CONFIG[0].CurtailMode")
        }
        let mode: MinerReading.Mode =
            curtail != "None" ? MinerReading.curtailed(powerW: watts, hashrateTH: ghs / 1000) : ghs > 0 ? .mining : .starting
        let profile = record["Profile"]?.string
        let target = profile.flatMap { name in profiles?.first { $0.name == name }?.watts }
        return MinerReading(mode: mode, powerW: watts, hashrateTH: ghs / 1000, powerTargetW: target)
    }

    public func sleep() async throws(MinerError) {
        try await withSession { sid throws(MinerError) in _ = try await self.checked("curtail", "\(sid),sleep") }
    }

    public func wake() async throws(MinerError) {
        try await withSession { sid throws(MinerError) in _ = try await self.checked("curtail", "\(sid),wakeup") }
    }

    public func setPowerTarget(watts: Double) async throws(MinerError) {
        let profiles = try await loadProfiles()
        guard let choice = profiles.filter({ $0.watts <= watts }).max(by: { $0.watts < $1.watts }) ?? profiles.min(by: { $0.watts < $1.watts })
        else { throw MinerError(.refused, "\(address) lists no profiles") }
        try await withSession { sid throws(MinerError) in
            _ = try await self.checked("atmset", "\(sid),enabled=false")
            _ = try await self.checked("profileset", "\(sid),\(choice.name)")
        }
    }

    /// The miner's profiles, by power.
    func loadProfiles() async throws(MinerError) -> [(name: String, watts: Double)] {
        if let profiles { return profiles }
        guard let list = Self.profiles(in: try await checked("profiles")) else {
            throw MinerError(.malformed, "\(address): 'profiles' lists no profile with a name and Watts")
        }
        profiles = list
        return list
    }

    /// The named profiles with their power in a `profiles` reply (`nil`: none usable).
    static func profiles(in reply: JSONValue) -> [(name: String, watts: Double)]? {
        let list = CGMinerReply.records("PROFILES", in: reply).compactMap { record -> (String, Double)? in
            guard let name = record["Profile Name"]?.string, let watts = record["Watts"]?.number, watts > 0 else { return nil }
            return (name, watts)
        }
        return list.isEmpty ? nil : list
    }

    /// Runs `body` inside a session: logon, body, logoff (also when the body fails).
    func withSession(_ body: (String) async throws(MinerError) -> Void) async throws(MinerError) {
        let logon = try await client.send("logon")
        if CGMinerReply.code(logon.json) == 402 {
            throw MinerError(.busy, "\(address): another LuxOS session is active (another tool holds the miner); retrying later")
        }
        try CGMinerReply.checkStatus(logon.json, command: "logon")
        guard let sid = CGMinerReply.first("SESSION", in: logon.json)?["SessionID"]?.string, !sid.isEmpty else {
            throw MinerError(.malformed, "\(address): 'logon' gave no SESSION[0].SessionID")
        }
        do {
            try await body(sid)
        } catch {
            _ = try? await client.send("logoff", parameter: sid)
            throw error
        }
        _ = try? await client.send("logoff", parameter: sid)
    }

    /// Sends a command and checks its STATUS.
    func checked(_ command: String, _ parameter: String? = nil) async throws(MinerError) -> JSONValue {
        let reply = try await client.send(command, parameter: parameter)
        try CGMinerReply.checkStatus(reply.json, command: command)
        return reply.json
    }
}
