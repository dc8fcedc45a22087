public import CurtailMQTT
public import Logging
public import ServiceLifecycle

/// Feeds a ``LiveFeed`` from the broker: subscribes (with its own MQTT client) to what the page
/// shows — the site's state, commands, refusals and event reports, each miner's status and the
/// agent's own status — and hands every message to the feed.
///
/// Reading the site's topics rather than the controller's own output means a standby's page shows
/// what the active controller publishes, and the agent's miners appear beside it; the feed's JSON
/// work runs here, never on the controller's decision loop. A swift-service-lifecycle
/// ``Service``; it stops on graceful shutdown.
public struct SiteWatcher: Service {
    /// The feed the page reads.
    public let feed: LiveFeed
    /// The watcher's own connection (give it its own client id, a clean session and no will).
    public let mqtt: MQTTConfiguration
    /// The topic filters to follow, e.g. `site/{site}/state`, `site/{site}/groups/+/command`.
    public let filters: [String]
    public let logger: Logger

    public init(feed: LiveFeed, mqtt: MQTTConfiguration, filters: [String], logger: Logger) {
        self.feed = feed
        self.mqtt = mqtt
        self.filters = filters
        self.logger = logger
    }

    /// Follows the topics until graceful shutdown or cancellation.
    ///
    /// - Throws: ``MQTTError`` when the configuration is invalid or a filter is refused.
    public func run() async throws {
        let client = try MQTTClient(configuration: mqtt, logger: logger)
        let feed = self.feed
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            // The miners' summary is sent at most once a second (a waking fleet changes
            // thousands of statuses a minute); this sends the last change of each second.
            // Every 15 s, a comment keeps quiet streams open through proxies.
            group.addTask {
                var seconds = 0
                while !Task.isCancelled {
                    try await Task.sleep(for: .seconds(1))
                    feed.flushMiners()
                    seconds += 1
                    if seconds % 15 == 0 { feed.keepAlive() }
                }
            }
            defer { feed.close() }
            for filter in filters { try await client.subscribe(to: filter) }
            for await message in client.messages.cancelOnGracefulShutdown() {
                feed.publish(topic: message.topic, payload: message.payload)
            }
            group.cancelAll()
        }
    }
}
