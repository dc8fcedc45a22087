import ArgumentParser
import CurtailCommandLine
import CurtailCore

/// `curtail breakeven`: the power price at which a miner stops paying for itself.
struct BreakevenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breakeven",
        abstract: "Print the break-even power price of a miner model, in USD/MWh.",
        discussion: """
            break-even = hashprice × (1 − pool fee) × TH/s ÷ (24 h × MW). Example: \
            curtail breakeven --model "S19j Pro" --hashprice 0.05   →   70.6 USD/MWh

            Models: \(MinerCatalog.models.map(\.id).joined(separator: ", ")).
            """
    )

    @Option(help: "Miner model: catalogue id or name, e.g. antminer-s19j-pro or \"S19j Pro\".")
    var model: String

    @Option(help: "Hash price in USD per TH/s per day (Luxor's index per PH/s/day divided by 1000).")
    var hashprice: Double

    @Option(help: "Pool fee as a fraction, e.g. 0.02 for 2 %.")
    var poolFee: Double = 0

    @Option(name: .customLong("power-w"), help: "Power per miner in W (default: nameplate); must lie on the model's curve.")
    var powerW: Double?

    func run() throws {
        guard let miner = MinerCatalog.model(named: model) else {
            throw InvalidInput("unknown model '\(model)'; known: \(MinerCatalog.models.map(\.id).joined(separator: ", "))")
        }
        guard hashprice.isFinite, hashprice >= 0 else { throw InvalidInput("--hashprice must be a number ≥ 0 (USD/TH/day)") }
        guard poolFee.isFinite, poolFee >= 0, poolFee < 1 else {
            throw InvalidInput("--pool-fee must be a fraction in [0, 1): 0.02 means 2 %")
        }
        let power = Watts(powerW ?? miner.nominalPower.value)
        guard let hashrate = miner.curve.hashrate(at: power) else {
            let range = miner.curve.powerRange
            throw InvalidInput(
                "--power-w \(Format.fixed(power.value, 0)) is outside the \(miner.name) curve: allowed \(Format.fixed(range.lowerBound.value, 0))...\(Format.fixed(range.upperBound.value, 0)) W"
            )
        }
        let price = BreakEven.price(hashPrice: USDPerTerahashDay(hashprice), poolFee: poolFee, hashrate: hashrate, power: power)
        let efficiency = JoulesPerTerahash(power: power, hashrate: hashrate)
        StandardStreams.out("\(Format.fixed(price.value, 1)) USD/MWh")
        StandardStreams.out(
            "\(miner.name) at \(Format.fixed(power.value, 0)) W: \(Format.fixed(hashrate.value, 1)) TH/s, "
                + "\(Format.fixed(efficiency.value, 2)) J/TH; hash price \(hashprice) USD/TH/day, pool fee \(Format.fixed(poolFee * 100, 1)) %"
        )
    }
}
