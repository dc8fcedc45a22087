public import CurtailCore
import CurtailPolicy
import Foundation
import Yams

/// Loads miner inventories (`miners:` YAML) strictly, with `file:line:col` diagnostics: unknown
/// keys, groups the site does not have, duplicate addresses, unknown firmware or models, ports
/// out of range, passwords written inline.
///
/// ```yaml
/// credentials:                      # defaults for every miner (optional)
///   username: root
///   password_env: CURTAIL_MINER_PASSWORD
/// miners:
///   - address: 10.20.0.11           # host, host:port or [v6]:port
///     group: s19jpro
///     firmware: antminer            # luxos | braiins | antminer
///     model: antminer-s19j-pro      # optional: the group's model
///     feeder: F1                    # optional: wake staggering per feeder
///     password_file: secrets/s19.pw # optional: overrides credentials
/// ```
public enum MinerInventoryFile: Sendable {
    static let topKeys = ["miners", "credentials"]
    static let credentialKeys = ["username", "password_file", "password_env"]
    static let minerKeys = ["address", "group", "firmware", "model", "feeder", "web_port"] + credentialKeys

    /// Loads an inventory from disk and checks it against `site`.
    ///
    /// - Throws: ``FileDiagnostics`` with every problem found.
    public static func load(path: String, site: Site) throws(FileDiagnostics) -> MinerInventory {
        try parse(try FileText.read(path), file: path, site: site)
    }

    /// Parses inventory YAML; `file` is used in diagnostics and to resolve relative password files.
    public static func parse(_ text: String, file: String, site: Site) throws(FileDiagnostics) -> MinerInventory {
        var reader = YAMLReader(file: file, text: text)
        guard let root = reader.compose(text) else { throw FileDiagnostics(reader.diagnostics) }
        let inventory = read(root, site: site, directory: (file as NSString).deletingLastPathComponent, &reader)
        guard reader.diagnostics.isEmpty, let inventory else { throw FileDiagnostics(reader.diagnostics) }
        return inventory
    }

    static func read(_ root: Node, site: Site, directory: String, _ r: inout YAMLReader) -> MinerInventory? {
        guard let top = r.mapping(root, "a miner inventory", allowed: topKeys, required: ["miners"]) else { return nil }
        var defaults = (username: String?.none, password: MinerInventory.PasswordSource.factoryDefault)
        if let n = top["credentials"], let secret = n.mapping?.first(where: { $0.key.scalar?.string == "password" })?.key {
            r.report(secret, "a password is never written in the inventory: use password_file (a file's first line) or password_env (a variable)")
        }
        if let n = top["credentials"], let map = r.mapping(n, "credentials", allowed: credentialKeys + ["password"]) {
            defaults.username = map["username"].flatMap { r.string($0, "credentials.username") }
            defaults.password = readPassword(map, what: "credentials", directory: directory, &r) ?? .factoryDefault
        }
        guard let n = top["miners"], let list = r.sequence(n, "miners") else { return nil }
        if list.isEmpty { r.report(n, "an inventory needs at least one miner") }
        var miners: [MinerInventory.Miner] = []
        var seen: [String: Int] = [:]
        for item in list {
            // Duplicates are found even among entries with other problems.
            if let n = item.mapping?["address"], let text = n.scalar?.string, let (host, port) = parseAddress(text) {
                let firmware = (item.mapping?["firmware"]?.scalar?.string).flatMap { MinerFirmware(rawValue: $0) }
                let key = "\(host):\(port ?? firmware?.defaultPort ?? 0)"
                if let line = seen[key] {
                    r.report(n, "address \(text) is listed twice (first on line \(line)); each miner once")
                } else {
                    seen[key] = n.mark?.line ?? 0
                }
            }
            guard let miner = readMiner(item, site: site, defaults: defaults, directory: directory, &r) else { continue }
            miners.append(miner)
        }
        return MinerInventory(miners: miners)
    }

