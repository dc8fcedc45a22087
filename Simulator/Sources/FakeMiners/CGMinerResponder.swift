import CurtailCore
import CurtailWire
import Foundation

/// The CGMiner API (TCP 4028) of a fake LuxOS or stock Antminer: a request's bytes in, the
/// reply's bytes out (JSON followed by a NUL, as cgminer sends it), the miner's state changed.
///
/// Requests are JSON (`{"command":"summary","parameter":"..."}`, compact or pretty, as pyasic and
/// luxos send them) or text (`summary|param`); `a+b` multi-commands give one sub-reply per
/// command. Unknown commands get cgminer's `Code 14 Invalid command`, bad JSON `Code 23`.
public struct CGMinerResponder: Sendable {
    /// Seconds on the fleet's clock, for `When` and `Elapsed`.
    public var now: Double
    /// Unix seconds at `now` (the `When` field).
    public var unixTime: Int
    /// Writes are answered OK and not applied (the "lying miner" fault).
    public var lie = false

    public init(now: Double, unixTime: Int, lie: Bool = false) {
        self.now = now
        self.unixTime = unixTime
        self.lie = lie
    }

    /// The reply to `request`, for `miner`.
    public func reply(to request: [UInt8], miner: inout FakeMiner) -> [UInt8] {
        miner.advance(to: now)
        var command = ""
        var parameter: String?
        if request.first == UInt8(ascii: "{") {
            guard let json = JSONValue.parse(request), case .object(let object) = json else {
                return finish(error(23, "Invalid JSON", miner))
            }
            guard case .string(let name)? = object["command"] else { return finish(error(24, "Missing JSON 'command'", miner)) }
            command = name
            if case .string(let value)? = object["parameter"] { parameter = value }
        } else {
            let text = String(decoding: request, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let parts = text.split(separator: "|", maxSplits: 1)
            command = parts.first.map(String.init) ?? ""
            parameter = parts.count > 1 ? String(parts[1]) : nil
        }
        if command.contains("+") {
            var members: [String: JSONValue] = [:]
            for name in command.split(separator: "+").map(String.init) {
                members[name] = .array([.object(single(name, parameter: nil, miner: &miner))])
            }
            members["id"] = .number(1)
            return finish(.object(members))
        }
        return finish(.object(single(command, parameter: parameter, miner: &miner)))
    }

    func finish(_ value: JSONValue) -> [UInt8] { value.encoded() + [0] }

    func error(_ code: Int, _ message: String, _ miner: FakeMiner) -> JSONValue {
        .object(["STATUS": .array([.object(status("E", code, message, miner))]), "id": .number(1)])
    }

    func status(_ letter: String, _ code: Int, _ message: String, _ miner: FakeMiner) -> [String: JSONValue] {
        var status: [String: JSONValue] = [
            "STATUS": .string(letter), "When": .number(Double(unixTime)), "Code": .number(Double(code)), "Msg": .string(message),
        ]
        if code != 14 { status["Description"] = .string(description(miner)) }
        return status
    }

    func description(_ miner: FakeMiner) -> String {
        miner.firmware == .luxos ? "LUXminer 2025.4.8.143212-a8f1c2d" : "bmminer 1.0.0"
    }

    func ok(_ code: Int, _ message: String, _ miner: FakeMiner, _ section: String? = nil, _ records: [[String: JSONValue]] = []) -> [String:
        JSONValue]
    {
        var object: [String: JSONValue] = ["STATUS": .array([.object(status("S", code, message, miner))]), "id": .number(1)]
        if let section { object[section] = .array(records.map(JSONValue.object)) }
        return object
    }

    /// One command's reply object.
    func single(_ command: String, parameter: String?, miner: inout FakeMiner) -> [String: JSONValue] {
        let luxos = miner.firmware == .luxos
        let ghs = miner.hashrateTH * 1000
        let elapsed = Double(Int(max(0, now - miner.miningSince)))
        let modelName = miner.model.name.hasPrefix("Antminer") ? miner.model.name : "Antminer \(miner.model.name)"
        let arguments = parameter.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
        switch command {
        case "version":
            var record: [String: JSONValue] = ["API": .string("3.7"), "Type": .string(modelName), "CompileTime": .string("Fri Apr 11 2025")]
            if luxos {
                record["LUXminer"] = .string("2025.4.8.143212-a8f1c2d")
                record["Miner"] = .string("2025.4.8")
            } else {
                record["BMMiner"] = .string("1.0.0")
                record["Miner"] = .string("uart_trans.1.3")
            }
            return ok(22, luxos ? "LUXminer versions" : "BMMiner versions", miner, "VERSION", [record])
        case "devdetails":
            let driver = luxos ? "LUXminer" : "bitmain"
            let records: [[String: JSONValue]] = (0..<3).map { board in
                [
                    "DEVDETAILS": .number(Double(board)), "Name": .string(driver), "ID": .number(Double(board)), "Driver": .string(driver),
                    "Kernel": .string(""), "Model": .string(modelName),
                ]
            }
            return ok(69, "Device Details", miner, "DEVDETAILS", records)
        case "summary":
            let text = JSONValue.string(String(format2(ghs)))
            return ok(
                11,
                "Summary",
                miner,
                "SUMMARY",
                [
                    [
                        "Elapsed": .number(elapsed), "GHS 5s": luxos ? .number(ghs) : text, "GHS av": .number(ghs), "GHS 30m": .number(ghs),
                        "Accepted": .number(Double(Int(elapsed / 10))), "Rejected": .number(0), "Hardware Errors": .number(0),
                        "Utility": .number(0), "Best Share": .number(0),
                    ]
                ]
            )
        case "stats":
            let head: [String: JSONValue] = [
                "STATS": .number(0), "ID": .string("BC50"), "Type": .string(modelName), "Miner": .string("uart_trans.1.3"),
            ]
            var board: [String: JSONValue] = [
                "STATS": .number(1), "ID": .string("BC51"), "Elapsed": .number(elapsed), "GHS 5s": .number(ghs), "GHS av": .number(ghs),
                "total_rateideal": .number(miner.model.nominalHashrate.value * 1000), "rate_unit": .string("GH"), "miner_count": .number(3),
                "fan_num": .number(4), "temp_num": .number(3),
            ]
            for chain in 1...3 {
                board["chain_rate\(chain)"] = .string(format2(ghs / 3))
                board["chain_acn\(chain)"] = .number(126)
                board["temp\(chain)"] = .number(miner.mode == .mining ? 62 : 30)
                board["temp2_\(chain)"] = .number(miner.mode == .mining ? 70 : 31)
                board["temp_chip\(chain)"] = .string(miner.mode == .mining ? "68-70-71-69" : "31-31-31-31")
                board["temp_pcb\(chain)"] = .string(miner.mode == .mining ? "58-60-61-59" : "30-30-30-30")
            }
            for fan in 1...4 { board["fan\(fan)"] = .number(miner.mode == .mining ? 5400 : 1800) }
            return ok(70, "CGMiner stats", miner, "STATS", [head, board])
        case "pools":
            return ok(
                7,
                "1 Pool(s)",
                miner,
                "POOLS",
                [
                    [
                        "POOL": .number(0), "URL": .string("stratum+tcp://pool.invalid:3333"), "User": .string("curtail.fake"),
                        "Status": .string("Alive"), "Priority": .number(0), "Accepted": .number(0), "Rejected": .number(0),
                        "Stratum Active": .bool(true), "Quota": .number(1), "GROUP": .number(0),
                    ]
                ]
            )
        case "fans":
            let rpm = miner.mode == .mining ? 5400.0 : 1800
            return ok(
                202,
                "4 Fan(s)",
                miner,
                "FANS",
                (0..<4).map { ["FAN": .number(Double($0)), "ID": .number(Double($0)), "RPM": .number(rpm), "Speed": .number(rpm / 60)] }
            )
        default:
            guard luxos else { return error(14, "Invalid command", miner).objectValue }
            return luxosCommand(command, arguments: arguments, miner: &miner)
        }
    }

    /// The commands only LuxOS has.
    func luxosCommand(_ command: String, arguments: [String], miner: inout FakeMiner) -> [String: JSONValue] {
        let profile = currentProfile(miner)
        switch command {
        case "config":
            return ok(
                33,
                "LUXminer config",
                miner,
                "CONFIG",
                [
                    [
                        "CurtailMode": .string(miner.isAsleep ? "Sleep" : "None"), "IsPowerSupplyOn": .bool(!miner.isAsleep),
                        "SystemStatus": .string(miner.isAsleep ? "Curtailed" : "Normal"), "Profile": .string(profile.name),
                        "IsAtmEnabled": .bool(miner.atmEnabled), "Model": .string(miner.model.name),
                        "NameplateTHS": .number(miner.model.nominalHashrate.value), "PoolGroups": .number(1), "RedLed": .string("off"),
                        "IsTuning": .bool(false), "ProfileStep": .number(0), "Hostname": .string("luxos-\(miner.host)"),
                    ]
                ]
            )
        case "power":
            return ok(311, "Power usage", miner, "POWER", [["PSU": .bool(false), "Watts": .number(miner.power(at: now).rounded())]])
        case "profiles":
            return ok(
                320,
                "Profiles",
                miner,
                "PROFILES",
                miner.profiles.map { p in
                    [
                        "Profile Name": .string(p.name), "Watts": .number(p.watts), "Hashrate": .number((p.hashrate * 10).rounded() / 10),
                        "Frequency": .number((545 * p.watts / miner.model.nominalPower.value).rounded()), "Voltage": .number(13.4),
                        "IsTuned": .bool(false), "Step": .string("0"), "IsDynamic": .bool(false), "ModelName": .string(miner.model.name),
                    ]
                }
            )
        case "tempctrl":
            return ok(
                324,
                "Temperature control settings",
                miner,
                "TEMPCTRL",
                [["Dangerous": .number(110), "Hot": .number(95), "Mode": .string("Auto"), "Panic": .number(100), "Target": .number(75)]]
            )
        case "groups":
            return ok(
                328,
                "1 Group(s)",
                miner,
                "GROUPS",
                [["GROUP": .number(0), "Name": .string("Default"), "Quota": .number(1), "Pools": .array([])]]
            )
        case "atm":
            return ok(
                339,
                "ATM configuration values",
                miner,
                "ATM",
                [
                    [
                        "Enabled": .bool(miner.atmEnabled), "MaxProfile": .string(miner.profiles.last!.name),
                        "MinProfile": .string(miner.profiles.first!.name),
                        "PostRampMinutes": .number(1), "StartupMinutes": .number(1), "TempWindow": .number(3),
                    ]
                ]
            )
        case "session":
            return ok(319, "Session information", miner, "SESSION", [["SessionID": .string(miner.currentSession(at: now))]])
        case "logon":
            guard let id = miner.logon(at: now) else { return error(402, "Another session is active", miner).objectValue }
            return ok(316, "Session created", miner, "SESSION", [["SessionID": .string(id)]])
        case "logoff":
            guard let id = arguments.first, miner.logoff(id, at: now) else { return error(401, "Invalid session id", miner).objectValue }
            return ok(317, "Session terminated", miner)
        case "curtail", "atmset", "profileset":
            guard let id = arguments.first, miner.useSession(id, at: now) else { return error(401, "Invalid session id", miner).objectValue }
            let value = arguments.count > 1 ? arguments[1] : ""
            switch command {
            case "curtail":
                switch value {
                case "sleep": miner.sleep(at: now, apply: !lie)
                case "wakeup": miner.wake(at: now, apply: !lie)
                default: return error(336, "Invalid curtail action '\(value)'", miner).objectValue
                }
                return ok(335, "Curtailment command sent", miner, "CURTAIL", [["Action": .string(value == "sleep" ? "sleep mode" : "wake up")]])
            case "atmset":
                if value.hasPrefix("enabled=") { miner.atmEnabled = value == "enabled=true" }
                return ok(340, "ATM configuration updated", miner)
            default:
                guard let chosen = profileNamed(value, miner) else { return error(322, "Invalid profile '\(value)'", miner).objectValue }
                _ = miner.setPowerTarget(chosen.watts, at: now, refuse: false, apply: !lie)
                return ok(
                    321,
                    "Profile Set",
                    miner,
                    "PROFILE",
                    [["Board": .number(0), "FrequencyStep": .number(5), "Profile": .string(chosen.name), "VoltageStep": .number(0.05)]]
                )
            }
        default:
            return error(14, "Invalid command", miner).objectValue
        }
    }

    func currentProfile(_ miner: FakeMiner) -> (name: String, watts: Double, hashrate: Double) {
        miner.profiles.min { abs($0.watts - miner.powerTargetW) < abs($1.watts - miner.powerTargetW) }!
    }

    /// A profile by name, or by a `3000W` / `2.5kW` selector (the highest profile at or below it).
    func profileNamed(_ selector: String, _ miner: FakeMiner) -> (name: String, watts: Double, hashrate: Double)? {
        if let exact = miner.profiles.first(where: { $0.name == selector }) { return exact }
        var watts: Double?
        if selector.hasSuffix("kW") {
            watts = Double(selector.dropLast(2)).map { $0 * 1000 }
        } else if selector.hasSuffix("W") {
            watts = Double(selector.dropLast())
        }
        guard let watts else { return nil }
        return miner.profiles.filter { $0.watts <= watts }.max { $0.watts < $1.watts } ?? miner.profiles.first
    }

    func format2(_ value: Double) -> String {
        let cents = Int((value * 100).rounded())
        let fraction = abs(cents % 100)
        return "\(cents / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

extension JSONValue {
    var objectValue: [String: JSONValue] {
        if case .object(let object) = self { object } else { [:] }
    }
}
