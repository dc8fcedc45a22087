import CurtailTestSupport
import Foundation
import Testing

/// `curtail run` refuses to start on a broken configuration, with the file position.
@Suite("curtail run start-up")
struct RunCommandTests {
    static func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let output = try CurtailProcess.run(arguments)
        return (output.status, output.stderr)
    }

    @Test("a broken site file stops start-up with file:line:col and exit code 1")
    func brokenSite() throws {
        let path = FileManager.default.temporaryDirectory.appending(path: "curtail-run-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let text =
            try String(contentsOfFile: Repository.exampleSite, encoding: .utf8)
            .replacingOccurrences(of: "max_import_mw: 10", with: "max_import_mw: ten")
            + "controller:\n  command_ttl: 5s\n  under_frequency_trip_hz: 62\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let (status, stderr) = try Self.run(["run", "--config", path, "--broker", "mqtt://127.0.0.1:1"])
        #expect(status == 1)
        #expect(stderr.contains("\(path):13:16:") && stderr.contains("max_import_mw"), "\(stderr)")
        #expect(stderr.contains("command_ttl must be 30s...1h") && stderr.contains("under_frequency_trip_hz"))
    }

    @Test("a bad broker address or parameter is refused before connecting")
    func badArguments() throws {
        let site = Repository.exampleSite
        let broker = try Self.run(["run", "--config", site, "--broker", "http://127.0.0.1:1883"])
        #expect(broker.status == 1 && broker.stderr.contains("expected mqtt://HOST:PORT"))
        let parameter = try Self.run(["run", "--config", site, "--set", "nope=1", "--broker", "mqtt://127.0.0.1:1"])
        #expect(parameter.status == 1 && parameter.stderr.contains("nope"))
    }
}
