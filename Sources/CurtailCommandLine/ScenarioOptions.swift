package import ArgumentParser
import Foundation

/// The options `gridsim` and `curtail demo` share besides the scenario file itself.
package struct ScenarioOptions: ParsableArguments {
    @Option(help: "Site file (default: the scenario's site).")
    package var site: String?

    @Option(
        help: ArgumentHelp(
            "Directory of the data the scenario names (prices, Bitcoin): the full history, or the repository's data/ excerpt (default: ../shared/data when it exists, else data).",
            valueName: "dir"
        )
    )
    package var data: String?

    /// `--data`, or the full history beside the repository when it is there, else the excerpt
    /// that ships in `data/` (2021-2023 at HB_WEST; enough for the demo day).
    package var dataDirectory: String {
        if let data { return data }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: "../shared/data", isDirectory: &isDirectory), isDirectory.boolValue { return "../shared/data" }
        return "data"
    }

    @Option(help: "Simulated seconds per wall-clock second (default: the scenario's; 1440 = a day in a minute).")
    package var speed: Double?

    package init() {}

    package func validate() throws {
        if let speed, !(speed > 0) { throw ValidationError("--speed must be positive") }
    }
}
