/// The topics a controller reads and writes, from the roots in the site file.
///
/// Defaults follow the MQTT contract: `grid/{market}/{node}/price`, `grid/{market}/events`,
/// `grid/{market}/alerts`, `grid/{market}/frequency`, `mining/hashprice`, and under
/// `site/{site}/`: `groups/{group}/telemetry`, `groups/{group}/command`, `meter`, `state`,
/// `events/{id}/report`, `rejected`, `controller/status`, `controller/leader`.
public struct ControllerTopics: Hashable, Sendable {
    /// `grid/{market}/{node}/price`.
    public var price: String
    /// `grid/{market}/events`.
    public var events: String
    /// `grid/{market}/alerts`.
    public var alerts: String
    /// `grid/{market}/frequency`.
    public var frequency: String
    /// `grid/{market}/awards`.
    public var awards: String
    /// `mining/hashprice`.
    public var hashPrice: String
    /// `site/{site}` (no trailing slash).
    public var siteBase: String

    public init(
        market: String,
        node: String,
        site: String,
        gridRoot: String = "grid",
        siteRoot: String = "site",
        hashPrice: String = "mining/hashprice"
    ) {
        price = "\(gridRoot)/\(market)/\(node)/price"
        events = "\(gridRoot)/\(market)/events"
        alerts = "\(gridRoot)/\(market)/alerts"
        frequency = "\(gridRoot)/\(market)/frequency"
        awards = "\(gridRoot)/\(market)/awards"
        self.hashPrice = hashPrice
        siteBase = "\(siteRoot)/\(site)"
    }

    /// What the price feed says of itself, retained: `grid/{market}/{node}/price/status`.
    public var priceFeed: String { price + "/status" }
    /// Telemetry of every group: `site/{site}/groups/+/telemetry`.
    public var telemetryFilter: String { "\(siteBase)/groups/+/telemetry" }
    /// Commands of every group: `site/{site}/groups/+/command`.
    public var commandFilter: String { "\(siteBase)/groups/+/command" }
    /// The site meter (an extension of the contract): `site/{site}/meter`.
    public var meter: String { "\(siteBase)/meter" }
    /// The retained decision: `site/{site}/state`.
    public var state: String { "\(siteBase)/state" }
    /// Refused inputs: `site/{site}/rejected`.
    public var rejected: String { "\(siteBase)/rejected" }
    /// `online`/`offline`, retained, and the will: `site/{site}/controller/status`.
    public var status: String { "\(siteBase)/controller/status" }
    /// The lease record, retained: `site/{site}/controller/leader`.
    public var leader: String { "\(siteBase)/controller/leader" }
    /// Every event report: `site/{site}/events/+/report` (a standby follows the active's).
    public var eventReportFilter: String { "\(siteBase)/events/+/report" }
    /// Every miner's status from `curtail agent`: `site/{site}/groups/+/miners/+/status`.
    public var minerStatusFilter: String { "\(siteBase)/groups/+/miners/+/status" }
    /// `curtail agent`'s own `online`/`offline`, retained: `site/{site}/agent/status`.
    public var agentStatus: String { "\(siteBase)/agent/status" }

    /// A group's telemetry topic.
    public func telemetry(group: String) -> String { "\(siteBase)/groups/\(group)/telemetry" }
    /// A group's command topic.
    public func command(group: String) -> String { "\(siteBase)/groups/\(group)/command" }
    /// One miner's status topic (retained), written by `curtail agent`.
    public func minerStatus(group: String, address: String) -> String { "\(siteBase)/groups/\(group)/miners/\(address)/status" }
    /// The report topic of a grid event.
    public func eventReport(id: String) -> String { "\(siteBase)/events/\(id)/report" }

    /// The group named by a `site/{site}/groups/{group}/<leaf>` topic, or `nil`.
    public func group(in topic: String, leaf: String) -> Substring? {
        let prefix = siteBase + "/groups/"
        guard topic.hasPrefix(prefix), topic.hasSuffix("/" + leaf) else { return nil }
        let inner = topic.dropFirst(prefix.count).dropLast(leaf.count + 1)
        return inner.isEmpty || inner.contains("/") ? nil : inner
    }
}
