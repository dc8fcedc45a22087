import CurtailCore
public import CurtailMQTT
import CurtailPolicyFiles
public import Foundation

extension SiteSetup {
    /// The broker connection from the site file's `mqtt:` section: the address (or `broker`),
    /// the client id, TLS files, credentials (the password from `password_file`, else from
    /// `CURTAIL_MQTT_PASSWORD` in `environment`), and the `require_tls` check.
    ///
    /// - Throws: ``SiteSetupError/invalid(_:)`` for an unreadable address or password file, TLS
    ///   files without `mqtts://`, or `require_tls` without TLS or credentials.
    public func mqttConfiguration(
        broker: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SiteSetupError) -> MQTTConfiguration {
        let m = settings.mqtt
        let url = broker ?? m.broker
        var mqtt: MQTTConfiguration
        do {
            mqtt = try MQTTConfiguration(url: url, clientID: m.clientID ?? "curtail-\(site.id)", cleanSession: false)
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
            if let file = resolve(m.passwordFile) {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw .invalid("\(sitePath): mqtt.password_file '\(file)' cannot be read")
                }
                password = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
            }
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
}
