public import CurtailCore
public import CurtailReplay
import Foundation

/// The `A..B` window syntax of `curtail tune --train/--test`: years (`2021..2022`), local dates
/// (`2021-01-01..2022-06-30`, B inclusive) or ISO-8601 UTC times (B exclusive).
public enum TuningWindowText: Sendable {
    /// The window `text` names, checked against the data.
    ///
    /// - Parameter option: the option's name, for messages (`--train`).
    /// - Throws: ``TuningError/windowSyntax(option:text:)`` when it is not `A..B`, and
    ///   ``TuningError/window(option:text:reason:)`` when it does not fit the data.
    public static func resolve(
        _ text: String,
        option: String,
        timeZone: MarketTimeZone,
        prices: TimeSeries,
        bitcoin: BitcoinHistory
    ) throws(TuningError) -> ReplayWindow {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw .windowSyntax(option: option, text: text) }
        let isYear = { (s: String) in s.count == 4 && s.allSatisfy(\.isNumber) }
        let from = isYear(parts[0]) ? parts[0] + "-01-01" : parts[0]
        let to = isYear(parts[1]) ? parts[1] + "-12-31" : parts[1]
        do {
            return try ReplayWindow.resolve(
                from: from,
                to: to,
                timeZone: timeZone,
                prices: prices,
                bitcoin: bitcoin,
                names: ("the start of \(option)", "the end of \(option)")
            )
        } catch {
            throw .window(option: option, text: text, reason: error.description)
        }
    }
}
