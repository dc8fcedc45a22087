import Foundation
import Testing

@testable import CurtailMQTT

struct MQTTConfigurationTests {
    @Test func brokerURLsParse() throws {
        let plain = try MQTTConfiguration(url: "mqtt://127.0.0.1:1884", clientID: "c")
        #expect(plain.host == "127.0.0.1" && plain.port == 1884 && plain.tls == nil)
        let tls = try MQTTConfiguration(url: "mqtts://broker.site.local", clientID: "c")
        #expect(tls.host == "broker.site.local" && tls.port == 8883 && tls.tls != nil)
        let v6 = try MQTTConfiguration(url: "mqtt://[::1]:1900/", clientID: "c")
        #expect(v6.host == "::1" && v6.port == 1900)
        #expect(try MQTTConfiguration(url: "mqtt://localhost", clientID: "c").port == 1883)
    }

    @Test(arguments: [
        ("http://127.0.0.1:1883", "expected mqtt://HOST:PORT"),
        ("mqtt://127.0.0.1:70000", "port '70000'"),
        ("mqtt://127.0.0.1:abc", "port 'abc'"),
        ("mqtt://:1883", "host is missing"),
        ("mqtt://user@host:1883", "no path or user part"),
        ("mqtt://[::1", "unclosed '['"),
    ])
    func badBrokerURLsSayWhatIsExpected(url: String, fragment: String) {
        let error = #expect(throws: MQTTError.self) { try MQTTConfiguration(url: url, clientID: "c") }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.description.contains(fragment) ?? false, "\(String(describing: error))")
    }

    @Test func invalidSettingsAreRefusedAtInit() {
        var noID = MQTTConfiguration(clientID: "", cleanSession: false)
        noID.port = 1883
        var badPort = MQTTConfiguration(clientID: "c")
        badPort.port = 0
        var badKeepAlive = MQTTConfiguration(clientID: "c")
        badKeepAlive.keepAlive = .seconds(1)
        var badWill = MQTTConfiguration(clientID: "c")
        badWill.will = .init(topic: "site/+/status", payload: [])
        let cases: [(MQTTConfiguration, MQTTError.Code, String)] = [
            (noID, .invalidConfiguration, "stable client id"),
            (badPort, .invalidConfiguration, "out of range 1...65535"),
            (badKeepAlive, .invalidConfiguration, "keep-alive 1 s"),
            (badWill, .invalidTopic, "wildcards are only allowed in subscriptions"),
        ]
        for (configuration, code, fragment) in cases {
            let error = #expect(throws: MQTTError.self) { try MQTTClient(configuration: configuration) }
            #expect(error?.code == code)
            #expect(error?.description.contains(fragment) ?? false, "\(String(describing: error))")
        }
    }

    @Test func missingTLSFilesAreNamed() {
        var configuration = MQTTConfiguration(clientID: "c")
        configuration.tls = .init(caFile: "/nonexistent/curtail-ca.pem")
        let error = #expect(throws: MQTTError.self) { try MQTTClient(configuration: configuration) }
        #expect(error?.code == .tlsFileUnreadable)
        #expect(error?.description == "TLS CA file '/nonexistent/curtail-ca.pem' cannot be read: No such file or directory")

        let ca = FileManager.default.temporaryDirectory.appending(path: "curtail-ca-\(UUID().uuidString).pem")
        #expect(FileManager.default.createFile(atPath: ca.path, contents: Data("not a certificate".utf8)))
        defer { try? FileManager.default.removeItem(at: ca) }
        configuration.tls = .init(caFile: ca.path, certificateFile: ca.path, keyFile: nil)
        let pair = #expect(throws: MQTTError.self) { try MQTTClient(configuration: configuration) }
        #expect(pair?.description.contains("certificate and key go together") ?? false)
    }

    @Test func reconnectBackoffGrowsToTheMaximum() {
        let exponential = MQTTConfiguration.Reconnect(initialDelay: .seconds(1), maximumDelay: .seconds(30))
        #expect((0..<7).map { exponential.delay(afterFailures: $0) } == [1, 2, 4, 8, 16, 30, 30].map { Duration.seconds($0) })
        let linear = MQTTConfiguration.Reconnect(initialDelay: .seconds(2), maximumDelay: .seconds(5), exponential: false)
        #expect((0..<4).map { linear.delay(afterFailures: $0) } == [2, 4, 5, 5].map { Duration.seconds($0) })
    }

    @Test func reasonCodesReadWell() {
        #expect(MQTTReasonCode.badUserNameOrPassword.description == "Bad User Name or Password (0x86)")
        #expect(MQTTReasonCode.fromV311Connack(4) == .badUserNameOrPassword)
        #expect(MQTTReasonCode.fromV311Connack(1) == .unsupportedProtocolVersion)
        #expect(MQTTReasonCode.notAuthorized.isPermanentConnectFailure)
        #expect(!MQTTReasonCode.serverBusy.isPermanentConnectFailure)
        #expect(Mosquitto.libraryVersion.hasPrefix("2."))
    }
}
