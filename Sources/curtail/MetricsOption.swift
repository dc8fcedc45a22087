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
        guard let endpoint = try Self.endpoint(metrics, example: "127.0.0.1:9465") else { return nil }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return MetricsServer(host: endpoint.host, port: endpoint.port, registry: registry, logger: logger, health: health)
    }

    /// `HOST:PORT` as given to a `--metrics` option (`curtail run`'s too); `nil` for `off`.
    static func endpoint(_ text: String, example: String) throws -> (host: String, port: Int)? {
        guard text != "off" else { return nil }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw ValidationError("--metrics expects HOST:PORT (e.g. \(example)) or off, got '\(text)'")
        }
        return (String(text[..<colon]), port)
    }
}
