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
    /// Where refused filters and a lost connection are reported.
    public let logger: Logger

    /// A watcher that feeds `feed` with what arrives on `filters`.
    public init(feed: LiveFeed, mqtt: MQTTConfiguration, filters: [String], logger: Logger) {
        self.feed = feed
        self.mqtt = mqtt
        self.filters = filters
        self.logger = logger
    }

    /// Follows the topics until graceful shutdown or cancellation; a refused filter or a lost
    /// client is logged, never thrown (the page must not stop the controller beside it).
    ///
    /// - Throws: ``MQTTError`` when the configuration is invalid.
    public func run() async throws {
        let client = try MQTTClient(configuration: mqtt, logger: logger)
        let feed = self.feed
        let logger = self.logger
        await withTaskGroup(of: Void.self) { group in
            // Its failure shows below, as the end of the messages.
            group.addTask { try? await client.run() }
            // The miners' summary is sent at most once a second (a waking fleet changes
            // thousands of statuses a minute); this sends the last change of each second.
            // Every 15 s, a comment keeps quiet streams open through proxies.
            group.addTask {
                var seconds = 0
                while !Task.isCancelled {
                    guard (try? await Task.sleep(for: .seconds(1))) != nil else { return }
                    feed.flushMiners()
                    seconds += 1
                    if seconds % 15 == 0 { feed.keepAlive() }
                }
            }
            defer { feed.close() }
            // The page must never stop the controller: a refused filter (a stricter ACL) leaves
            // that part of the page empty, and says so in the log.
            for filter in filters {
                do {
                    try await client.subscribe(to: filter)
                } catch {
                    logger.warning(
                        "the live page will not show \(filter): the broker refused the subscription (\(error)); grant the controller's user read on it"
                    )
                }
            }
            for await message in client.messages.cancelOnGracefulShutdown() {
                feed.publish(topic: message.topic, payload: message.payload)
            }
            if !Task.isShuttingDownGracefully && !Task.isCancelled {
                // The client stopped by itself: the page stays as it is until the process stops,
                // rather than ending this service (which would stop the others with it).
                logger.error("the live page's MQTT connection stopped; the page no longer updates")
                try? await gracefulShutdown()
            }
            group.cancelAll()
        }
    }
}
