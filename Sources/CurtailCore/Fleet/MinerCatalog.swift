/// The built-in catalogue of common ASIC models.
///
/// Nameplate figures (stock firmware, wall power, ±5 % per vendor tolerance) are those of
/// `../shared/research/domain-mining.md` §3; where a source gave only J/TH the watts are
/// TH/s × J/TH. Every model gets the default power-law curve and 25 W sleep power unless a site
/// file gives its own.
public enum MinerCatalog: Sendable {
    /// Every built-in model, in catalogue order.
    public static let models: [MinerModel] = [
        model("antminer-s9", "Bitmain", "Antminer S9", 13.5, 1323),
        model("antminer-s17", "Bitmain", "Antminer S17", 56, 2520),
        model("antminer-s19", "Bitmain", "Antminer S19", 95, 3250),
        model("antminer-s19-pro", "Bitmain", "Antminer S19 Pro", 110, 3250),
        model("antminer-s19j-pro", "Bitmain", "Antminer S19j Pro", 104, 3068),
        model("antminer-s19-xp", "Bitmain", "Antminer S19 XP", 140, 3010),
        model("antminer-s19-xp-hyd", "Bitmain", "Antminer S19 XP Hyd", 255, 5304),
        model("antminer-s19k-pro", "Bitmain", "Antminer S19k Pro", 120, 2760),
        model("antminer-s21", "Bitmain", "Antminer S21", 200, 3500),
        model("antminer-s21-hyd", "Bitmain", "Antminer S21 Hyd", 335, 5360),
        model("antminer-s21-plus", "Bitmain", "Antminer S21+", 216, 3240),
        model("antminer-s21-pro", "Bitmain", "Antminer S21 Pro", 234, 3510),
        model("antminer-s21-xp", "Bitmain", "Antminer S21 XP", 270, 3645),
        model("antminer-t21", "Bitmain", "Antminer T21", 190, 3610),
        model("whatsminer-m30s-plus-plus", "MicroBT", "Whatsminer M30S++", 112, 3472),
        model("whatsminer-m50", "MicroBT", "Whatsminer M50", 118, 3276),
        model("whatsminer-m50s", "MicroBT", "Whatsminer M50S", 126, 3226),
        model("whatsminer-m56s", "MicroBT", "Whatsminer M56S", 212, 5550),
        model("whatsminer-m60", "MicroBT", "Whatsminer M60", 172, 3344),
        model("whatsminer-m60s", "MicroBT", "Whatsminer M60S", 186, 3441),
        model("whatsminer-m63s", "MicroBT", "Whatsminer M63S", 390, 7215),
        model("avalon-a1246", "Canaan", "Avalon A1246", 90, 3420),
        model("avalon-a1366", "Canaan", "Avalon A1366", 130, 3250),
        model("avalon-a1466", "Canaan", "Avalon A1466", 150, 3230),
        model("avalon-a15", "Canaan", "Avalon A15", 194, 3647),
    ]

    /// Finds a model by id (`antminer-s19j-pro`) or name, ignoring case, spaces and hyphens and
    /// an optional vendor word: `S19j Pro`, `s19jpro`, `Antminer S19j Pro` all match.
    public static func model(named query: String) -> MinerModel? {
        let key = normalized(query)
        guard !key.isEmpty else { return nil }
        return models.first { model in
            let name = normalized(model.name)
            let shortName = normalized(String(model.name.drop { $0 != " " }))
            return normalized(model.id) == key || name == key || shortName == key
                || normalized(model.vendor) + name == key
        }
    }

    /// Lowercases and keeps letters, digits and `+` (`M30S++`), mapping `plus` to `+`.
    static func normalized(_ text: String) -> String {
        var result = ""
        for character in text.lowercased() where character.isLetter || character.isNumber || character == "+" {
            result.append(character)
        }
        return result.replacing("plus", with: "+")
    }

    private static func model(_ id: String, _ vendor: String, _ name: String, _ hashrate: Double, _ power: Double) -> MinerModel {
        MinerModel(
            id: id,
            vendor: vendor,
            name: name,
            nominalHashrate: TerahashPerSecond(hashrate),
            nominalPower: Watts(power)
        )
    }
}
