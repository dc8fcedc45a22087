import CurtailCore
import CurtailMQTT
import CurtailPolicyFiles
import CurtailTestSupport
import CurtailWire
import FakeMiners
import Foundation
import LocalBroker
import Subprocess
import SystemPackage
import Testing

/// `curtail agent --metrics`: the miners per group and state and the driver calls, as Prometheus
/// scrapes them, and every agent panel of the shipped Grafana dashboard against that scrape.
@Suite("curtail agent metrics", .timeLimit(.minutes(2)), .enabled(if: brokerAvailable, "needs the mosquitto broker"))
struct AgentMetricsTests {
    @Test("/metrics counts miners per group and state (a dead miner is unreachable) and driver calls; /healthz follows the broker")
    func scrape() async throws {
        let curtail = try CurtailProcess.executable()
        let inventory = FleetHarness.inventory(net: 71, [(.luxos, "s19xp", 2), (.braiins, "s21", 2)])
        let fleet = FakeMinerFleet(inventory: inventory, faults: [:], speed: 1, logger: FleetHarness.quiet)
        let directory = FileManager.default.temporaryDirectory.appending(path: "curtail-agent-metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let site = directory.appending(path: "site.yaml").path
        let policy = TestRepository.path("Policies/breakeven.yaml")
        try (FleetHarness.siteYAML + "policy: \(policy)\n").write(toFile: site, atomically: true, encoding: .utf8)
        // The fleet's four, and one address where nothing answers.
        var lines = inventory.miners.map { "  - {address: \"\($0.address)\", group: \($0.group), firmware: \($0.firmware.rawValue)}" }
        lines.append("  - {address: \"127.0.71.99:14028\", group: s19xp, firmware: luxos}")
        let miners = directory.appending(path: "miners.yaml").path
        try ("miners:\n" + lines.joined(separator: "\n") + "\n").write(toFile: miners, atomically: true, encoding: .utf8)
        let port = LoopbackHTTP.freePort()
        try await FleetHarness.serving(fleet) {
            try await MosquittoBroker.withBroker { broker in
                _ = try await Subprocess.run(
                    .path(FilePath(curtail)),
                    arguments: [
                        "agent", "--config", site, "--miners", miners, "--broker", broker.url, "--metrics", "127.0.0.1:\(port)", "--log-level",
                        "error",
                    ],
                    input: .none,
                    output: .discarded,
                    error: .discarded
                ) { execution in
                    let metrics = try await LoopbackHTTP.poll(port: port, path: "/metrics", timeout: .seconds(30)) {
                        $0.body.contains("curtail_agent_miners{group=\"s19xp\",state=\"unreachable\"} 1")
                            && $0.body.contains("curtail_agent_miners{group=\"s21\",state=\"ok\"} 2")
                    }.body
                    #expect(metrics.contains("curtail_agent_miners{group=\"s19xp\",state=\"ok\"} 2"))
                    #expect(metrics.contains("curtail_agent_miners{group=\"s19jpro\",state=\"ok\"} 0"), "a group without miners reads 0")
                    let reads = metrics.split(separator: "\n").first {
                        $0.hasPrefix("curtail_agent_operations_total{operation=\"read\",outcome=\"ok\"}")
                    }
                    #expect((reads?.split(separator: " ").last).flatMap { Double($0) } ?? 0 >= 4, "\(reads ?? "no successful reads")")
                    #expect(metrics.contains("curtail_agent_operations_total{operation=\"read\",outcome=\"failed\"}"))
                    // Every agent panel of docs/grafana/curtail.json queries a metric this scrape exports.
                    let exported = metrics.split(separator: "\n").filter { !$0.hasPrefix("#") }
                    let agentNames = try GrafanaDashboard.metricNames().filter { $0.hasPrefix("curtail_agent_") }
                    #expect(agentNames.count >= 2)
                    for name in agentNames {
                        #expect(
                            exported.contains { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") },
                            "docs/grafana/curtail.json queries \(name)"
                        )
                    }
                    #expect(LoopbackHTTP.get(port: port, path: "/healthz")?.status == 200)
                    await broker.stop(.kill)
                    let lost = try await LoopbackHTTP.poll(port: port, path: "/healthz", timeout: .seconds(30)) { $0.status == 503 }
                    #expect(lost.body.contains("not connected to the broker"))
                    try execution.send(signal: .terminate)
                }
            }
        }
    }
}
