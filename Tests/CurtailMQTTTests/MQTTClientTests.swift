import CurtailMQTT
import CurtailTestSupport
import Foundation
import LocalBroker
import Testing

@Suite("MQTT client against a real mosquitto", .enabled(if: brokerAvailable, "needs the mosquitto broker"), .timeLimit(.minutes(2)))
struct MQTTClientTests {
    @Test func roundTripAtEveryQoS() async throws {
        try await MosquittoBroker.withBroker { broker in
            try await withSubscriberAndPublisher(broker) { subscriber, publisher in
                try await subscriber.subscribe(to: "site/west-texas-1/#", qos: .exactlyOnce)
                let binary: [UInt8] = [0, 1, 2, 0xFF, 0xFE, 10, 13]
                try await publisher.publish(#"{"price_usd_per_mwh": 42.5}"#, to: "site/west-texas-1/a", qos: .atMostOnce)
                try await publisher.publish(binary, to: "site/west-texas-1/b", qos: .atLeastOnce)
                try await publisher.publish("", to: "site/west-texas-1/c", qos: .exactlyOnce, messageExpiry: .seconds(60))
                let messages = try await receive(3, from: subscriber)
                #expect(messages.map(\.topic) == ["site/west-texas-1/a", "site/west-texas-1/b", "site/west-texas-1/c"])
                #expect(messages[0].payloadString == #"{"price_usd_per_mwh": 42.5}"#)
                #expect(messages[0].qos == .atMostOnce)
                #expect(messages[1].payload == binary)
                #expect(messages[1].payloadString == nil)  // not UTF-8: the consumer decides
                #expect(messages[1].qos == .atLeastOnce)
                #expect(messages[2].payload.isEmpty)
                #expect(messages[2].qos == .exactlyOnce)
                let expiry = try #require(messages[2].messageExpiryInterval)
                #expect(expiry > .seconds(55) && expiry <= .seconds(60))
            }
        }
    }

    @Test func retainedMessageReachesLateSubscriber() async throws {
        try await MosquittoBroker.withBroker { broker in
            let publisher = try MQTTClient(configuration: configuration(broker, "pub"), logger: testLogger)
            try await withRunning(publisher) { publisher in
                try await publisher.publish("online", to: "site/s1/controller/status", retain: true)
            }
            let late = try MQTTClient(configuration: configuration(broker, "late"), logger: testLogger)
            try await withRunning(late) { late in
                try await late.subscribe(to: "site/+/controller/status")
                let message = try #require(try await receive(1, from: late).first)
                #expect(message.retain)
                #expect(message.payloadString == "online")
            }
        }
    }

    @Test func wildcardSubscriptionsMatchOnlyTheirTopics() async throws {
        try await MosquittoBroker.withBroker { broker in
            try await withSubscriberAndPublisher(broker) { subscriber, publisher in
                try await subscriber.subscribe(to: "grid/ercot/+/price")
                try await subscriber.subscribe(to: "site/+/groups/+/telemetry")
                try await subscriber.subscribe(to: "mining/#")
                let topics = [
                    "grid/ercot/HB_WEST/price",  // yes
                    "grid/ercot/HB_WEST/price/extra",  // no: + is one level
                    "grid/ercot/events",  // no
                    "site/s1/groups/s19jpro/telemetry",  // yes
                    "site/s1/groups/s19jpro/command",  // no
                    "mining",  // yes: # matches the parent level too
                    "mining/hashprice",  // yes
                    "done/marker",  // not subscribed
                ]
                for topic in topics { try await publisher.publish(topic, to: topic) }
                try await subscriber.subscribe(to: "done/#")
                try await publisher.publish("end", to: "done/marker")
                let received = try await receive(5, from: subscriber).map(\.topic)
                #expect(received == ["grid/ercot/HB_WEST/price", "site/s1/groups/s19jpro/telemetry", "mining", "mining/hashprice", "done/marker"])
            }
            #expect(Topic.matches("grid/ercot/HB_WEST/price", filter: "grid/+/+/price"))
            #expect(!Topic.matches("grid/ercot/HB_WEST/price", filter: "grid/+/price"))
        }
    }

    @Test func thousandConcurrentQoS1PublishesAreAllAcknowledged() async throws {
        try await MosquittoBroker.withBroker { broker in
            try await withSubscriberAndPublisher(broker) { subscriber, publisher in
                try await subscriber.subscribe(to: "load/#")
                let count = 1000
                let acknowledged = try await withThrowingTaskGroup(of: Int.self, returning: Int.self) { group in
                    for index in 0..<count {
                        group.addTask {
                            try await publisher.publish("\(index)", to: "load/\(index % 10)", qos: .atLeastOnce)
                            return 1
                        }
                    }
                    return try await group.reduce(0, +)
                }
                #expect(acknowledged == count)
                let received = try await receive(count, from: subscriber, within: .seconds(30))
                #expect(Set(received.compactMap { $0.payloadString.flatMap(Int.init) }) == Set(0..<count))
            }
        }
    }

    @Test func malformedAndOversizedPayloadsDoNotCrashTheConsumer() async throws {
        try await MosquittoBroker.withBroker { broker in
            var subscriberConfiguration = configuration(broker, "sub")
            subscriberConfiguration.maximumIncomingPayloadBytes = 64 * 1024
            try await withSubscriberAndPublisher(broker, subscriber: subscriberConfiguration) { subscriber, publisher in
                try await subscriber.subscribe(to: "grid/#")
                let invalidUTF8: [UInt8] = [0xC3, 0x28, 0xA0, 0xA1, 0xF0, 0x28, 0x8C, 0xBC]
                try await publisher.publish(invalidUTF8, to: "grid/ercot/HB_WEST/price")
                try await publisher.publish(#"{"price_usd_per_mwh": "#, to: "grid/ercot/HB_WEST/price")
                try await publisher.publish([UInt8](repeating: 0x41, count: 1 << 20), to: "grid/ercot/HB_WEST/price")
                try await publisher.publish("after", to: "grid/ercot/HB_WEST/price")
                let messages = try await receive(3, from: subscriber)
                #expect(messages[0].payload == invalidUTF8)
                #expect(messages[0].payloadString == nil)
                #expect(messages[1].payloadString == #"{"price_usd_per_mwh": "#)
                #expect(messages[2].payloadString == "after")  // the 1 MiB one was dropped, not delivered
                let dropped = try await event(from: subscriber) {
                    if case .messageDropped = $0 { true } else { false }
                }
                #expect(
                    dropped == .messageDropped(topic: "grid/ercot/HB_WEST/price", payloadBytes: 1 << 20, reason: .payloadTooLarge(limit: 64 * 1024))
                )
            }
        }
    }

    @Test func aSlowConsumerLosesTheOldestMessagesAndIsTold() async throws {
        try await MosquittoBroker.withBroker { broker in
            var small = configuration(broker, "slow")
            small.messageBufferCapacity = 5
            try await withSubscriberAndPublisher(broker, subscriber: small) { subscriber, publisher in
                try await subscriber.subscribe(to: "site/s1/groups/+/telemetry")
                for seq in 1...20 { try await publisher.publish("\(seq)", to: "site/s1/groups/s21/telemetry") }
                // Nobody reads `messages` while the 20 arrive: 15 must be dropped, oldest first.
                try await within(.seconds(10), "15 drops") {
                    while subscriber.droppedMessageCount < 15 { try await Task.sleep(for: .milliseconds(10)) }
                }
                #expect(subscriber.droppedMessageCount == 15)
                let kept = try await receive(5, from: subscriber).compactMap(\.payloadString)
                #expect(kept == (16...20).map(String.init))
                let dropped = try await event(from: subscriber) {
                    if case .messageDropped(_, _, .bufferFull) = $0 { true } else { false }
                }
                #expect(dropped == .messageDropped(topic: "site/s1/groups/s21/telemetry", payloadBytes: 1, reason: .bufferFull))
            }
        }
    }

    @Test func payloadOverTheBrokerLimitIsRejectedWithAReason() async throws {
        try await MosquittoBroker.withBroker(.init(messageSizeLimit: 1024)) { broker in
            let publisher = try MQTTClient(configuration: configuration(broker, "pub"), logger: testLogger)
            try await withRunning(publisher) { publisher in
                let error = await #expect(throws: MQTTError.self) {
                    try await publisher.publish([UInt8](repeating: 1, count: 4096), to: "grid/ercot/HB_WEST/price")
                }
                #expect(error?.code == .publishRejected)
                #expect(error?.reasonCode == .packetTooLarge)
                #expect(error?.description.lowercased().contains("packet too large") ?? false, "\(String(describing: error))")
                // The connection survives and small messages still go through.
                try await publisher.publish("small", to: "grid/ercot/HB_WEST/price")
            }
        }
    }

    @Test func invalidTopicsAreRefusedLocally() async throws {
        try await MosquittoBroker.withBroker { broker in
            let client = try MQTTClient(configuration: configuration(broker, "c"), logger: testLogger)
            try await withRunning(client) { client in
                for filter in ["grid/#/price", "grid/ercot+/price", "", "a/#b"] {
                    let error = await #expect(throws: MQTTError.self) { try await client.subscribe(to: filter) }
                    #expect(error?.code == .invalidTopicFilter, "\(filter)")
                }
                for topic in ["grid/+/price", "grid/#", ""] {
                    let error = await #expect(throws: MQTTError.self) { try await client.publish("x", to: topic) }
                    #expect(error?.code == .invalidTopic, "\(topic)")
                }
                let error = await #expect(throws: MQTTError.self) { try await client.subscribe(to: "grid/#/price") }
                #expect(error?.description.contains("'#' must be the last level") ?? false)
                #expect(client.isConnected)
            }
        }
    }
}
