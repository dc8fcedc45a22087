import ArgumentParser

/// The real data the engine, replay and tuning benchmarks read.
struct BenchDataOptions: ParsableArguments {
    @Option(help: "Directory with ercot_rtm_spp_hb_west_15min.csv and btc_daily.csv.")
    var data: String = "../shared/data"

    @Option(help: "Year of prices.")
    var year: Int = 2023
}
