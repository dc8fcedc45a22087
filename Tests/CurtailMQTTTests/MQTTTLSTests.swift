import CurtailMQTT
import CurtailTestSupport
import LocalBroker
import Testing

@Suite(
    "MQTT over TLS against a real mosquitto",
    .enabled(if: brokerAvailable && TestCertificates.opensslAvailable, "needs mosquitto and openssl"),
    .timeLimit(.minutes(2))
)
struct MQTTTLSTests {
    @Test func roundTripWithTheBrokersCA() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await MosquittoBroker.withBroker(.init(tls: certificates.listener())) { broker in
            var secure = configuration(broker, "tls")
            secure.tls = .init(caFile: certificates.caCertificate)
            try await withRunning(try MQTTClient(configuration: secure, logger: testLogger)) { client in
                try await client.subscribe(to: "grid/#")
                try await client.publish("over tls", to: "grid/ercot/HB_WEST/price")
                #expect(try await receive(1, from: client).first?.payloadString == "over tls")
            }

            // A CA that did not sign the broker's certificate: never connected, and the reason is given.
            var wrongCA = configuration(broker, "wrong-ca")
            wrongCA.tls = .init(caFile: certificates.otherCACertificate)
            let client = try MQTTClient(configuration: wrongCA, logger: testLogger)
            try await withRunning(client, connected: false) { client in
                let error = await #expect(throws: MQTTError.self) { try await client.waitUntilConnected(timeout: .seconds(3)) }
                #expect(error?.code == .timedOut)
                #expect(error?.description.contains("certificate verify failed") ?? false, "\(String(describing: error))")
                #expect(!client.isConnected)
            }
        }
    }

    @Test func clientCertificateRequiredByTheBroker() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await MosquittoBroker.withBroker(.init(tls: certificates.listener(requireClientCertificate: true))) { broker in
            var withCertificate = configuration(broker, "mtls")
            withCertificate.tls = .init(
                caFile: certificates.caCertificate,
                certificateFile: certificates.clientCertificate,
                keyFile: certificates.clientKey
            )
            try await withRunning(try MQTTClient(configuration: withCertificate, logger: testLogger)) { client in
                try await client.publish("hello", to: "site/west-texas-1/state")
            }

            var without = configuration(broker, "no-cert")
            without.tls = .init(caFile: certificates.caCertificate)
            try await withRunning(try MQTTClient(configuration: without, logger: testLogger), connected: false) { client in
                let error = await #expect(throws: MQTTError.self) { try await client.waitUntilConnected(timeout: .seconds(3)) }
                #expect(error?.code == .timedOut)
            }
        }
    }
}
