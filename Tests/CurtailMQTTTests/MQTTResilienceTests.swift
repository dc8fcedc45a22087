import CurtailMQTT
import CurtailTestSupport
import Foundation
import LocalBroker
import ServiceLifecycle
import ServiceLifecycleTestKit
import Subprocess
import Testing

@Suite("MQTT client survives broker trouble", .enabled(if: brokerAvailable, "needs the mosquitto broker"), .timeLimit(.minutes(2)))
struct MQTTResilienceTests {
    @Test func connectsOnceALateBrokerComesUp() async throws {
        try await MosquittoBroker.withBroker { broker in
            await broker.stop()
            let client = try MQTTClient(configuration: configuration(broker, "early"), logger: testLogger)
            try await withRunning(client, connected: false) { client in
                let error = await #expect(throws: MQTTError.self) { try await client.waitUntilConnected(timeout: .milliseconds(1500)) }
                #expect(error?.code == .timedOut)
                #expect(error?.description.contains("Connection refused") ?? false, "\(String(describing: error))")
                #expect(!client.isConnected)
                try await broker.start()
                try await client.waitUntilConnected(timeout: .seconds(10))
                try await client.subscribe(to: "grid/#")
                try await client.publish("42.5", to: "grid/ercot/HB_WEST/price")
                #expect(try await receive(1, from: client).first?.payloadString == "42.5")
            }
        }
    }

    @Test func reconnectsAndResubscribesAfterTheBrokerIsKilled() async throws {
        try await MosquittoBroker.withBroker { broker in
            try await withSubscriberAndPublisher(broker) { subscriber, publisher in
                try await subscriber.subscribe(to: "grid/ercot/+/price")
                try await publisher.publish("before", to: "grid/ercot/HB_WEST/price")
                #expect(try await receive(1, from: subscriber).first?.payloadString == "before")

                await broker.stop(.kill)
                _ = try await event(from: subscriber) { if case .disconnected = $0 { true } else { false } }
                // A QoS 1 publish made while the broker is down is queued and acknowledged after the reconnect.
                async let acknowledged: Void = publisher.publish("during", to: "grid/ercot/HB_WEST/price")
                try await Task.sleep(for: .milliseconds(300))
                try await broker.start()
                _ = try await event(from: subscriber) { $0 == .connected(sessionPresent: false) }
                try await publisher.waitUntilConnected(timeout: .seconds(10))
                try await acknowledged
                try await publisher.publish("after", to: "grid/ercot/HB_WEST/price")
                // "during" reaches the fresh broker (no sessions) possibly before the subscriber has
                // re-subscribed, so it may be missed; "after" must arrive through the re-subscription.
                let payloads = try await receive(from: subscriber, until: { $0.payloadString == "after" }).compactMap(\.payloadString)
                #expect(payloads == ["after"] || payloads == ["during", "after"], "\(payloads)")
            }
        }
    }

    @Test func persistentSessionDeliversWhatWasPublishedWhileTheClientWasAway() async throws {
        try await MosquittoBroker.withBroker { broker in
            let id = clientID("persistent")
            let first = try MQTTClient(configuration: configuration(broker, "sub", cleanSession: false, id: id), logger: testLogger)
            try await withRunning(first) { first in
                try await first.subscribe(to: "site/s1/groups/+/command", qos: .atLeastOnce)
            }
            let publisher = try MQTTClient(configuration: configuration(broker, "pub"), logger: testLogger)
            try await withRunning(publisher) { publisher in
                for seq in 1...5 {
                    try await publisher.publish("{\"seq\":\(seq)}", to: "site/s1/groups/s19jpro/command", qos: .atLeastOnce)
                }
            }
            // Same client id, no subscribe call: the broker kept the session and queued the messages.
            let second = try MQTTClient(configuration: configuration(broker, "sub", cleanSession: false, id: id), logger: testLogger)
            try await withRunning(second, connected: false) { second in
                let connected = try await event(from: second) { if case .connected = $0 { true } else { false } }
                #expect(connected == .connected(sessionPresent: true))
                let payloads = try await receive(5, from: second).compactMap(\.payloadString)
                #expect(payloads == (1...5).map { "{\"seq\":\($0)}" })
            }
        }
    }

    @Test func persistentSessionSurvivesABrokerRestart() async throws {
        try await MosquittoBroker.withBroker(.init(persistence: true)) { broker in
            let id = clientID("persistent")
            try await withSubscriberAndPublisher(broker, subscriber: configuration(broker, "sub", cleanSession: false, id: id)) {
                subscriber,
                publisher in
                try await subscriber.subscribe(to: "grid/ercot/events", qos: .atLeastOnce)
                await broker.stop(.graceful)  // saves sessions to disk, like a service restart
                // Published while the broker (and so the subscriber's connection) is away.
                for index in 1...3 {
                    try publisher.enqueue(Array("ERS-\(index)".utf8), to: "grid/ercot/events", qos: .atLeastOnce)
                }
                try await broker.start()
                _ = try await event(from: subscriber) { $0 == .connected(sessionPresent: true) }
                let payloads = try await receive(3, from: subscriber).compactMap(\.payloadString)
                #expect(payloads == ["ERS-1", "ERS-2", "ERS-3"])
            }
        }
    }

