import CurtailCommandLine
import CurtailController
import CurtailCore
import CurtailMQTT
import CurtailWire
import Logging
import Synchronization

/// What `curtail demo` shows: the controller's published state, event reports and refusals,
/// read from the broker like any dashboard would, plus the controller's notices.
final class DemoMonitor: Sendable {
    struct Snapshot: Sendable {
        var state: StatePayload?
        var reports: [String: EventReportPayload] = [:]
        var reportOrder: [String] = []
        var rejections: [RejectedPayload] = []
        var notes: [String] = []
    }

    let client: MQTTClient
    let topics: ControllerTopics
    private let snapshot = Mutex(Snapshot())

    init(client: MQTTClient, topics: ControllerTopics) {
        self.client = client
        self.topics = topics
    }

    var current: Snapshot { snapshot.withLock { $0 } }

    func note(_ text: String) {
        snapshot.withLock {
            $0.notes.append(text)
            if $0.notes.count > 200 { $0.notes.removeFirst($0.notes.count - 200) }
        }
    }

    /// Subscribes and keeps the latest of everything until cancelled.
    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.client.run() }
            try await client.waitUntilConnected(timeout: .seconds(30))
            try await client.subscribe(to: topics.state)
            try await client.subscribe(to: "\(topics.siteBase)/events/+/report")
            try await client.subscribe(to: topics.rejected)
            for await message in client.messages {
                if message.topic == topics.state, let state = try? StatePayload(decoding: message.payload) {
                    snapshot.withLock { $0.state = state }
                } else if message.topic == topics.rejected, let rejection = try? RejectedPayload(decoding: message.payload) {
                    snapshot.withLock { $0.rejections.append(rejection) }
                } else if let report = try? EventReportPayload(decoding: message.payload) {
                    snapshot.withLock {
                        if $0.reports[report.id] == nil { $0.reportOrder.append(report.id) }
                        $0.reports[report.id] = report
                    }
                }
            }
            group.cancelAll()
        }
    }
}

/// A log handler that hands the controller's notices to the monitor (the live table shows them).
struct DemoLogHandler: LogHandler {
    let monitor: DemoMonitor
    var logLevel: Logger.Level = .notice
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        monitor.note("\(event.level): \(event.message)")
    }
}
