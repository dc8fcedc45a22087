package import ArgumentParser

/// The options `gridsim` and `curtail demo` share besides the scenario file itself.
package struct ScenarioOptions: ParsableArguments {
    @Option(help: "Site file (default: the scenario's site).")
    package var site: String?

    @Option(help: "Directory of the shared data the scenario names (prices, Bitcoin).")
    package var data = "../shared/data"

    @Option(help: "Simulated seconds per wall-clock second (default: the scenario's; 1440 = a day in a minute).")
    package var speed: Double?

    package init() {}

    package func validate() throws {
        if let speed, !(speed > 0) { throw ValidationError("--speed must be positive") }
    }
}
