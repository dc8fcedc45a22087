public import CurtailCore

/// A site file: the site itself, the policy it runs and how `curtail run` reaches the broker.
public struct SiteConfiguration: Sendable {
    /// The site and its fleet.
    public var site: Site
    /// Path of the policy file, relative to the site file, if it names one.
    public var policyReference: String?
    /// MQTT settings for `curtail run`.
    public var mqtt: MQTTSettings
    /// How the live controller behaves (`controller:` in the site file).
    public var controller: ControllerSettings
    /// How `curtail agent` drives the miners (`agent:` in the site file).
    public var agent: AgentSettings = AgentSettings()
    /// How `curtail openadr` reaches its VTN (`openadr:` in the site file); `nil` when absent.
    public var openADR: OpenADRSettings?

    /// Where the live controller connects.
    public struct MQTTSettings: Hashable, Sendable {
        /// Broker URL, `mqtt://HOST:PORT` (or `mqtts://` for TLS).
        public var broker: String
        /// Client id (default: `curtail-<site id>`).
        public var clientID: String?
        /// First topic level of the grid feeds (`grid/{market}/...`).
        public var gridRoot: String
        /// First topic level of the site's own topics (`site/{site}/...`).
        public var siteRoot: String
        /// Topic of the hash price feed.
        public var hashPriceTopic: String
        /// MQTT user name; the password comes from ``passwordFile`` (or `CURTAIL_MQTT_PASSWORD`).
        public var username: String?
        /// A file holding the MQTT password (first line), readable only by the controller's user.
        public var passwordFile: String?
        /// CA certificate(s) for the broker's TLS certificate (default: the system store).
        public var caFile: String?
        /// Client certificate and key, for brokers that authenticate clients by certificate.
        public var certFile: String?
        public var keyFile: String?
        /// Refuse to start without TLS and credentials (a user name, or a client certificate).
        public var requireTLS: Bool

        public init(
            broker: String = "mqtt://127.0.0.1:1883",
            clientID: String? = nil,
            gridRoot: String = "grid",
            siteRoot: String = "site",
            hashPriceTopic: String = "mining/hashprice"
        ) {
            self.broker = broker
            self.clientID = clientID
            self.gridRoot = gridRoot
            self.siteRoot = siteRoot
            self.hashPriceTopic = hashPriceTopic
            self.username = nil
            self.passwordFile = nil
            self.caFile = nil
            self.certFile = nil
            self.keyFile = nil
            self.requireTLS = false
        }
    }

    /// Live-controller timing and the under-frequency trip. Durations in seconds.
    public struct ControllerSettings: Hashable, Sendable {
        /// Decide at least this often, even without new inputs.
        public var decisionInterval: Double
        /// Commands expire this long after they are issued; live ones are re-issued when a third
        /// of their life is left.
        public var commandLifetime: Double
        /// Below this frequency (Hz) the registered load is shed at once; `nil`: no trip.
        public var underFrequencyTripHz: Double?
        /// MW shed on an under-frequency trip (`nil`: the whole site).
        public var underFrequencyShedMW: Double?
        /// The trip resets once frequency has stayed at or above this (Hz) ...
        public var underFrequencyRecoverHz: Double
        /// ... for this long.
        public var underFrequencyRecoverAfter: Double
        /// How long the site's controller lease lasts unless renewed (wall-clock seconds, also
        /// under a simulated clock): a standby takes over about this long after the active
        /// controller dies.
        public var lease: Double = 15
        /// The market's settlement interval in minutes (ERCOT: 15): a real-time price for a
        /// shorter interval counts toward the settlement interval containing it.
        public var settlementMinutes: Int = 15

        public init(
            decisionInterval: Double = 5,
            commandLifetime: Double = 180,
            underFrequencyTripHz: Double? = 59.7,
            underFrequencyShedMW: Double? = nil,
            underFrequencyRecoverHz: Double = 59.95,
            underFrequencyRecoverAfter: Double = 600
        ) {
            self.decisionInterval = decisionInterval
            self.commandLifetime = commandLifetime
            self.underFrequencyTripHz = underFrequencyTripHz
            self.underFrequencyShedMW = underFrequencyShedMW
            self.underFrequencyRecoverHz = underFrequencyRecoverHz
            self.underFrequencyRecoverAfter = underFrequencyRecoverAfter
        }
    }

    public init(
        site: Site,
        policyReference: String? = nil,
        mqtt: MQTTSettings = MQTTSettings(),
        controller: ControllerSettings = ControllerSettings()
    ) {
        self.site = site
        self.policyReference = policyReference
        self.mqtt = mqtt
        self.controller = controller
    }

    /// How `curtail agent` drives the site's miners (`agent:` in the site file).
    public struct AgentSettings: Hashable, Sendable {
        /// What a group does when its command expires with no fresh one.
        public enum SafeState: String, Hashable, Sendable, CaseIterable {
            /// Every miner of the group asleep (fans on).
            case sleep
            /// Every miner running at its default power.
            case run
        }

        /// At most this many miners are woken per second, per feeder when the inventory names
        /// feeders (sleep is never delayed).
        public var wakeMinersPerSecond: Double = 10
        /// At most this much nameplate power (kW) is woken per second, per feeder; `nil`: no limit.
        public var wakeKWPerSecond: Double?
        /// Where a group goes when its command expires.
        public var safeState: SafeState = .sleep
        /// Every miner is read this often (seconds), besides the read-backs after each write.
        public var pollInterval: Double = 15
        /// Group telemetry is published this often (seconds), and on every change of miners running.
        public var telemetryInterval: Double = 5
        /// Connections to miners open at once, for the whole site.
        public var maxConnections: Int = 256

        public init() {}
    }
}
