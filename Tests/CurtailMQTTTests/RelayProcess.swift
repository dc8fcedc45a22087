import Foundation
import LocalBroker
import Subprocess
import SystemPackage

/// Runs `curtail-bench mqtt-relay` with a status topic until it is ready, then stops it with `stop`.
func runRelay(_ relay: String, broker: MosquittoBroker, status: String, stop: Signal) async throws {
    let outcome = try await Subprocess.run(
        .path(FilePath(relay)),
        arguments: ["mqtt-relay", "--broker", broker.url, "--in", "relay/in", "--out", "relay/out", "--status-topic", status],
        input: .none,
        output: .sequence,
        error: .discarded
    ) { execution in
        for try await line in execution.standardOutput.strings() where line == "ready" { break }
        try execution.send(signal: stop)
    }
    if stop == .terminate {
        // Graceful shutdown: the process exits by itself with status 0.
        guard outcome.terminationStatus.isSuccess else {
            throw TestFailure(description: "the relay did not exit cleanly on SIGTERM: \(outcome.terminationStatus)")
        }
    }
}
