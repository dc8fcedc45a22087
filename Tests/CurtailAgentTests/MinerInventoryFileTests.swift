import CurtailCore
import CurtailMiners
import CurtailPolicyFiles
import CurtailTestSupport
import Foundation
import Testing

/// Miner inventories: what they say, and what is wrong with a bad one, line and column.
@Suite("Miner inventory files")
struct MinerInventoryFileTests {
    let site = FleetHarness.site

    @Test("addresses, default ports per firmware, the group's model unless named, credentials by reference")
    func reads() throws {
        let inventory = try MinerInventoryFile.parse(
            """
            credentials: {username: admin, password_env: FLEET_PW}
            miners:
              - {address: 10.1.0.1, group: s19xp, firmware: luxos, feeder: F1}
              - {address: "10.1.0.2:8080", group: s21, firmware: braiins, password_file: s21.pw}
              - {address: "[fd00::3]:4029", group: s19jpro, firmware: antminer, web_port: 8081, model: antminer-s19-pro}
            """,
            file: "/etc/curtail/miners.yaml",
            site: site
        )
        let m = inventory.miners
        #expect(m.map(\.address) == ["10.1.0.1:4028", "10.1.0.2:8080", "[fd00::3]:4029"])
        #expect(m[0].model.id == "antminer-s19-xp" && m[0].feeder == "F1" && m[0].username == "admin")
        #expect(m[0].password == .environment("FLEET_PW"))
        #expect(m[1].password == .file("/etc/curtail/miners.pw".replacingOccurrences(of: "miners.pw", with: "s21.pw")))
        #expect(m[2].model.id == "antminer-s19-pro" && m[2].webPort == 8081 && m[2].host == "fd00::3")

        let login = try MinerLogin.resolve(m[0], environment: ["FLEET_PW": "s3cret"])
        #expect(login.password == "s3cret")
        #expect(!"\(login)".contains("s3cret"), "a login's description hides the password")
        #expect(throws: MinerError.self) { try MinerLogin.resolve(m[0], environment: [:]) }
    }

    @Test("each problem at its line and column: unknown group, unknown firmware, bad port, an inline password, a duplicate address")
    func problems() {
        let text = """
            miners:
              - {address: 10.0.0.1, group: s19jpr, firmware: luxos}
              - {address: 10.0.0.2, group: s19xp, firmware: whatsminer}
              - {address: "10.0.0.3:99999", group: s21, firmware: braiins}
              - {address: 10.0.0.4, group: s21, firmware: braiins, password: hunter2}
              - {address: 10.0.0.1, group: s19xp, firmware: luxos}
            """
        var diagnostics: [String] = []
        do {
            _ = try MinerInventoryFile.parse(text, file: "miners.yaml", site: site)
        } catch {
            diagnostics = error.diagnostics.map(\.description)
        }
        #expect(diagnostics.count == 5, "\(diagnostics)")
        #expect(diagnostics.contains { $0.hasPrefix("miners.yaml:2:32: unknown group 's19jpr'; did you mean 's19jpro'?") })
        #expect(diagnostics.contains { $0.hasPrefix("miners.yaml:3:49: firmware must be one of luxos, braiins, antminer") })
        #expect(diagnostics.contains { $0.hasPrefix("miners.yaml:4:15: address '10.0.0.3:99999'") })
        #expect(diagnostics.contains { $0.hasPrefix("miners.yaml:5:56: a password is never written in the inventory") })
        #expect(diagnostics.contains { $0.hasPrefix("miners.yaml:6:15: address 10.0.0.1 is listed twice (first on line 2)") })
        #expect(!diagnostics.joined().contains("hunter2"), "the secret is not repeated")
    }

    @Test("curtail validate SITE --miners INVENTORY: ok with a note where counts differ; exit 1 with file:line:col otherwise")
    func validateCommand() throws {
        let ok = try CurtailProcess.run([
            "validate", "Policies/sites/example-west-texas-lab.yaml", "--miners", "Policies/sites/example-west-texas-lab-miners.yaml",
        ])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.contains("example-west-texas-lab-miners.yaml: ok, 12 miners"))
        let directory = FileManager.default.temporaryDirectory.appending(path: "inventory-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appending(path: "bad.yaml")
        try "miners:\n  - {address: 10.0.0.1, group: nope, firmware: luxos}\n".write(to: bad, atomically: true, encoding: .utf8)
        let failed = try CurtailProcess.run(["validate", "Policies/sites/example-west-texas-lab.yaml", "--miners", bad.path])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("bad.yaml:2:32: unknown group 'nope'"), "\(failed.stderr)")
    }
}
