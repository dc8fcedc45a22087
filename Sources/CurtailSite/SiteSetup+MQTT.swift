import CurtailCore
public import CurtailMQTT
import CurtailPolicyFiles
public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension SiteSetup {
    /// The broker connection from the site file's `mqtt:` section: the address (or `broker`),
    /// the client id (`mqtt.client_id`, else ``defaultClientID(site:host:instance:)`` for
    /// `instance`), TLS files, credentials (the password from `password_file`, else from
    /// `CURTAIL_MQTT_PASSWORD` in `environment`), and the `require_tls` check.
    ///
    /// - Throws: ``SiteSetupError/invalid(_:)`` for an unreadable address or password file, TLS
    ///   files without `mqtts://`, or `require_tls` without TLS or credentials.
    public func mqttConfiguration(
        broker: String? = nil,
        instance: String = "1",
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SiteSetupError) -> MQTTConfiguration {
        let m = settings.mqtt
        let url = broker ?? m.broker
        var mqtt: MQTTConfiguration
        do {
            mqtt = try MQTTConfiguration(
                url: url,
                clientID: m.clientID ?? Self.defaultClientID(site: site.id, instance: instance),
                cleanSession: false
            )
        } catch {
            throw .invalid("\(error)")
        }
        func resolve(_ path: String?) -> String? { path.map { ConfigurationFiles.resolve($0, relativeTo: sitePath) } }
        if m.caFile != nil || m.certFile != nil {
            guard var tls = mqtt.tls else {
                throw .invalid("\(sitePath): mqtt.ca_file/cert_file are set but the broker address \(url) is not mqtts://; use mqtts://HOST:PORT")
            }
            tls.caFile = resolve(m.caFile)
            tls.certificateFile = resolve(m.certFile)
            tls.keyFile = resolve(m.keyFile)
            mqtt.tls = tls
        }
        if let username = m.username {
            var password = environment["CURTAIL_MQTT_PASSWORD"]
            if let file = resolve(m.passwordFile) { password = try Self.password(inFile: file, what: "\(sitePath): mqtt.password_file") }
            mqtt.credentials = .init(username: username, password: password)
        }
        if m.requireTLS {
            guard mqtt.tls != nil else {
                throw .invalid(
                    "\(sitePath): mqtt.require_tls is true but the broker address \(url) is plain mqtt://; use mqtts://HOST:PORT (and ca_file for a private CA)"
                )
            }
            guard mqtt.credentials != nil || m.certFile != nil else {
                throw .invalid(
                    "\(sitePath): mqtt.require_tls is true but no credentials are configured; set mqtt.username and password_file, or cert_file and key_file"
                )
            }
        }
        return mqtt
    }

    /// `curtail-{site}-{host}-{instance}`: unique per controller process (two on one site never
    /// take each other's broker session) and stable across restarts of the same instance (the
    /// persistent session survives). Characters other than letters, digits, `.`, `_` and `-` in
    /// the host name become `-`.
    /// The password in a password file: its first line (the newline is not part of it).
    ///
    /// - Throws: ``SiteSetupError/invalid(_:)`` naming `what` (the setting or option) and the file.
    public static func password(inFile file: String, what: String) throws(SiteSetupError) -> String {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw .invalid("\(what) '\(file)' cannot be read") }
        return text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
    }

    public static func defaultClientID(site: String, host: String = hostName(), instance: String) -> String {
        "curtail-\(site)-\(host)-\(instance)"
    }

    /// This machine's host name, for client ids.
    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "host" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let cleaned = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "-" })
        return cleaned.isEmpty ? "host" : cleaned
    }
}
