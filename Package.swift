// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "curtail",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "curtail", targets: ["curtail"]),
        .executable(name: "curtail-bench", targets: ["curtail-bench"]),
        .executable(name: "gridsim", targets: ["gridsim"]),
        .executable(name: "mqtt-baseline", targets: ["MQTTBaseline"]),
        .library(name: "CurtailMQTT", targets: ["CurtailMQTT"]),
        .library(name: "LocalBroker", targets: ["LocalBroker"]),
        .library(name: "CurtailCore", targets: ["CurtailCore"]),
        .library(name: "CurtailPolicy", targets: ["CurtailPolicy"]),
        .library(name: "CurtailPolicyFiles", targets: ["CurtailPolicyFiles"]),
        .library(name: "CurtailReplay", targets: ["CurtailReplay"]),
        .library(name: "CurtailTune", targets: ["CurtailTune"]),
        .library(name: "CurtailWire", targets: ["CurtailWire"]),
        .library(name: "CurtailController", targets: ["CurtailController"]),
        .library(name: "CurtailSite", targets: ["CurtailSite"]),
        .library(name: "GridSimulator", targets: ["GridSimulator"]),
        .library(name: "CurtailAudit", targets: ["CurtailAudit"]),
        .library(name: "CurtailObservability", targets: ["CurtailObservability"]),
        .library(name: "CurtailMiners", targets: ["CurtailMiners"]),
        .library(name: "CurtailAgent", targets: ["CurtailAgent"]),
        .library(name: "FakeMiners", targets: ["FakeMiners"]),
        .library(name: "CurtailFeeds", targets: ["CurtailFeeds"]),
        .library(name: "FakeGridAPIs", targets: ["FakeGridAPIs"]),
        .library(name: "CurtailOpenADR", targets: ["CurtailOpenADR"]),
        .library(name: "CurtailDoctor", targets: ["CurtailDoctor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.4"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/CoreOffice/XMLCoder.git", from: "0.18.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        // libmosquitto from the system (Debian: libmosquitto-dev). No C is compiled here.
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"]), .brew(["mosquitto"])]
        ),
        // The safe Swift MQTT client. No C type appears in its public API.
        .target(
            name: "CurtailMQTT",
            dependencies: [
                "CMosquitto",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The pure domain core: units, time, mining economics, miner catalogue, fleet, bid curve and
        // dispatcher. No dependencies, no I/O, no clock.
        .target(name: "CurtailCore"),
        // The rules engine: the expression language, policies and the decision engine. Pure.
        .target(name: "CurtailPolicy", dependencies: ["CurtailCore"]),
        // Policy and site files (YAML) with file:line:col diagnostics.
        .target(
            name: "CurtailPolicyFiles",
            dependencies: ["CurtailCore", "CurtailPolicy", .product(name: "Yams", package: "Yams")]
        ),
        // zlib from the system (Debian: zlib1g-dev), for gzip-compressed history files.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        // Replay and backtest: history files (CSV, gzip), the simulated controller, the ledger,
        // baselines and reports. The decisions come from CurtailPolicy, the oracle from CurtailCore.
        .target(name: "CurtailReplay", dependencies: ["CurtailCore", "CurtailPolicy", "CZlib"]),

        // Offline tuning: search a policy's parameters on past years, validate on later ones.
        .target(name: "CurtailTune", dependencies: ["CurtailCore", "CurtailPolicy", "CurtailPolicyFiles", "CurtailReplay"]),
        // The MQTT contract: one type per payload (encode and decode), the JSON reader and writer
        // behind them, and the refusal type. Every process that speaks the contract goes through it.
        .target(name: "CurtailWire", dependencies: ["CurtailCore"]),
        // The live controller: the pure ControllerCore state machine (inputs → commands) and the
        // Controller service that runs it on MQTT.
        .target(
            name: "CurtailController",
            dependencies: [
                "CurtailCore",
                "CurtailWire",
                "CurtailPolicy",
                "CurtailMQTT",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ]
        ),
        // The composition root: a site file, its policy and --set overrides loaded together, and the
        // controller and broker configuration built from them (TLS, credentials, require_tls).
        .target(
            name: "CurtailSite",
            dependencies: ["CurtailCore", "CurtailPolicy", "CurtailPolicyFiles", "CurtailController", "CurtailMQTT"]
        ),
        // The controller's audit journal: SQLite in WAL mode through GRDB (Debian: libsqlite3-dev).
        .target(
            name: "CurtailAudit",
            dependencies: ["CurtailCore", "CurtailWire", "CurtailController", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // /metrics (Prometheus) and /healthz over HTTP, on swift-nio.
        .target(
            name: "CurtailObservability",
            dependencies: [
                "CurtailMQTT",
                "CurtailWire",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Miner firmware drivers: the CGMiner API client (TCP 4028), LuxOS, Braiins OS REST and the
        // stock Antminer CGI (digest auth).
        .target(
            name: "CurtailMiners",
            dependencies: [
                "CurtailCore",
                "CurtailWire",
                "CurtailPolicyFiles",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // `curtail agent`: follows the group commands on MQTT and drives the inventory's miners
        // through their drivers; publishes group telemetry and per-miner status.
        .target(
            name: "CurtailAgent",
            dependencies: [
                "CurtailCore",
                "CurtailWire",
                "CurtailMiners",
                "CurtailMQTT",
                "CurtailPolicyFiles",
                "CurtailController",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // `curtail feed ercot` and `curtail feed hashprice`: ERCOT's public API and a mempool-style
        // Bitcoin API turned into the price, alert and hash-price contract.
        .target(
            name: "CurtailFeeds",
            dependencies: [
                "CurtailCore",
                "CurtailWire",
                "CurtailMQTT",
                "CurtailController",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // `curtail openadr`: an OpenADR VEN (2.0b XML over HTTP, 3.1 REST/JSON with OAuth2) that maps
        // the VTN's events into the grid contract and reports the site's load back.
        .target(
            name: "CurtailOpenADR",
            dependencies: [
                "CurtailCore",
                "CurtailWire",
                "CurtailMQTT",
                "CurtailController",
                "CurtailFeeds",
                "CurtailPolicyFiles",
                .product(name: "XMLCoder", package: "XMLCoder"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A small HTTP/1.1 server on loopback for the simulator's fake devices and market APIs.
        .target(
            name: "SimulatedHTTP",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Simulator/Sources/SimulatedHTTP"
        ),
        // Fake ERCOT public API and mempool-style Bitcoin API serving real history from
        // ../shared/data on a simulated clock, with injectable faults (tests, demos).
        .target(
            name: "FakeGridAPIs",
            dependencies: [
                "CurtailCore",
                "CurtailWire",
                "CurtailReplay",
                "SimulatedHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Simulator/Sources/FakeGridAPIs"
        ),
        // The simulator's fake miners: LuxOS, Braiins OS REST and stock Antminer on loopback
        // addresses, faithful to each protocol's framing, with injectable faults.
        .target(
            name: "FakeMiners",
            dependencies: [
                "CurtailCore",
                "CurtailWire",
                "CurtailPolicyFiles",
                "SimulatedHTTP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Simulator/Sources/FakeMiners"
        ),
        // Random and mutated inputs for the payload decoders and file loaders (bench and tests).
        .target(
            name: "CurtailFuzz",
            dependencies: ["CurtailCore", "CurtailWire", "CurtailPolicy", "CurtailController", "CurtailPolicyFiles", "GridSimulator"]
        ),
        // What the two command-line tools share: streams, exit codes, number formatting, the history
        // options of replay and tune.
        .target(
            name: "CurtailCommandLine",
            dependencies: [
                "CurtailCore", "CurtailPolicyFiles", "CurtailReplay", "CurtailSite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The grid simulator (Simulator/): scenarios, the price/event timeline, the miner-controller
        // model and the GridSimulator service; and the gridsim executable.
        .target(
            name: "GridSimulator",
            dependencies: [
                "CurtailCore",
                "CurtailWire",
                "CurtailSite",
                "CurtailController",
                "CurtailMQTT",
                "CurtailPolicyFiles",
                "CurtailReplay",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ],
            path: "Simulator/Sources/GridSimulator"
        ),
        .executableTarget(
            name: "gridsim",
            dependencies: [
                "GridSimulator",
                "FakeMiners",
                "FakeGridAPIs",
                "CurtailReplay",
                "CurtailWire",
                "CurtailSite",
                "CurtailCommandLine",
                "CurtailController",
                "CurtailCore",
                "CurtailMQTT",
                "CurtailPolicyFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Simulator/Sources/gridsim"
        ),
        // Starts and stops a real mosquitto broker on a free loopback port (tests, benchmarks, demo).
        .target(
            name: "LocalBroker",
            dependencies: [
                .product(name: "Subprocess", package: "swift-subprocess")
            ]
        ),
        // The bare C libmosquitto relay/pinger that the MQTT benchmark measures us against.
        .executableTarget(
            name: "MQTTBaseline",
            dependencies: ["CMosquitto"],
            linkerSettings: [.linkedLibrary("mosquitto")]
        ),
        // `curtail doctor`: what a site needs before it goes live, checked against the real broker.
        .target(
            name: "CurtailDoctor",
            dependencies: [
                "CurtailCore",
                "CurtailWire",
                "CurtailMQTT",
                "CurtailController",
                "CurtailSite",
                "CurtailAudit",
                "CurtailPolicyFiles",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The product: validate, breakeven, replay, tune, run, log, demo.
        .executableTarget(
            name: "curtail",
            dependencies: [
                "CurtailCommandLine",
                "CurtailCore",
                "CurtailWire",
                "CurtailPolicy",
                "CurtailPolicyFiles",
                "CurtailReplay",
                "CurtailTune",
                "CurtailMQTT",
                "CurtailController",
                "CurtailSite",
                "CurtailAudit",
                "CurtailObservability",
                "GridSimulator",
                "LocalBroker",
                "CurtailAgent",
                "CurtailMiners",
                "FakeMiners",
                "CurtailFeeds",
                "CurtailOpenADR",
                "CurtailDoctor",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // Development tools: the benchmarks behind `make bench`, the fuzzer driver and the MQTT relay
        // the latency benchmark measures against.
        .executableTarget(
            name: "curtail-bench",
            dependencies: [
                "CurtailCommandLine",
                "CurtailObservability",
                "CurtailCore",
                "CurtailWire",
                "CurtailPolicy",
                "CurtailPolicyFiles",
                "CurtailReplay",
                "CurtailTune",
                "CurtailMQTT",
                "CurtailController",
                "CurtailSite",
                "CurtailAudit",
                "CurtailFuzz",
                "LocalBroker",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .testTarget(name: "CurtailCoreTests", dependencies: ["CurtailCore"]),
        .testTarget(name: "CurtailWireTests", dependencies: ["CurtailWire", "CurtailCore"]),
        // What several test targets share: the repository and data paths, running `curtail`.
        .target(
            name: "CurtailTestSupport",
            dependencies: [
                "LocalBroker", "CurtailCore", "CurtailMQTT", "CurtailController", .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            path: "Tests/CurtailTestSupport"
        ),
        .testTarget(
            name: "CurtailControllerTests",
            dependencies: [
                "CurtailTestSupport",
                "CurtailAudit",
                "CurtailFuzz",
                "CurtailController",
                "CurtailCore",
                "CurtailWire",
                "CurtailPolicy",
                "CurtailPolicyFiles",
                "CurtailMQTT",
                "CurtailSite",
                "GridSimulator",
                "LocalBroker",
                "curtail",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .testTarget(
            name: "CurtailAgentTests",
            dependencies: [
                "CurtailTestSupport",
                "CurtailAgent",
                "CurtailObservability",
                "CurtailMiners",
                "FakeMiners",
                "CurtailCore",
                "CurtailWire",
                "CurtailPolicyFiles",
                "CurtailController",
                "CurtailMQTT",
                "LocalBroker",
                "curtail",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "CurtailFeedsTests",
            dependencies: [
                "CurtailTestSupport",
                "CurtailFeeds",
                "FakeGridAPIs",
                "SimulatedHTTP",
                "CurtailCore",
                "CurtailWire",
                "CurtailReplay",
                "CurtailController",
                "CurtailMQTT",
                "LocalBroker",
                "curtail",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .testTarget(
            name: "CurtailOpenADRTests",
            dependencies: [
                "CurtailTestSupport",
                "CurtailOpenADR",
                "CurtailFeeds",
                "SimulatedHTTP",
                "CurtailCore",
                "CurtailWire",
                "CurtailController",
                "CurtailPolicyFiles",
                "CurtailMQTT",
                "LocalBroker",
                "curtail",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
        .testTarget(
            name: "CurtailReplayTests",
            dependencies: ["CurtailTestSupport", "CurtailCore", "CurtailPolicy", "CurtailPolicyFiles", "CurtailReplay", "curtail"]
        ),
        .testTarget(
            name: "CurtailTuneTests",
            dependencies: ["CurtailTestSupport", "CurtailCore", "CurtailPolicy", "CurtailPolicyFiles", "CurtailReplay", "CurtailTune", "curtail"]
        ),
        .testTarget(
            name: "CurtailPolicyTests",
            dependencies: ["CurtailTestSupport", "CurtailCore", "CurtailPolicy", "CurtailPolicyFiles", "curtail"]
        ),
        .testTarget(
            name: "CurtailMQTTTests",
            dependencies: [
                "CurtailTestSupport",
                "CurtailMQTT",
                "CurtailCommandLine",
                "LocalBroker",
                "curtail-bench",
                "MQTTBaseline",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ]
        ),
    ]
)

// House settings for every Swift target: Swift 6 mode (the tools-version default), strict
// concurrency, explicit Sendable, and no warnings.
for target in package.targets where [.executable, .test, .regular].contains(target.type) {
    guard target.name != "MQTTBaseline" else { continue }  // C
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    settings.append(.enableUpcomingFeature("NonisolatedNonsendingByDefault"))
    settings.append(.unsafeFlags(["-Xfrontend", "-require-explicit-sendable", "-warnings-as-errors"]))
    target.swiftSettings = settings
}
