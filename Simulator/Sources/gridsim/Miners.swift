import ArgumentParser
import CurtailCommandLine
import CurtailPolicyFiles
import FakeMiners
import Logging
import ServiceLifecycle
import UnixSignals

/// `gridsim miners`: serves an inventory's miners as fakes, each on its own loopback address.
struct Miners: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "miners",
        abstract: "Serve fake miners (LuxOS, Braiins OS, stock Antminer) for every miner of an inventory.",
        discussion: """
            Each miner listens on its own address from the inventory (use 127.0.0.N: Linux routes all of
            127/8 to the loopback interface) and its firmware's real ports: TCP 4028 for LuxOS and stock
            Antminer (cgminer framing: one request, JSON + NUL, close), HTTP 80 for Braiins OS's REST API
            and the Antminer CGI (digest auth, user root). Ports below 1024 need root or
            CAP_NET_BIND_SERVICE. Runs until SIGTERM or SIGINT.
            """
    )

    @Option(help: "The site file whose groups the inventory names.")
    var config: String

    @Option(help: "The miner inventory (YAML).")
    var inventory: String

    @Option(help: "Fault rates per request, e.g. unreachable=0.02,slow=0.05,garbage=0.01,lie=0.02,hang=0.001.")
    var faults: String?

    @Option(help: "Wall seconds the Antminer CGI takes to answer set_miner_conf (real firmware: up to ~20).")
    var cgiDelay = 0.0

    @Option(help: "Simulated seconds per wall second (sleep and wake times shrink by it).")
    var speed = 1.0

    @Option(help: "The password the fakes accept (user root).")
    var password = "root"

    @Option(help: "Serve every fake's state as JSON on GET http://HOST:PORT/miners (for tests), e.g. 127.0.0.1:9470.")
    var control: String?

    func validate() throws {
        guard speed > 0, speed <= 10_000 else { throw ValidationError("--speed must be in (0, 10000]") }
        guard cgiDelay >= 0, cgiDelay <= 600 else { throw ValidationError("--cgi-delay must be 0...600 seconds") }
        if let faults { _ = try Self.parseFaults(faults) }
        if let control, Self.parseEndpoint(control) == nil { throw ValidationError("--control expects HOST:PORT, got '\(control)'") }
    }

    static func parseEndpoint(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else { return nil }
        return (String(text[..<colon]), port)
    }

    static func parseFaults(_ text: String) throws -> FakeMinerFaults {
        var faults = FakeMinerFaults()
        for item in text.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, let rate = Double(pair[1]), (0...1).contains(rate) else {
                throw ValidationError("--faults: '\(item)' must be NAME=RATE with RATE in 0...1")
            }
            switch pair[0] {
            case "unreachable": faults.unreachable = rate
            case "slow": faults.slow = rate
            case "garbage": faults.garbage = rate
            case "lie": faults.notApplied = rate
            case "hang": faults.hang = rate
            default: throw ValidationError("--faults: unknown fault '\(pair[0])' (unreachable, slow, garbage, lie, hang)")
            }
        }
        return faults
    }

    func run() async throws {
        let inventory: MinerInventory
        do {
            let site = try SiteFile.load(path: config).site
            inventory = try MinerInventoryFile.load(path: self.inventory, site: site)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        var logger = Logger(label: "gridsim.miners")
        logger.logLevel = .info
        let fleet = FakeMinerFleet(
            inventory: inventory,
            defaultFaults: try faults.map(Self.parseFaults) ?? .none,
            speed: speed,
            password: password,
            cgiDelay: cgiDelay,
            control: control.flatMap(Self.parseEndpoint),
            logger: logger
        )
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: fleet)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        do {
            try await group.run()
        } catch let error as FakeMinerError {
            printError("gridsim miners: \(error)")
            throw ExitCode(1)
        }
    }
}
