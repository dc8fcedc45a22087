import ArgumentParser
import CurtailObservability
import Logging
import Metrics
import Prometheus

/// `--metrics HOST:PORT|off` for the companions (feeds, agent): `/metrics` (Prometheus) and
/// `/healthz` on Hummingbird. `curtail run` has its own, with the live page.
struct MetricsOption: ParsableArguments {
    @Option(help: "Serve /metrics (Prometheus) and /healthz on HOST:PORT, or 'off'.")
    var metrics = "off"

    /// The server, with swift-metrics bootstrapped onto its registry; `nil` for `off`.
    func server(logger: Logger, health: @escaping @Sendable () -> MetricsServer.Health) throws -> MetricsServer? {
        guard metrics != "off" else { return nil }
        guard let colon = metrics.lastIndex(of: ":"), let port = Int(metrics[metrics.index(after: colon)...]), (0...65_535).contains(port) else {
            throw ValidationError("--metrics expects HOST:PORT (e.g. 127.0.0.1:9465) or off, got '\(metrics)'")
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return MetricsServer(host: String(metrics[..<colon]), port: port, registry: registry, logger: logger, health: health)
    }
}
