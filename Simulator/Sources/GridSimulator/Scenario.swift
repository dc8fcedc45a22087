public import CurtailCore
import CurtailPolicyFiles

/// A simulator run: the clock, the price and hash-price feeds, the grid events, and how the
/// miner controllers behave. Loaded from YAML by ``ScenarioFile``.
public struct Scenario: Sendable {
    public var name: String
    public var summary: String
    /// Simulated start and length.
    public var start: Timestamp
    public var durationSeconds: Double
    /// Simulated seconds per wall-clock second (1440: a day in a minute).
    public var speed: Double
    public var seed: UInt64
    /// The site file (path as written, resolved against the scenario file).
    public var sitePath: String?
    public var prices: PriceSource
    public var hashPrice: HashPriceSource
    /// Grid signals published at set times, in time order.
    public var schedule: [ScheduledSignal]
    /// Randomly drawn events and excursions (seeded).
    public var random: RandomEvents?
    public var miners: Miners
    /// Telemetry and meter period (simulated seconds).
    public var telemetryInterval: Double
    /// Period of nominal frequency readings (simulated seconds); 0: only excursions.
    public var frequencyInterval: Double

    /// Where prices come from.
    public enum PriceSource: Sendable, Hashable {
        /// Real prices: a price CSV (path resolved against the data directory), its node column.
        case history(file: String, column: String?)
        /// A mean-reverting log-price process with jumps, seeded.
        case synthetic(Synthetic)
    }

    /// Synthetic price process: log price reverts to log(mean) at `reversion` per interval with
    /// `volatility` noise; with `spikeProbability` per interval a spike multiplies the price by
    /// `spikeMultiplier` for `spikeIntervals` intervals.
    public struct Synthetic: Sendable, Hashable {
        public var mean = 40.0
        public var volatility = 0.15
        public var reversion = 0.2
        public var spikeProbability = 0.01
        public var spikeMultiplier = 40.0
        public var spikeIntervals = 4
        public var intervalMinutes = 15

        public init() {}
    }

    /// Where the hash price comes from.
    public enum HashPriceSource: Sendable, Hashable {
        case fixed(Double)
        /// The Bitcoin CSV (resolved against the data directory).
        case history(file: String)
    }

    /// What is published at a given time.
    public struct ScheduledSignal: Sendable, Hashable {
        public var at: Timestamp
        public var signal: Signal

        public init(at: Timestamp, signal: Signal) {
            self.at = at
            self.signal = signal
        }
    }

    /// A grid signal the simulator publishes.
    public enum Signal: Sendable, Hashable {
        case event(GridEvent)
        case cancel(id: String)
        case cpAlert(probability: Double, start: Timestamp, end: Timestamp)
        case eea(level: Int)
        /// Ancillary capacity awarded to the site (`grid/{market}/awards`).
        case award(AncillaryAward)
        /// Frequency at `hz` for `seconds`, then back to 60 Hz.
        case frequency(hz: Double, seconds: Double)
        /// A raw payload on a topic (for tests of bad input).
        case raw(topic: String, payload: String)
    }

    /// Rates of randomly drawn deployments and under-frequency excursions (per day), and their shape.
    public struct RandomEvents: Sendable, Hashable {
        public var eventsPerDay = 0.0
        public var program = "ERS-10"
        public var eventSeconds = 3600.0
        public var eventMaxMW = 0.0
        public var noticeSeconds = 300.0
        public var underFrequencyPerDay = 0.0
        public var underFrequencyHz = 59.6
        public var underFrequencySeconds = 60.0

        public init() {}
    }

    /// How the simulated miner controllers behave (see ``MinerControllerModel``).
    public struct Miners: Sendable, Hashable {
        public var safeState: MinerControllerModel.SafeState = .sleep
        public var sleepSeconds = 5.0
        public var retuneSeconds = 10.0
        /// Start with every miner running (else all asleep).
        public var initiallyRunning = true

        public init() {}
    }

    /// A scenario with the defaults: speed 1440, seed 1, 10 s telemetry, 60 s frequency, no events.
    public init(name: String, start: Timestamp, durationSeconds: Double, prices: PriceSource, hashPrice: HashPriceSource) {
        self.name = name
        self.summary = ""
        self.start = start
        self.durationSeconds = durationSeconds
        self.speed = 1440
        self.seed = 1
        self.sitePath = nil
        self.prices = prices
        self.hashPrice = hashPrice
        self.schedule = []
        self.random = nil
        self.miners = Miners()
        self.telemetryInterval = 10
        self.frequencyInterval = 60
    }

    /// The simulated end.
    public var end: Timestamp { start.adding(seconds: durationSeconds) }

    /// The site file to use: `override` if given, else the scenario's `site:` resolved against
    /// `scenarioPath` (the file the scenario was loaded from); `nil` when neither names one.
    public func sitePath(override: String?, scenarioPath: String) -> String? {
        override ?? sitePath.map { ConfigurationFiles.resolve($0, relativeTo: scenarioPath) }
    }
}
