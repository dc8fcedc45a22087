public import CurtailCore

/// A site file: the site itself, the policy it runs and how `curtail run` reaches the broker.
public struct SiteConfiguration: Sendable {
    /// The site and its fleet.
    public var site: Site
    /// Path of the policy file, relative to the site file, if it names one.
    public var policyReference: String?
    /// MQTT settings for `curtail run`.
    public var mqtt: MQTTSettings

    /// Where the live controller connects.
    public struct MQTTSettings: Hashable, Sendable {
        /// Broker URL, `mqtt://HOST:PORT` (or `mqtts://` for TLS).
        public var broker: String
        /// Client id (default: `curtail-<site id>`).
        public var clientID: String?

        public init(broker: String = "mqtt://127.0.0.1:1883", clientID: String? = nil) {
            self.broker = broker
            self.clientID = clientID
        }
    }

    public init(site: Site, policyReference: String? = nil, mqtt: MQTTSettings = MQTTSettings()) {
        self.site = site
        self.policyReference = policyReference
        self.mqtt = mqtt
    }
}
