import CurtailController
import CurtailCore
import CurtailPolicyFiles
import CurtailSite
import CurtailTestSupport
import Foundation
import GridSimulator
import Testing

/// The simulator's pure parts: scenario files, the timeline, the miner-controller model.
@Suite("Simulator")
struct SimulatorTests {
    static let demoScenario = Repository.path("Simulator/Scenarios/ercot-2023-09-06.yaml")

    @Test("a clone without the shared data plays the demo from the data/ excerpt (gzip), exactly as from the full history")
    func demoFromTheExcerpt() throws {
        let site = try SiteFile.load(path: Repository.exampleSite).site
        for path in [Self.demoScenario, Repository.path("Simulator/Scenarios/ercot-2023-09-06-lab.yaml")] {
            let scenario = try ScenarioFile.load(path: path)
            let excerpt = try ScenarioInputs.load(scenario: scenario, site: site, dataDirectory: Repository.path("data"))
            let full = try ScenarioInputs.load(scenario: scenario, site: site, dataDirectory: Repository.data.path)
            #expect(excerpt.prices.intervals.count > 90, "\(path)")
            #expect(excerpt.prices.intervals == full.prices.intervals, "\(path)")
            #expect(excerpt.hashPriceByDay == full.hashPriceByDay, "\(path)")
        }
    }

    @Test("the demo scenario loads, and its timeline is real prices published as each interval ends")
    func demoTimeline() throws {
        let scenario = try ScenarioFile.load(path: Self.demoScenario)
        let site = try SiteFile.load(path: Repository.exampleSite)
        let inputs = try ScenarioInputs.load(scenario: scenario, site: site.site, dataDirectory: Repository.data.path)
        let topics = ControllerTopics(settings: site)
        let timeline = try Timeline.build(scenario: scenario, prices: inputs.prices, hashPrice: { inputs.hashPrice(at: $0) }, topics: topics)
        let prices = timeline.filter { $0.topic == topics.price && !$0.payload.contains("cheap") }
        #expect(prices.count == 97, "96 intervals of the day, plus the one ending at the start")
        // 19:15-19:30 CDT = 00:15-00:30Z: 5,223.36 $/MWh in the file, published at 00:30Z.
        let spike = try #require(prices.first { $0.payload.contains("\"2023-09-07T00:15:00Z\"") })
        #expect(spike.at == Timestamp(iso8601: "2023-09-07T00:30:00Z")! && spike.payload.contains("5223.36"))
        #expect(zip(timeline, timeline.dropFirst()).allSatisfy { $0.at <= $1.at })
        #expect(timeline.contains { $0.topic == topics.events && $0.payload.contains("ERS-20230906") })
        #expect(inputs.hashPrice(at: scenario.start) == 0.06014344, "the previous day's hash price (2023-09-05)")
    }

    @Test("the same seed gives the same timeline and the same miners; another seed does not")
    func deterministic() throws {
        var scenario = Scenario(
            name: "random",
            start: Timestamp(iso8601: "2024-01-10T06:00:00Z")!,
            durationSeconds: 86_400 * 3,
            prices: .synthetic(.init()),
            hashPrice: .fixed(0.05)
        )
        var random = Scenario.RandomEvents()
        random.eventsPerDay = 2
        random.underFrequencyPerDay = 1
        scenario.random = random
        scenario.seed = 7
        let site = try SiteFile.load(path: Repository.exampleSite)
        let topics = ControllerTopics(settings: site)
        func timeline(_ s: Scenario) throws -> [Publication] {
            let feed = PriceFeed.synthetic(.init(), scenario: s)
            return try Timeline.build(scenario: s, prices: feed, hashPrice: { _ in 0.05 }, topics: topics)
        }
        let a = try timeline(scenario)
        #expect(try a == timeline(scenario))
        #expect(a.contains { $0.topic == topics.events } && a.contains { $0.payload.contains("\"hz\":59.6") })
        var other = scenario
        other.seed = 8
        #expect(try a != timeline(other))

        func trajectory(seed: UInt64) -> [Double] {
            var model = MinerControllerModel(group: site.site.groups[0], running: 1000, seed: seed)
            var t = scenario.start
            var out: [Double] = []
            model.apply(.init(seq: 1, expiresAt: t.adding(seconds: 600), minersRunning: 0, powerTargetW: 0), at: t)
            model.apply(.init(seq: 2, expiresAt: t.adding(seconds: 900), minersRunning: 1000, powerTargetW: 3068), at: t.adding(seconds: 60))
            for _ in 0..<60 {
                t = t.adding(seconds: 10)
                model.advance(to: t)
                out.append(model.powerKW * model.noise())
            }
            return out
        }
        #expect(trajectory(seed: 1) == trajectory(seed: 1))
        #expect(trajectory(seed: 1) != trajectory(seed: 2))
    }

    @Test("a miner controller obeys newer commands only, sleeps in seconds, wakes in minutes, falls back at expiry")
    func minerController() throws {
        let site = try SiteFile.load(path: Repository.exampleSite)
        let t0 = Timestamp(iso8601: "2023-09-06T15:00:00Z")!
        var model = MinerControllerModel(group: site.site.groups[0], running: 1000, seed: 3)  // S19j Pro, on/off: wake 300 s
        let taken1 = model.apply(.init(seq: 5, expiresAt: t0.adding(seconds: 180), minersRunning: 0, powerTargetW: 0), at: t0)
        #expect(taken1)
        let taken2 = model.apply(.init(seq: 4, expiresAt: t0.adding(seconds: 180), minersRunning: 1000, powerTargetW: 3068), at: t0)
        #expect(!taken2, "older seq")
        let taken3 = model.apply(.init(seq: 6, expiresAt: t0, minersRunning: 1000, powerTargetW: 3068), at: t0)
        #expect(!taken3, "already expired")
        model.advance(to: t0.adding(seconds: 4))
        #expect(model.powerKW > 3000, "still drawing while going to sleep")
        model.advance(to: t0.adding(seconds: 6))
        #expect(model.running == 0 && model.powerKW < 30)
        let taken4 = model.apply(
            .init(seq: 7, expiresAt: t0.adding(seconds: 900), minersRunning: 1000, powerTargetW: 3068),
            at: t0.adding(seconds: 10)
        )
        #expect(taken4)
        model.advance(to: t0.adding(seconds: 10 + 250))
        #expect(model.running == 0, "booting: 300 s ± 10%")
        model.advance(to: t0.adding(seconds: 10 + 340))
        #expect(model.running == 1000 && model.hashrateTH > 100_000)
        model.advance(to: t0.adding(seconds: 901))
        #expect(model.fellBack, "the command expired: safe state")
        model.advance(to: t0.adding(seconds: 910))
        #expect(model.running == 0)
    }

    @Test("scenario file errors name the line and column")
    func scenarioErrors() throws {
        let text = """
            scenario: bad
            start: 2023-09-06 05:00
            duration: 24h
            prices: {csv: x.csv, colour: red}
            hashprice: {usd_per_th_day: 0.05}
            events:
              - {at: 2023-09-06T06:00:00Z, id: E1, program: ERS-10, start: 2023-09-06T06:00:00Z, end: 2023-09-06T07:00:00Z}
            """
        #expect {
            _ = try ScenarioFile.parse(text, file: "bad.yaml")
        } throws: { error in
            let text = "\(error)"
            return text.contains("bad.yaml:2:8:") && text.contains("bad.yaml:4:22:") && text.contains("bad.yaml:7:5:")
        }
    }
}
