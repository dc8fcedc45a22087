import CurtailCore
import Testing

@Suite("Economics")
struct EconomicsTests {
    @Test("S19j Pro at 0.05 USD/TH/day breaks even at 70.6 USD/MWh (the spec's example)")
    func breakEvenExample() throws {
        let model = try #require(MinerCatalog.model(named: "S19j Pro"))
        // 0.05 · 10⁶ / (24 · 3068/104) = 50000 / 708 = 70.6215…
        let price = BreakEven.price(hashPrice: USDPerTerahashDay(0.05), hashrate: model.nominalHashrate, power: model.nominalPower)
        #expect(abs(price.value - 50_000.0 / 708.0) < 1e-9)
        #expect(abs(BreakEven.price(hashPrice: USDPerTerahashDay(0.05), efficiency: JoulesPerTerahash(29.5)).value - 70.6215) < 1e-4)
    }

    @Test("the pool fee scales revenue: 2 % fee → 98 % of the break-even")
    func poolFee() {
        let price = BreakEven.price(hashPrice: USDPerTerahashDay(0.05), poolFee: 0.02, efficiency: JoulesPerTerahash(29.5))
        #expect(abs(price.value - 0.98 * 50_000.0 / 708.0) < 1e-9)
    }

    @Test("the research table: at 0.040 USD/TH/day, S21 (17.5 J/TH) ≈ 95 and S9 (98 J/TH) ≈ 17 USD/MWh")
    func researchTable() {
        let s21 = BreakEven.price(hashPrice: USDPerTerahashDay(0.04), efficiency: JoulesPerTerahash(17.5)).value
        let s9 = BreakEven.price(hashPrice: USDPerTerahashDay(0.04), efficiency: JoulesPerTerahash(98)).value
        #expect(abs(s21 - 95.24) < 0.01)
        #expect(abs(s9 - 17.01) < 0.01)
    }

    @Test("hash price from network state reproduces the Nov-2025 index (D 152 T, BTC 91k, 0.025 BTC fees → 0.0379)")
    func hashPriceFromNetwork() {
        let price = BitcoinNetwork.hashPrice(btcUSD: 91_000, difficulty: 152e12, subsidyBTC: 3.125, feesBTCPerBlock: 0.025)
        // 86400·10¹² / (152·10¹² · 2³²) · 3.15 · 91000 = 0.037937…
        #expect(abs(price.value - 0.037_937) < 0.000_01)
        // Network hash rate = D·2³²/600 ≈ 1,088 EH/s.
        #expect(abs(BitcoinNetwork.networkHashrate(difficulty: 152e12).value / 1e6 - 1088.0) < 1)
    }

    @Test("subsidy halves every 210,000 blocks and by halving date")
    func subsidy() {
        #expect(BitcoinNetwork.subsidyBTC(atHeight: 0) == 50)
        #expect(BitcoinNetwork.subsidyBTC(atHeight: 839_999) == 6.25)
        #expect(BitcoinNetwork.subsidyBTC(atHeight: 840_000) == 3.125)
        #expect(BitcoinNetwork.subsidyBTC(on: CivilDate(year: 2024, month: 4, day: 19)) == 6.25)
        #expect(BitcoinNetwork.subsidyBTC(on: CivilDate(year: 2024, month: 4, day: 20)) == 3.125)
        #expect(BitcoinNetwork.subsidyBTC(on: CivilDate(year: 2016, month: 7, day: 8)) == 25)
    }

    @Test("default power law: 67 % power gives 78 % hash rate and 0.86× J/TH")
    func powerLaw() throws {
        let model = try #require(MinerCatalog.model(named: "antminer-s19j-pro"))
        let power = model.nominalPower * 0.67
        let hashrate = try #require(model.curve.hashrate(at: power))
        #expect(abs(hashrate / model.nominalHashrate - 0.780) < 0.001)
        let efficiency = JoulesPerTerahash(power: power, hashrate: hashrate)
        #expect(abs(efficiency / model.nominalEfficiency - 0.859) < 0.001)
        // Outside [0.55, 1.1]·P_nom there is no curve.
        #expect(model.curve.hashrate(at: model.nominalPower * 0.5) == nil)
        #expect(model.curve.hashrate(at: model.nominalPower * 1.2) == nil)
    }

    @Test("measured points interpolate linearly and are validated")
    func piecewiseCurve() throws {
        let points = [
            PowerCurve.Point(power: Watts(1905), hashrate: TerahashPerSecond(74.5)),
            PowerCurve.Point(power: Watts(2850), hashrate: TerahashPerSecond(96)),
        ]
        let curve = PowerCurve.points(points)
        let mid = try #require(curve.hashrate(at: Watts(2377.5)))
        #expect(abs(mid.value - 85.25) < 1e-9)
        #expect(PowerCurve.problem(with: points) == nil)
        #expect(PowerCurve.problem(with: [points[0]]) != nil)
        #expect(PowerCurve.problem(with: [points[1], points[0]]) != nil)
    }

    @Test("catalogue: every research model is there, found by id or name")
    func catalogue() throws {
        for name in [
            "S19j Pro", "S19 XP", "S21", "S21 Pro", "S21 XP", "M30S++", "M50S", "M60S", "A1466", "antminer-s21-plus", "S21+", "Whatsminer M63S",
        ] {
            #expect(MinerCatalog.model(named: name) != nil, "\(name)")
        }
        #expect(MinerCatalog.model(named: "S99") == nil)
        let s21 = try #require(MinerCatalog.model(named: "s21"))
        #expect(s21.nominalHashrate.value == 200 && s21.nominalPower.value == 3500)
        #expect(Set(MinerCatalog.models.map(\.id)).count == MinerCatalog.models.count)
    }
}
