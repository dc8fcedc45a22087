import CurtailTestSupport
import Foundation
import LocalBroker
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The systemd units in `dist/systemd/` as `make install` writes them, checked by systemd's own
/// `systemd-analyze verify` (every warning counts), where the tool exists.
@Suite(
    "systemd units",
    .enabled(
        if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"),
        "systemd-analyze is not installed here; the unit check is skipped"
    )
)
struct ServiceUnitTests {
    static let units = ["curtail-run@", "curtail-agent@", "curtail-feed-ercot@", "curtail-feed-hashprice@", "curtail-openadr@"]

    @Test("every unit, instantiated for the example site with the built curtail, passes systemd-analyze verify without a warning")
    func unitsVerify() throws {
        let binDirectory = URL(fileURLWithPath: try CurtailProcess.executable()).deletingLastPathComponent().path
        let directory = FileManager.default.temporaryDirectory.appending(path: "curtail-units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var instances: [String] = []
        for unit in Self.units {
            let template = try String(contentsOfFile: TestRepository.path("dist/systemd/\(unit).service"), encoding: .utf8)
            #expect(template.contains("@BINDIR@/curtail "), "\(unit): ExecStart names @BINDIR@/curtail")
            let text = template.replacingOccurrences(of: "@BINDIR@", with: binDirectory).replacingOccurrences(of: "@SYSCONFDIR@", with: "/etc")
            #expect(text.range(of: "@[A-Z]+@", options: .regularExpression) == nil, "\(unit): a placeholder make install would not fill")
            let path = directory.appending(path: "\(unit)west-texas-1.service").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            instances.append(path)
        }
        let verify = try CurtailProcess.run(executable: "/usr/bin/systemd-analyze", ["verify", "--man=no"] + instances)
        let text = verify.stdout + verify.stderr
        #expect(verify.status == 0, "\(text)")
        #expect(text.isEmpty, "systemd-analyze verify said:\n\(text)")
    }

    @Test("the shell completions make install ships are the ones curtail generates today (make generated refreshes them)")
    func completionsAreCurrent() throws {
        for shell in ["bash", "zsh", "fish"] {
            let generated = try CurtailProcess.run(["--generate-completion-script", shell])
            #expect(generated.status == 0)
            let shipped = try String(contentsOfFile: TestRepository.path("dist/completions/curtail.\(shell)"), encoding: .utf8)
            #expect(generated.stdout == shipped, "dist/completions/curtail.\(shell) is out of date: run make generated")
        }
        // A man page per subcommand (the SUBCOMMANDS section of --help: a name at two spaces).
        let help = try CurtailProcess.run(["--help"]).stdout
        let section = help.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        let block = section.components(separatedBy: "\n\n").first { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } ?? ""
        let names = block.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }
        #expect(names.contains("doctor") && names.contains("run"), "\(names)")
        for name in names where name != "help" {
            #expect(
                FileManager.default.fileExists(atPath: TestRepository.path("dist/man/man1/curtail.\(name).1")),
                "no man page for curtail \(name): run make generated"
            )
        }
    }

    @Test("make install's unit step replaces an unedited unit, refuses to overwrite one an operator edited, and replaces it with FORCE")
    func installKeepsEditedUnits() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "curtail-install-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let units = directory.appending(path: "units").path
        let record = directory.appending(path: "record").path
        func install(force: Bool = false) throws -> CurtailProcess.Output {
            try CurtailProcess.run(
                executable: "/bin/sh",
                [TestRepository.path("dist/install-units.sh"), "/usr/bin", "/etc", units, record] + (force ? ["1"] : [])
            )
        }
        let run = units + "/curtail-run@.service"
        #expect(try install().status == 0)
        #expect(try String(contentsOfFile: run, encoding: .utf8).contains("ExecStart=/usr/bin/curtail run --config /etc/curtail/%i.yaml"))
        #expect(try install().status == 0, "an unedited unit is replaced (an upgrade)")
        try (try String(contentsOfFile: run, encoding: .utf8) + "# the operator's change\n").write(toFile: run, atomically: true, encoding: .utf8)
        let refused = try install()
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("curtail-run@.service") && refused.stderr.contains("FORCE=1"), "\(refused.stderr)")
        #expect(try String(contentsOfFile: run, encoding: .utf8).contains("# the operator's change"), "left as the operator made it")
        #expect(try install(force: true).status == 0)
        #expect(!(try String(contentsOfFile: run, encoding: .utf8).contains("# the operator's change")))
    }

    @Test("the controller's unit is Type=notify with a watchdog, restarts, and runs hardened as its own user with only its audit directory writable")
    func controllerUnitShape() throws {
        let unit = try String(contentsOfFile: TestRepository.path("dist/systemd/curtail-run@.service"), encoding: .utf8)
        for line in [
            "Type=notify", "WatchdogSec=30", "Restart=always", "User=curtail", "ProtectSystem=strict", "StateDirectory=curtail/%i",
            "NoNewPrivileges=true", "--audit-db /var/lib/curtail/%i/audit.sqlite",
        ] {
            #expect(unit.contains(line), "curtail-run@.service lacks \(line)")
        }
    }

    @Test(
        "curtail run under Type=notify: READY=1 once connected with the lease settled, WATCHDOG=1 while its loop turns (no price needed), STOPPING=1 on SIGTERM",
        .enabled(if: brokerAvailable, "needs the mosquitto broker"),
        .timeLimit(.minutes(1))
    )
    func notifySocket() async throws {
        let socketPath = FileManager.default.temporaryDirectory.appending(path: "curtail-notify-\(UUID().uuidString.prefix(8))").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        defer {
            close(fd)
            unlink(socketPath)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in socketPath.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0, "cannot bind \(socketPath)")
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        func receive(until deadline: ContinuousClock.Instant, _ wanted: String) -> [String] {
            var got: [String] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while ContinuousClock.now < deadline {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { continue }
                let message = String(decoding: buffer[0..<n], as: UTF8.self)
                got.append(message)
                if message.contains(wanted) { break }
            }
            return got
        }
        try await MosquittoBroker.withBroker { broker in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try CurtailProcess.executable())
            process.arguments = [
                "run", "--config", TestRepository.exampleSite, "--broker", broker.url, "--no-audit", "--metrics", "off", "--log-level", "error",
            ]
            process.environment = ProcessInfo.processInfo.environment.merging(["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "1000000"]) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let ready = receive(until: .now + .seconds(20), "READY=1")
            #expect(ready.last?.contains("READY=1") == true, "\(ready)")
            #expect(!ready.contains { $0.contains("WATCHDOG=1") }, "no watchdog ping before ready")
            let pings = receive(until: .now + .seconds(2), "never").filter { $0 == "WATCHDOG=1" }
            #expect(pings.count >= 2, "\(pings.count) pings in 2 s for a 1 s watchdog")
            process.terminate()
            let stopping = receive(until: .now + .seconds(10), "STOPPING=1")
            #expect(stopping.contains("STOPPING=1"), "\(stopping)")
            while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            #expect(process.terminationStatus == 0)
        }
    }
}
