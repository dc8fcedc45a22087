public import AsyncHTTPClient
import CurtailCore
public import CurtailMiners
public import CurtailPolicyFiles

/// Builds one driver per inventory miner, sharing one HTTP client and NIO's event loops.
public enum MinerDrivers: Sendable {
    /// The drivers, in inventory order, and the miners whose credentials could not be resolved
    /// (with why: which file or variable, never a secret).
    public static func make(
        for inventory: MinerInventory,
        http: HTTPClient,
        environment: [String: String],
        rpcTimeout: Duration = .seconds(5),
        webTimeout: Duration = .seconds(10),
        cgiTimeout: Duration = .seconds(30)
    ) throws(MinerError) -> [any MinerDriver] {
        var drivers: [any MinerDriver] = []
        for miner in inventory.miners {
            let login = try MinerLogin.resolve(miner, environment: environment)
            switch miner.firmware {
            case .luxos:
                drivers.append(LuxOSDriver(client: CGMinerClient(host: miner.host, port: miner.port, timeout: rpcTimeout)))
            case .braiins:
                drivers.append(BraiinsDriver(http: MinerHTTP(client: http, host: miner.host, port: miner.port), login: login, timeout: webTimeout))
            case .antminer:
                drivers.append(
                    AntminerDriver(
                        client: CGMinerClient(host: miner.host, port: miner.port, timeout: rpcTimeout),
                        http: MinerHTTP(client: http, host: miner.host, port: miner.webPort),
                        login: login,
                        model: miner.model,
                        cgiTimeout: cgiTimeout
                    )
                )
            }
        }
        return drivers
    }
}
