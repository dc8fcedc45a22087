import CurtailCore
import CurtailPolicyFiles
import FakeMiners
import Foundation
import Logging
import Testing

/// Fake miners for one test: each test takes its own 127.0.K.0/24 (Linux routes all of 127/8 to
/// the loopback interface), so suites run side by side without sharing a port.
struct FleetHarness {
    static let site = try! SiteFile.parse(siteYAML, file: "harness.yaml").site

    /// The harness site as a site file.
    static let siteYAML = """
        site: harness
        market: ercot
        node: HB_WEST
        max_import_mw: 1
        groups:
          - {name: s19jpro, model: antminer-s19j-pro, count: 4, firmware: on_off}
          - {name: s19xp, model: antminer-s19-xp, count: 4, firmware: profiles, profiles_w: [1806, 2408, 3010]}
          - {name: s21, model: antminer-s21, count: 4, firmware: continuous, min_power_w: 2100, max_power_w: 3500}

        """

    /// A logger that keeps the fakes quiet in test output.
    static let quiet: Logger = {
        var logger = Logger(label: "fake-miners")
        logger.logLevel = .error
        return logger
    }()

    /// An inventory of `count` miners of `firmware` on 127.0.`net`.1... with test ports.
    static func inventory(net: Int, _ spec: [(firmware: MinerFirmware, group: String, count: Int)]) -> MinerInventory {
        var miners: [MinerInventory.Miner] = []
        var n = 1
        for (firmware, group, count) in spec {
            let model = site.groups.first { $0.name == group }!.model
            for _ in 0..<count {
                let host = "127.0.\(net).\(n)"
                n += 1
                switch firmware {
                case .luxos: miners.append(.init(host: host, port: 14028, group: group, firmware: .luxos, model: model))
                case .braiins: miners.append(.init(host: host, port: 18080, group: group, firmware: .braiins, model: model))
                case .antminer: miners.append(.init(host: host, port: 14028, webPort: 18080, group: group, firmware: .antminer, model: model))
                }
            }
        }
        return MinerInventory(miners: miners)
    }

    /// Runs `body` while `fleet` serves.
    static func serving<T: Sendable>(_ fleet: FakeMinerFleet, _ body: @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await fleet.run()
                return nil
            }
            await fleet.waitUntilReady()
            let result = try await body()
            group.cancelAll()
            return result
        }
    }
}
