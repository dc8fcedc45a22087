public import CurtailController
import CurtailCore
public import CurtailPolicy
public import CurtailPolicyFiles

extension ControllerTopics {
    /// The topics of a site file (its market, node, site id and `mqtt:` topic roots).
    public init(settings: SiteConfiguration) {
        let site = settings.site
        self.init(
            market: site.market,
            node: site.node,
            site: site.id,
            gridRoot: settings.mqtt.gridRoot,
            siteRoot: settings.mqtt.siteRoot,
            hashPrice: settings.mqtt.hashPriceTopic
        )
    }
}

extension ControllerConfiguration {
    /// A controller for the site file's site, topics and `controller:` settings, running `policy`.
    public init(settings: SiteConfiguration, policy: Policy, parameters: [String: Double] = [:]) {
        let c = settings.controller
        self.init(
            site: settings.site,
            policy: policy,
            parameters: parameters,
            topics: ControllerTopics(settings: settings),
            decisionInterval: .milliseconds(Int64(c.decisionInterval * 1000)),
            commandLifetime: .milliseconds(Int64(c.commandLifetime * 1000)),
            underFrequency: c.underFrequencyTripHz.map {
                UnderFrequencyTrip(
                    tripHz: $0,
                    shedMW: c.underFrequencyShedMW,
                    recoverHz: c.underFrequencyRecoverHz,
                    recoverAfter: .milliseconds(Int64(c.underFrequencyRecoverAfter * 1000))
                )
            }
        )
        lease = .milliseconds(Int64(c.lease * 1000))
        settlementMinutes = c.settlementMinutes
    }
}
