import CurtailCore
import CurtailMQTT
import CurtailTestSupport
import CurtailWire
import Foundation
import LocalBroker
import Subprocess
import SystemPackage
import Testing

/// `curtail run`'s /metrics and /healthz, as a scraper and a load balancer see them.
@Suite("Metrics endpoint", .serialized, .timeLimit(.minutes(2)), .enabled(if: brokerAvailable, "needs the mosquitto broker"))
struct MetricsEndpointTests {
    @Test("/healthz follows the broker connection; /metrics counts decisions, commands, refusals, latency, per-group kW")
    func metricsAndHealth() async throws {
        let port = LoopbackHTTP.freePort()
        let curtail = try CurtailProcess.executable()
        try await MosquittoBroker.withBroker { broker in
            let feed = try MQTTClient(configuration: MQTTConfiguration(host: broker.host, port: broker.port, clientID: "metrics-feed"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await feed.run() }
                try await feed.waitUntilConnected(timeout: .seconds(10))
                let arguments = [
                    "run", "--config", TestRepository.exampleSite, "--broker", broker.url, "--no-audit", "--metrics", "127.0.0.1:\(port)",
                    "--log-level", "error",
                ]
                _ = try await Subprocess.run(
                    .path(FilePath(curtail)),
                    arguments: .init(arguments),
                    input: .none,
                    output: .discarded,
                    error: .discarded
                ) {
                    execution in
                    let now = Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
                    let interval = Timestamp(millisecondsSinceEpoch: (now.millisecondsSinceEpoch / 900_000 - 1) * 900_000)
                    // Not healthy before a decision.
                    let early = try await LoopbackHTTP.poll(port: port, path: "/healthz") { $0.status == 503 }
                    #expect(early.body.contains("unhealthy"))
                    try await feed.publish(try HashPricePayload(ts: now, usdPerTHDay: 0.06).encode(), to: "mining/hashprice", retain: true)
                    try await feed.publish(
                        try PricePayload(intervalStart: interval, intervalMinutes: 15, priceUSDPerMWh: 30).encode(),
                        to: "grid/ercot/HB_WEST/price",
                        retain: true
                    )
                    let healthy = try await LoopbackHTTP.poll(port: port, path: "/healthz") { $0.status == 200 }
                    #expect(healthy.body.hasPrefix("ok"))
                    try await feed.publish(
                        "{\"interval_start\":\"\(interval.iso8601)\",\"interval_minutes\":15,\"price_usd_per_mwh\":\"x\"}",
                        to: "grid/ercot/HB_WEST/price"
                    )
                    // Until the refusal is counted (the counter can be there, at 0, before the message is read).
                    let metrics = try await LoopbackHTTP.poll(port: port, path: "/metrics") {
                        $0.body.contains("curtail_rejected_inputs_total{reason=\"wrong_type\"} 1")
                    }.body
                    #expect(metrics.contains("curtail_decisions_total"))
                    #expect(metrics.contains("curtail_commands_total 3"))
                    #expect(metrics.contains("curtail_rejected_inputs_total{reason=\"wrong_type\"} 1"))
                    #expect(metrics.contains("curtail_decision_seconds_bucket"))
                    #expect(metrics.contains("curtail_group_target_kw{group=\"s21\"} 3500.0"))
                    #expect(metrics.contains("curtail_price_age_seconds"))
                    // Every controller metric the shipped Grafana dashboard queries is one this scrape exports.
                    let lines = metrics.split(separator: "\n").filter { !$0.hasPrefix("#") }
                    let dashboard = try GrafanaDashboard.metricNames()
                    #expect(dashboard.count >= 12)
                    for name in dashboard where !name.hasPrefix("curtail_feed_") && !name.hasPrefix("curtail_agent_") {
                        #expect(
                            lines.contains { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") || $0.hasPrefix(name + "_bucket") },
                            "docs/grafana/curtail.json queries \(name), which curtail run does not export"
                        )
                    }
                    // The feed panels: names the feed code registers (curtail feed's own /metrics is in FeedCommandTests;
                    // the agent's panels are checked against curtail agent's scrape in AgentMetricsTests).
                    let feedSource = try String(contentsOfFile: TestRepository.path("Sources/CurtailFeeds/FeedOutlet.swift"), encoding: .utf8)
                    for name in dashboard where name.hasPrefix("curtail_feed_") {
                        #expect(feedSource.contains("Counter(label: \"\(name)\""), "docs/grafana/curtail.json queries \(name), which no feed exports")
                    }
                    // The broker goes away: unhealthy, with the reason.
                    await broker.stop(.kill)
                    let lost = try await LoopbackHTTP.poll(port: port, path: "/healthz") { $0.status == 503 }
                    #expect(lost.body.contains("not connected to the MQTT broker"))
                    #expect(LoopbackHTTP.get(port: port, path: "/nope")?.status == 404)
                    try execution.send(signal: .terminate)
                }
                group.cancelAll()
            }
        }
    }
}
