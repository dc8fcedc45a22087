import ArgumentParser
import AsyncHTTPClient
import CurtailCommandLine
import CurtailCore
import CurtailObservability
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import Prometheus

/// `curtail-bench http`: the operator endpoint on Hummingbird, in process on loopback: `/metrics`
/// and `/healthz` scrape latency with no page open and with live pages streaming, and the live
/// feed's cost per state message.
struct BenchHTTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Benchmark /metrics and /healthz (Hummingbird) with and without live pages open, and the live feed per message."
    )

    @Option(help: "Requests per measurement.")
    var requests = 2_000

    @Option(help: "Live pages (server-sent event streams) open during the second measurement.")
    var pages = 20

    func run() async throws {
        var logger = Logger(label: "bench.http")
        logger.logLevel = .error
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        Self.controllerMetrics(factory: factory)
        let feed = LiveFeed(metricsFactory: factory)
        let port = Int.random(in: 20_000...40_000)
        let server = MetricsServer(host: "127.0.0.1", port: port, registry: registry, logger: logger, liveFeed: feed, title: "bench") {
            .init(healthy: true, detail: "active (term 1): connected and deciding")
        }
        let state = Array(Self.statePayload.utf8)
        // The feed's own cost: what the watcher does per state message (parse, keep, fan out).
        let feedClock = ContinuousClock()
        let feedStart = feedClock.now
        let messages = 20_000
        for _ in 0..<messages { feed.publish(topic: "site/bench/state", payload: state) }
        let perMessage = (feedClock.now - feedStart) / messages

        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = pages + 8
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        // Children end by cancellation once measured; their errors then are expected.
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try? await server.run() }
            try await Self.waitForServer(client: client, port: port)
            let quiet = try await Self.measure(client: client, port: port, count: requests)
            // Pages open, each reading its stream, while state messages arrive 20 times a second;
            // closed before the server stops.
            let (busy, open) = try await withThrowingTaskGroup(of: Void.self) { pagesGroup in
                for _ in 0..<pages {
                    pagesGroup.addTask {
                        guard let response = try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/events"), timeout: .hours(1))
                        else { return }
                        do { for try await _ in response.body {} } catch {}
                    }
                }
                pagesGroup.addTask {
                    while !Task.isCancelled {
                        feed.publish(topic: "site/bench/state", payload: state)
                        try? await Task.sleep(for: .milliseconds(50))
                    }
                }
                try await Task.sleep(for: .milliseconds(500))
                let open = feed.clientCount
                let busy = try await Self.measure(client: client, port: port, count: requests)
                pagesGroup.cancelAll()
                return (busy, open)
            }
            try await Task.sleep(for: .milliseconds(300))
            group.cancelAll()
            print("curtail-bench http: \(requests) sequential GETs each, loopback, one connection per request")
            print(String(format: "  live feed: %.1f µs per state message (parse, keep; no page open)", perMessage.inSeconds * 1e6))
            for (name, quietRun, busyRun) in [("/metrics", quiet.metrics, busy.metrics), ("/healthz", quiet.health, busy.health)] {
                print(
                    String(
                        format: "  %@  no page: p50 %.0f µs, p99 %.0f µs | %d pages streaming 20 states/s: p50 %.0f µs, p99 %.0f µs (p50 ratio %.2f)",
                        name,
                        quietRun.p50,
                        quietRun.p99,
                        open,
                        busyRun.p50,
                        busyRun.p99,
                        busyRun.p50 / quietRun.p50
                    )
                )
            }
            print("  /metrics body: \(quiet.bytes) bytes; dropped page updates: \(feed.droppedUpdates)")
        }
        try await client.shutdown()
    }

    struct Run {
        var p50: Double
        var p99: Double
    }

    /// `count` GETs of /metrics and of /healthz, interleaved; latencies in µs.
    static func measure(client: HTTPClient, port: Int, count: Int) async throws -> (metrics: Run, health: Run, bytes: Int) {
        var metrics: [Double] = []
        var health: [Double] = []
        var bytes = 0
        let clock = ContinuousClock()
        for k in 0..<(2 * count) {
            let path = k.isMultiple(of: 2) ? "/metrics" : "/healthz"
            let start = clock.now
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
            request.headers.add(name: "Connection", value: "close")
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { throw InvalidInput("GET \(path): \(response.status)") }
            let micros = (clock.now - start).inSeconds * 1e6
            if k.isMultiple(of: 2) {
                metrics.append(micros)
                bytes = body.readableBytes
            } else {
                health.append(micros)
            }
        }
        return (summary(metrics), summary(health), bytes)
    }

    static func summary(_ values: [Double]) -> Run {
        let sorted = values.sorted()
        return Run(p50: sorted[sorted.count / 2], p99: sorted[min(sorted.count - 1, sorted.count * 99 / 100)])
    }

    static func waitForServer(client: HTTPClient, port: Int) async throws {
        for _ in 0..<100 {
            if let response = try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(1)),
                response.status == .ok
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw InvalidInput("the metrics server on 127.0.0.1:\(port) did not start")
    }

    /// The metrics `curtail run` registers for the example site (three groups).
    static func controllerMetrics(factory: any MetricsFactory) {
        for label in ["curtail_decisions_total", "curtail_commands_total", "curtail_audit_write_failures_total", "curtail_lease_changes_total"] {
            Counter(label: label, factory: factory).increment(by: 1000)
        }
        for reason in ["malformed", "wrong_type", "stale", "out_of_range", "unknown_kind"] {
            Counter(label: "curtail_rejected_inputs_total", dimensions: [("reason", reason)], factory: factory).increment()
        }
        let timer = Timer(label: "curtail_decision_seconds", factory: factory)
        for k in 0..<1000 { timer.recordNanoseconds(Int64(20_000 + k * 37)) }
        for label in [
            "curtail_price_age_seconds", "curtail_site_target_mw", "curtail_site_measured_mw", "curtail_controller_active", "curtail_controller_term",
        ] {
            Gauge(label: label, factory: factory).record(1)
        }
        for group in ["s19jpro", "s19xp", "s21"] {
            Gauge(label: "curtail_group_target_kw", dimensions: [("group", group)], factory: factory).record(3000)
            Gauge(label: "curtail_group_measured_kw", dimensions: [("group", group)], factory: factory).record(2990)
        }
    }

    /// A state payload of the example site's size.
    static let statePayload = #"""
        {"ts":"2026-12-04T01:00:00.000Z","site":"west-texas-1","controller":"box-a","term":1,"price_usd_per_mwh":95.5,"price_interval_start":"2026-12-04T00:45:00Z","price_age_s":12,"hash_price_usd_per_th_day":0.06,"target_mw":7.5,"measured_mw":7.4,"constraints":["cap"],"rules":["p90"],"groups":[{"name":"s19jpro","break_even_usd_per_mwh":83.0,"target_kw":25,"measured_kw":26,"miners_running":0,"measured_miners_running":0,"reason":"price 95.5 above break-even 83.0"},{"name":"s19xp","break_even_usd_per_mwh":114.0,"target_kw":3010,"measured_kw":3001,"miners_running":1000,"measured_miners_running":1000,"reason":"price below break-even"},{"name":"s21","break_even_usd_per_mwh":140.0,"target_kw":3500,"measured_kw":3490,"miners_running":1000,"measured_miners_running":999,"reason":"price below break-even"}],"active_events":[],"awards":[]}
        """#
}
