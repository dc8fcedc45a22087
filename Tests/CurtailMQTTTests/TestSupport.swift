import CurtailMQTT
import CurtailTestSupport
import Foundation
import LocalBroker
import Logging
import Testing

/// A quiet logger for clients under test (set CURTAIL_TEST_LOG=debug to see them).
let testLogger: Logger = {
    var logger = Logger(label: "test.mqtt")
    logger.logLevel = ProcessInfo.processInfo.environment["CURTAIL_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return logger
}()

/// A unique client id for one test.
func clientID(_ name: String) -> String { "t-\(name)-\(UUID().uuidString.prefix(8))" }

/// A configuration for the local broker with short timeouts and fast reconnects.
func configuration(
    _ broker: MosquittoBroker,
    _ name: String,
    cleanSession: Bool = true,
    id: String? = nil
) -> MQTTConfiguration {
    var configuration = MQTTConfiguration(host: broker.host, port: broker.port, clientID: id ?? clientID(name), cleanSession: cleanSession)
    configuration.reconnect = .init(initialDelay: .seconds(1), maximumDelay: .seconds(1))
    configuration.acknowledgementTimeout = .seconds(10)
    return configuration
}

/// Runs `client` for the duration of `body`, then shuts it down (graceful: cancellation).
func withRunning<R: Sendable>(
    _ client: MQTTClient,
    connected: Bool = true,
    _ body: (MQTTClient) async throws -> R
) async throws -> R {
    try await withThrowingTaskGroup(of: Void.self, returning: R.self) { group in
        group.addTask { try await client.run() }
        do {
            if connected { try await client.waitUntilConnected(timeout: .seconds(10)) }
            let result = try await body(client)
            group.cancelAll()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            try? await group.waitForAll()
            throw error
        }
    }
}

/// Runs a subscriber and a publisher (connected) for the duration of `body`.
func withSubscriberAndPublisher<R: Sendable>(
    _ broker: MosquittoBroker,
    subscriber subscriberConfiguration: MQTTConfiguration? = nil,
    _ body: (_ subscriber: MQTTClient, _ publisher: MQTTClient) async throws -> R
) async throws -> R {
    let subscriber = try MQTTClient(configuration: subscriberConfiguration ?? configuration(broker, "sub"), logger: testLogger)
    let publisher = try MQTTClient(configuration: configuration(broker, "pub"), logger: testLogger)
    return try await withRunning(subscriber) { subscriber in
        try await withRunning(publisher) { publisher in try await body(subscriber, publisher) }
    }
}

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// A test precondition that did not hold (a missing tool, a helper process that misbehaved).
struct TestFailure: Error, CustomStringConvertible {
    var description: String
}

/// Runs `operation`, failing with ``TimedOut`` after `timeout`.
func within<R: Sendable>(
    _ timeout: Duration,
    _ what: String,
    _ operation: @escaping @Sendable () async throws -> R
) async throws -> R {
    try await withThrowingTaskGroup(of: R?.self, returning: R.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimedOut(what: what) }
        return value
    }
}

/// Takes `count` messages from the client's stream, within `timeout`.
func receive(_ count: Int, from client: MQTTClient, within timeout: Duration = .seconds(10)) async throws -> [MQTTMessage] {
    try await within(timeout, "\(count) message(s)") {
        var received: [MQTTMessage] = []
        for await message in client.messages {
            received.append(message)
            if received.count == count { break }
        }
        return received
    }
}

/// Takes messages up to and including the first that matches `last`, within `timeout`.
func receive(
    from client: MQTTClient,
    within timeout: Duration = .seconds(10),
    until last: @escaping @Sendable (MQTTMessage) -> Bool
) async throws -> [MQTTMessage] {
    try await within(timeout, "a matching message") {
        var received: [MQTTMessage] = []
        for await message in client.messages {
            received.append(message)
            if last(message) { return received }
        }
        throw TimedOut(what: "a matching message (stream ended)")
    }
}

/// Takes events until one matches `predicate`, within `timeout`.
func event(
    from client: MQTTClient,
    within timeout: Duration = .seconds(10),
    where predicate: @escaping @Sendable (MQTTConnectionEvent) -> Bool
) async throws -> MQTTConnectionEvent {
    try await within(timeout, "a connection event") {
        for await event in client.events where predicate(event) { return event }
        throw TimedOut(what: "a connection event (stream ended)")
    }
}