    static func readMiner(
        _ node: Node,
        site: Site,
        defaults: (username: String?, password: MinerInventory.PasswordSource),
        directory: String,
        _ r: inout YAMLReader
    ) -> MinerInventory.Miner? {
        if let secret = node.mapping?.first(where: { $0.key.scalar?.string == "password" })?.key {
            r.report(secret, "a password is never written in the inventory: use password_file (a file's first line) or password_env (a variable)")
        }
        guard let map = r.mapping(node, "a miner", allowed: minerKeys + ["password"], required: ["address", "group", "firmware"]) else { return nil }
        var host: String?
        var port: Int?
        if let n = map["address"], let text = r.string(n, "address") {
            if let parsed = parseAddress(text) {
                (host, port) = parsed
            } else {
                r.report(n, "address '\(text)' must be a host, host:port or [v6]:port with a port in 1...65535")
            }
        }
        var group: MinerGroup?
        if let n = map["group"], let name = r.string(n, "group") {
            group = site.groups.first { $0.name == name }
            if group == nil {
                var message = "unknown group '\(name)'"
                if let close = NameSuggestion.closest(to: name, in: site.groups.map(\.name)) { message += "; did you mean '\(close)'?" }
                r.report(n, message + " (the site's groups: \(site.groups.map(\.name).joined(separator: ", ")))")
            }
        }
        let firmware = map["firmware"].flatMap { r.choice($0, "firmware", MinerFirmware.allCases.map(\.rawValue)) }.flatMap(MinerFirmware.init)
        var model = group?.model
        if let n = map["model"], let text = r.string(n, "model") {
            model = MinerCatalog.model(named: text)
            if model == nil { r.report(n, "unknown miner model '\(text)'; known: \(MinerCatalog.models.map(\.id).joined(separator: ", "))") }
        }
        let feeder = map["feeder"].flatMap { r.string($0, "feeder") }
        let webPort = map["web_port"].flatMap { r.integer($0, "web_port", range: 1...65_535) } ?? 80
        let username = map["username"].flatMap { r.string($0, "username") } ?? defaults.username
        let password = readPassword(map, what: "a miner", directory: directory, &r) ?? defaults.password
        guard let host, let group, let firmware, let model else { return nil }
        return MinerInventory.Miner(
            host: host,
            port: port,
            webPort: webPort,
            group: group.name,
            firmware: firmware,
            model: model,
            feeder: feeder,
            username: username,
            password: password
        )
    }

    static func readPassword(_ map: [String: Node], what: String, directory: String, _ r: inout YAMLReader) -> MinerInventory.PasswordSource? {
        if map["password_file"] != nil, map["password_env"] != nil, let n = map["password_env"] {
            r.report(n, "\(what) takes password_file or password_env, not both")
            return nil
        }
        if let n = map["password_file"], let path = r.string(n, "password_file") {
            return .file(path.hasPrefix("/") || directory.isEmpty ? path : directory + "/" + path)
        }
        if let n = map["password_env"], let name = r.string(n, "password_env") {
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                r.report(n, "password_env must name an environment variable (letters, digits, _), found '\(name)'")
                return nil
            }
            return .environment(name)
        }
        return nil
    }

    /// `host`, `host:port` or `[v6]:port`.
    static func parseAddress(_ text: String) -> (String, Int?)? {
        func port(_ text: Substring) -> Int? { Int(text).flatMap { (1...65_535).contains($0) ? $0 : nil } }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return host.isEmpty ? nil : (host, nil) }
            guard rest.hasPrefix(":"), let p = port(rest.dropFirst()), !host.isEmpty else { return nil }
            return (host, p)
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard !text.isEmpty, !text.contains(where: \.isWhitespace) else { return nil }
        switch parts.count {
        case 1: return (text, nil)
        case 2:
            guard !parts[0].isEmpty, let p = port(parts[1]) else { return nil }
            return (String(parts[0]), p)
        default: return nil
        }
    }
}
