import CurtailCore
import CurtailFeeds
import Testing

@Suite("Poll schedule")
struct PollScheduleTests {
    let t0 = Timestamp(iso8601: "2024-07-01T00:00:00Z")!

    @Test("a period under the floor is raised to it; success waits the period")
    func floor() {
        var schedule = PollSchedule(period: .seconds(30), floor: .seconds(100))
        #expect(schedule.period == .seconds(100))
        #expect(schedule.isDue(at: t0))
        schedule.succeeded(at: t0)
        #expect(!schedule.isDue(at: t0.adding(seconds: 99.9)))
        #expect(schedule.isDue(at: t0.adding(seconds: 100)))
    }

    @Test("failures double the wait up to the cap, never under the floor; Retry-After is honoured when longer")
    func backoff() {
        var schedule = PollSchedule(period: .seconds(100), floor: .seconds(100), maximumBackoff: .seconds(900))
        #expect(schedule.failed(at: t0) == .seconds(100))
        #expect(schedule.failed(at: t0) == .seconds(200))
        #expect(schedule.failed(at: t0) == .seconds(400))
        #expect(schedule.failed(at: t0) == .seconds(800))
        #expect(schedule.failed(at: t0) == .seconds(900))
        #expect(schedule.failed(at: t0, retryAfter: .seconds(5)) == .seconds(900))
        schedule.succeeded(at: t0)
        #expect(schedule.failures == 0)
        #expect(schedule.failed(at: t0, retryAfter: .seconds(5)) == .seconds(100))
        #expect(schedule.failed(at: t0, retryAfter: .seconds(600)) == .seconds(600))
    }
}