    @Test func willFiresWhenTheClientProcessDiesAndNotOnCleanShutdown() async throws {
        let relay = try CurtailProcess.benchExecutable()
        try await MosquittoBroker.withBroker { broker in
            let watcher = try MQTTClient(configuration: configuration(broker, "watcher"), logger: testLogger)
            try await withRunning(watcher) { watcher in
                try await watcher.subscribe(to: "site/+/controller/status")

                // SIGKILL: no DISCONNECT reaches the broker, so it publishes the will.
                try await runRelay(relay, broker: broker, status: "site/killed/controller/status", stop: .kill)
                let killed = try await receive(2, from: watcher).filter { $0.topic == "site/killed/controller/status" }
                #expect(killed.compactMap(\.payloadString) == ["online", "offline"])

                // SIGTERM: graceful shutdown through ServiceGroup, clean DISCONNECT, no will.
                try await runRelay(relay, broker: broker, status: "site/clean/controller/status", stop: .terminate)
                #expect(try await receive(1, from: watcher).first?.payloadString == "online")
                try await watcher.publish("marker", to: "site/marker/controller/status")
                let next = try #require(try await receive(1, from: watcher).first)
                #expect(next.topic == "site/marker/controller/status", "the will fired after a clean shutdown: \(next)")
            }
        }
    }

    @Test func wrongPasswordIsAClearRefusal() async throws {
        try await MosquittoBroker.withBroker(.init(users: ["controller": "s3cret"])) { broker in
            var wrong = configuration(broker, "wrong")
            wrong.credentials = .init(username: "controller", password: "guess")
            let client = try MQTTClient(configuration: wrong, logger: testLogger)
            async let waited: Result<Void, MQTTError> = {
                do throws(MQTTError) { try await client.waitUntilConnected(timeout: .seconds(10)) } catch { return .failure(error) }
                return .success(())
            }()
            let error = await #expect(throws: MQTTError.self) {
                try await within(.seconds(10), "the refusal") { try await client.run() }
            }
            // Whoever waits for the connection learns why it will not come, not just "stopped".
            guard case .failure(let waitError) = await waited else { Issue.record("waitUntilConnected succeeded"); return }
            #expect(waitError.code == .connectionRefused)
            #expect(waitError.reasonCode == error?.reasonCode)
            #expect(error?.code == .connectionRefused)
            #expect(error?.reasonCode == .badUserNameOrPassword || error?.reasonCode == .notAuthorized)
            #expect(error?.description.contains("check the credentials") ?? false, "\(String(describing: error))")

            var right = configuration(broker, "right")
            right.credentials = .init(username: "controller", password: "s3cret")
            try await withRunning(try MQTTClient(configuration: right, logger: testLogger)) { client in
                try await client.publish("ok", to: "site/s1/state")
            }
        }
    }

    @Test func mqtt311ConnectionWorks() async throws {
        try await MosquittoBroker.withBroker { broker in
            var old = configuration(broker, "v311")
            old.protocolVersion = .v311
            let client = try MQTTClient(configuration: old, logger: testLogger)
            try await withRunning(client) { client in
                #expect(!client.usesMQTT5)
                try await client.subscribe(to: "grid/#")
                try await client.publish("1", to: "grid/x", messageExpiry: .seconds(5))  // expiry ignored on 3.1.1
                #expect(try await receive(1, from: client).first?.messageExpiryInterval == nil)
            }
        }
    }

    @Test func gracefulShutdownEndsRunAndFailsWaitingCalls() async throws {
        try await MosquittoBroker.withBroker { broker in
            let client = try MQTTClient(configuration: configuration(broker, "graceful"), logger: testLogger)
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await client.run() }
                    try await client.waitUntilConnected(timeout: .seconds(10))
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()  // run() returns instead of hanging
                }
            }
            #expect(!client.isConnected)
            let error = await #expect(throws: MQTTError.self) { try await client.waitUntilConnected(timeout: .seconds(1)) }
            #expect(error?.code == .clientStopped)
            let again = await #expect(throws: MQTTError.self) { try await client.run() }
            #expect(again?.code == .alreadyRunning)
            let offline = await #expect(throws: MQTTError.self) { try await client.publish("x", to: "a", qos: .atMostOnce) }
            #expect(offline?.code == .notConnected)
        }
    }
}

/// The `curtail` executable built next to the test bundle.
