import AsyncHTTPClient
import CurtailCore
import CurtailMiners
import CurtailPolicyFiles
import CurtailWire
import FakeMiners
import Foundation
import Testing

/// Each driver against the simulator's fake of its firmware, over real TCP and HTTP on loopback.
@Suite("Miner drivers against the fake miners")
struct MinerDriverTests {
    static let login = MinerLogin(username: "root", password: "root")

    /// The error `body` throws, or `nil` (recorded) when it succeeds.
    func failure(_ what: String, _ body: () async throws(MinerError) -> Void) async -> MinerError? {
        do {
            try await body()
            Issue.record("\(what) succeeded")
            return nil
        } catch {
            return error
        }
    }

    func waitFor(_ what: String, timeout: Duration = .seconds(30), _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !(await condition()) {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test("LuxOS: read, sleep and wake with a session each, power target by profile with ATM off; a held session is 'busy'")
    func luxos() async throws {
        let inventory = FleetHarness.inventory(net: 41, [(.luxos, "s19xp", 1)])
        let fleet = FakeMinerFleet(inventory: inventory, speed: 20, logger: FleetHarness.quiet)
        let miner = inventory.miners[0]
        try await FleetHarness.serving(fleet) {
            let driver = LuxOSDriver(client: CGMinerClient(host: miner.host, port: miner.port))
            let first = try await driver.read()
            #expect(first.mode == .mining)
            #expect(first.powerW == 3010)
            #expect(abs(first.hashrateTH - 140) < 0.5)

            try await driver.sleep()
            try await waitFor("asleep") { (try? await driver.read())?.mode == .sleeping }
            let asleep = try await driver.read()
            #expect(asleep.powerW == 25)
            #expect(asleep.hashrateTH == 0)
            #expect(fleet.miner(miner.host)?.isAsleep == true)

            // LuxOS boots in 10 simulated seconds, half a wall second here: too short to see
            // `.starting` on a loaded machine (CI once missed it). A 100-second boot (5 wall seconds)
            // keeps it in view.
            fleet.update(miner.host) { $0.wakeSeconds = 100 }
            try await driver.wake()
            #expect(try await driver.read().mode == .starting)
            try await waitFor("mining again") { (try? await driver.read())?.mode == .mining }

            try await driver.setPowerTarget(watts: 2500)
            let state = try #require(fleet.miner(miner.host))
            #expect(state.atmEnabled == false, "ATM turned off before the profile")
            #expect(state.powerTargetW <= 2500 && state.powerTargetW >= 2400, "the highest profile at or below 2500 W: \(state.powerTargetW)")
            #expect(try await driver.read().powerTargetW == state.powerTargetW)

            // Another tool holds the one session: the write is 'busy', not an error of the miner.
            let now = fleet.now
            fleet.update(miner.host) { _ = $0.logon(at: now) }
            let busy = await failure("a write while another session is held") { () throws(MinerError) in try await driver.sleep() }
            #expect(busy?.kind == .busy, "\(String(describing: busy))")
            #expect(fleet.miner(miner.host)?.isAsleep == false, "nothing written while the session was held")
        }
    }

    @Test("Braiins OS REST: token login (re-login after a 401), pause/resume, power target clamped; a target outside the limits is refused")
    func braiins() async throws {
        let inventory = FleetHarness.inventory(net: 42, [(.braiins, "s21", 1)])
        let fleet = FakeMinerFleet(inventory: inventory, speed: 20, logger: FleetHarness.quiet)
        let miner = inventory.miners[0]
        try await FleetHarness.serving(fleet) {
            let http = MinerHTTP(client: .shared, host: miner.host, port: miner.port)
            let driver = BraiinsDriver(http: http, login: Self.login)
            let first = try await driver.read()
            #expect(first.mode == .mining)
            #expect(first.powerW == 3500)
            #expect(first.powerTargetW == 3500)

            try await driver.sleep()
            try await waitFor("paused") { (try? await driver.read())?.mode == .sleeping }
            try await driver.wake()
            try await waitFor("mining") { (try? await driver.read())?.mode == .mining }

            // A reboot forgets the token: the driver logs in again and carries on.
            fleet.forgetTokens(host: miner.host)
            try await driver.setPowerTarget(watts: 2600)
            #expect(fleet.miner(miner.host)?.powerTargetW == 2600)
            // The miner itself refuses a target outside its constraints (HTTP 412), as Braiins OS does.
            let login = try await http.send(
                .POST,
                "/api/v1/auth/login",
                body: Array(#"{"username":"root","password":"root"}"#.utf8),
                timeout: .seconds(5)
            )
            let token = try #require(JSONValue.parse(login.body)?["token"]?.string)
            let outOfRange = try await http.send(
                .PUT,
                "/api/v1/performance/power-target",
                headers: [("Authorization", token)],
                body: Array(#"{"watt":10}"#.utf8),
                timeout: .seconds(5)
            )
            #expect(outOfRange.status == 412)
            // The driver clamps to the constraints it read, so the miner never sees 10 W...
            try await driver.setPowerTarget(watts: 10)
            #expect(fleet.miner(miner.host)?.powerTargetW == fleet.miner(miner.host)?.powerLimits.lowerBound)

            // ... and bad credentials say so.
            let wrong = BraiinsDriver(http: http, login: MinerLogin(username: "root", password: "nope"))
            let refused = await failure("a wrong password") { () throws(MinerError) in _ = try await wrong.read() }
            #expect(refused?.kind == .authentication)
            #expect(refused?.message.contains("nope") == false, "the password stays out of errors: \(String(describing: refused))")
        }
    }

    @Test("Stock Antminer: reads on 4028, sleep through the digest CGI with both mode keys, wake restores the mode it ran in")
    func antminer() async throws {
        let inventory = FleetHarness.inventory(net: 43, [(.antminer, "s19jpro", 1)])
        let fleet = FakeMinerFleet(inventory: inventory, speed: 20, logger: FleetHarness.quiet)
        let miner = inventory.miners[0]
        try await FleetHarness.serving(fleet) {
            fleet.update(miner.host) { $0.workMode = 2 }  // ran in high-efficiency mode
            let driver = AntminerDriver(
                client: CGMinerClient(host: miner.host, port: miner.port),
                http: MinerHTTP(client: .shared, host: miner.host, port: miner.webPort),
                login: Self.login,
                model: miner.model
            )
            let first = try await driver.read()
            #expect(first.mode == .mining)
            #expect(first.powerEstimated, "stock firmware reports no power: the model's nameplate")
            #expect(first.powerW == miner.model.nominalPower.value)
            #expect(abs(first.hashrateTH - 104) < 0.5)

            try await driver.sleep()
            try await waitFor("asleep") { (try? await driver.read())?.mode == .sleeping }
            #expect(try await driver.read().powerW == miner.model.sleepPower.value)
            try await driver.wake()
            try await waitFor("mining") { (try? await driver.read())?.mode == .mining }
            #expect(fleet.miner(miner.host)?.workMode == 2, "woken to the mode it ran in, not 'normal'")

            let noTarget = await failure("a power target on stock firmware") { () throws(MinerError) in try await driver.setPowerTarget(watts: 2000) }
            #expect(noTarget?.kind == .refused)
            let wrong = AntminerDriver(
                client: CGMinerClient(host: miner.host, port: miner.port),
                http: MinerHTTP(client: .shared, host: miner.host, port: miner.webPort),
                login: MinerLogin(username: "root", password: "hunter2"),
                model: miner.model
            )
            let refused = await failure("a wrong digest") { () throws(MinerError) in try await wrong.sleep() }
            #expect(refused?.kind == .authentication)
            #expect(refused?.message.contains("hunter2") == false)
        }
    }

    @Test("lying, garbage, hanging and unreachable miners give typed errors, never a crash or a wrong reading")
    func faults() async throws {
        let inventory = FleetHarness.inventory(net: 44, [(.luxos, "s19xp", 4)])
        let hosts = inventory.miners.map(\.address)
        let fleet = FakeMinerFleet(
            inventory: inventory,
            faults: [
                hosts[0]: FakeMinerFaults(garbage: 1),
                hosts[1]: FakeMinerFaults(hang: 1),
                hosts[2]: FakeMinerFaults(unreachable: 1),
                hosts[3]: FakeMinerFaults(notApplied: 1),
            ],
            speed: 20,
            logger: FleetHarness.quiet
        )
        try await FleetHarness.serving(fleet) {
            // A short deadline only where the miner hangs; the rest may be slow on a loaded machine.
            func driver(_ i: Int) -> LuxOSDriver {
                LuxOSDriver(
                    client: CGMinerClient(
                        host: inventory.miners[i].host,
                        port: inventory.miners[i].port,
                        timeout: i == 1 ? .milliseconds(500) : .seconds(10)
                    )
                )
            }
            for (i, expected) in [(0, MinerError.Kind.malformed), (1, .timeout), (2, .unreachable)] {
                let error = await failure("reading miner \(i)") { () throws(MinerError) in _ = try await driver(i).read() }
                #expect(error?.kind == expected, "miner \(i): \(String(describing: error))")
            }
            // The liar answers OK and stays awake.
            let liar = driver(3)
            try await liar.sleep()
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await liar.read().mode == .mining)
        }
    }

    @Test("a closed port is 'unreachable' at once")
    func closedPort() async throws {
        let driver = LuxOSDriver(client: CGMinerClient(host: "127.0.45.1", port: 14028, timeout: .seconds(2)))
        let error = await failure("reading a miner that is not there") { () throws(MinerError) in _ = try await driver.read() }
        #expect(error?.kind == .unreachable)
    }
}
