import CurtailController
import CurtailCore
import CurtailPolicyFiles
import CurtailTestSupport
import CurtailWire
import Foundation
import GridSimulator
import LocalBroker
import Testing

/// An ancillary award through mosquitto: the simulator publishes the award, a price spike and an
/// ECRS deployment; the controller holds the award through the spike and drops it on deployment.
@Suite(
    "Ancillary award end to end through mosquitto",
    .wallClockLoop,
    .timeLimit(.minutes(5)),
    .enabled(if: brokerAvailable, "needs the mosquitto broker")
)
struct AwardEndToEndTests {
    @Test("an ECRS award: the floor holds through a 5,000 $/MWh spike, a deployment drops the load within 10 minutes, an award too big is refused")
    func awardSpikeDeployment() async throws {
        // 1-minute prices: 30 $/MWh, a spike at 5,000 from minute 10 to 20, then 30 again.
        let prices = Array(repeating: 30.0, count: 10) + Array(repeating: 5000.0, count: 10) + Array(repeating: 30.0, count: 22)
        var loop = try Loop(minutes: 40, speed: 120, prices: prices, intervalMinutes: 1)
        let start = loop.scenario.start
        let deploymentStart = start.adding(seconds: 25 * 60)
        loop.scenario.schedule = [
            .init(
                at: start.adding(seconds: 30),
                signal: .award(
                    AncillaryAward(id: "DAM-ECRS-15", product: .ecrs, megawatts: 5, start: start, end: start.adding(seconds: 3600), price: 22.5)
                )
            ),
            .init(
                at: start.adding(seconds: 90),
                signal: .award(
                    AncillaryAward(id: "DAM-NSPIN-15", product: .nonSpin, megawatts: 5, start: start, end: start.adding(seconds: 3600), price: 8)
                )
            ),
            .init(
                at: deploymentStart,
                signal: .event(
                    GridEvent(
                        id: "ECRS-DEP-1",
                        program: "ECRS",
                        start: deploymentStart,
                        end: deploymentStart.adding(seconds: 600),
                        target: .reduction(Megawatts(5))
                    )
                )
            ),
        ]
        let sleep = loop.settings.site.sleepPower.value
        let (observer, _) = try await loop.run()

        // The second award would take the site past what it can drop: refused, with the reason.
        #expect(observer.rejections.contains { $0.reason.contains("ancillary award DAM-NSPIN-15") && $0.reason.contains("already awarded") })
        let states = observer.all.filter { $0.topic == loop.topics.state }.compactMap { record in
            (try? StatePayload(decoding: record.payload)).map { (at: record.at, state: $0) }
        }
        #expect(states.last?.state.awards.map(\.id) == ["DAM-ECRS-15"])
        // Through the spike (its first price arrives at minute 11), the awarded 5 MW stay running.
        let spike = states.filter { $0.at >= start.adding(seconds: 12 * 60) && $0.at < start.adding(seconds: 20 * 60) }
        #expect(!spike.isEmpty)
        for (at, state) in spike {
            #expect((state.targetMW ?? 0) >= sleep + 5 - 1e-3, "\(at): target \(state.targetMW ?? .nan) MW with 5 MW awarded")
            #expect(state.constraints.contains("reserve"), "\(at): \(state.constraints)")
        }
        // Before the deployment the price is low again and the whole site runs.
        let before = try #require(states.last { $0.at < deploymentStart })
        // The deployment: the controller's compliance report says the load came down by 5 MW in time.
        let report = try #require(observer.reports.last { $0.id == "ECRS-DEP-1" && $0.status != .acknowledged })
        #expect(report.met == true, "\(report)")
        #expect((report.secondsToTarget ?? .infinity) <= 600)
        let during = states.filter { $0.at >= deploymentStart.adding(seconds: 120) && $0.at < deploymentStart.adding(seconds: 540) }
        #expect(!during.isEmpty)
        for (at, state) in during {
            #expect(
                (state.targetMW ?? .infinity) <= (before.state.targetMW ?? 0) - 5 + 0.05,
                "\(at): \(state.targetMW ?? .nan) MW during the deployment"
            )
        }
        // The miners obeyed: telemetry of the S21 group (the last in merit order to shed) during the spike.
        let telemetry = observer.telemetry("s21").filter { $0.at >= start.adding(seconds: 14 * 60) && $0.at < start.adding(seconds: 20 * 60) }
        #expect(telemetry.contains { $0.telemetry.minersRunning > 0 }, "the held MW were really running")
    }
}
