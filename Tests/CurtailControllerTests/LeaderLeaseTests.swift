import CurtailController
import CurtailCore
import CurtailWire
import Testing

/// The lease state machine alone: records in the order a broker would deliver them, time passed
/// by hand.
@Suite("Leader lease")
struct LeaderLeaseTests {
    static let start = Timestamp(iso8601: "2023-09-06T15:00:00Z")!
    static let settings = LeaderLease.Settings(lease: .seconds(15), observeWindow: .seconds(1))

    /// A few controllers on one simulated broker: every published record reaches every
    /// controller (its publisher included), in publication order.
    struct Site {
        var leases: [LeaderLease]
        var wall: Duration = .zero
        var now: Timestamp { LeaderLeaseTests.start.advanced(by: wall) }
        var actions: [[LeaderLease.Action]]
        var retained: LeaderPayload?

        init(_ names: [String], settings: LeaderLease.Settings = LeaderLeaseTests.settings) {
            leases = names.map { LeaderLease(identity: $0, settings: settings) }
            actions = Array(repeating: [], count: names.count)
            for i in leases.indices { leases[i].connectionChanged(up: true, wall: .zero) }
        }

        /// Delivers `record` to every controller, and whatever they publish in answer.
        mutating func broadcast(_ record: LeaderPayload, except skipped: Set<Int> = []) {
            var queue = [record]
            while !queue.isEmpty {
                let next = queue.removeFirst()
                retained = next
                for i in leases.indices where !skipped.contains(i) {
                    let answer = leases[i].receive(next, wall: wall, now: now)
                    actions[i] += answer
                    queue += answer.compactMap { if case .publish(let r) = $0 { r } else { nil } }
                }
            }
        }

        /// Advances time by `step` and ticks every controller not in `frozen`; publications go
        /// out in controller order.
        mutating func tick(by step: Duration, frozen: Set<Int> = []) {
            wall += step
            for i in leases.indices where !frozen.contains(i) {
                let answer = leases[i].tick(wall: wall, now: now)
                actions[i] += answer
                for case .publish(let record) in answer { broadcast(record, except: frozen) }
            }
        }

        mutating func run(for duration: Duration, step: Duration = .milliseconds(200), frozen: Set<Int> = []) {
            let end = wall + duration
            while wall < end { tick(by: step, frozen: frozen) }
        }

        var activeNames: [String] { leases.filter(\.isActive).map(\.identity) }
    }

    @Test("a lone controller claims after the start-up window, acts once its claim comes back and settles, and renews")
    func lone() {
        var site = Site(["a"])
        site.tick(by: .milliseconds(500))
        #expect(site.leases[0].role == .starting, "still reading the retained record")
        site.tick(by: .milliseconds(600))
        #expect(site.leases[0].role == .claiming && site.retained?.term == 1)
        site.run(for: .seconds(1))
        #expect(site.activeNames == ["a"])
        #expect(site.actions[0].contains(.becameActive(term: 1)))
        let renewals = site.actions[0].filter { if case .publish = $0 { true } else { false } }.count
        site.run(for: .seconds(60))
        let after = site.actions[0].filter { if case .publish = $0 { true } else { false } }.count
        #expect(after - renewals >= 11 && after - renewals <= 13, "a renewal every 5 s: \(after - renewals) in 60 s")
        #expect(site.leases[0].isActive, "its own renewals keep it active")
    }

    @Test("two controllers that claim at once agree on one winner: the later of two equal claims")
    func simultaneousClaims() {
        var site = Site(["a", "b"])
        site.run(for: .seconds(3))
        #expect(site.activeNames.count == 1, "\(site.activeNames)")
        #expect(site.activeNames == [site.retained?.holder], "the winner is the record the broker retains")
        let loser = site.leases.first { !$0.isActive }
        #expect(loser?.role == .standby)
        site.run(for: .seconds(120))
        #expect(site.activeNames.count == 1, "a standby hearing renewals never claims")
    }

    @Test("a standby takes over after a lease and the grace of silence, with a higher term; the frozen active has stopped before")
    func takeover() {
        var site = Site(["a", "b"])
        site.leases[1].connectionChanged(up: false, wall: .zero)
        site.run(for: .seconds(3))  // a alone
        site.leases[1].connectionChanged(up: true, wall: site.wall)
        site.run(for: .seconds(3))
        #expect(site.activeNames == ["a"] && site.leases[1].role == .standby)
        // a freezes (SIGSTOP): it neither renews nor hears anything.
        let frozenAt = site.wall
        var bActiveAt: Duration?
        while bActiveAt == nil, site.wall < frozenAt + .seconds(40) {
            site.tick(by: .milliseconds(200), frozen: [0])
            if site.leases[1].isActive { bActiveAt = site.wall }
        }
        let took = try! #require(bActiveAt)
        #expect(took - frozenAt >= .seconds(15 - 5), "not before the lease could have lapsed")
        #expect(took - frozenAt <= .seconds(15 + 5), "within lease + 5 s: \(took - frozenAt)")
        #expect(site.leases[1].term == 2)
        // a thaws: the first thing it does is notice its lease lapsed on its own clock.
        let lapse = site.leases[0].checkLapse(wall: site.wall)
        #expect(lapse.count == 1 && !site.leases[0].isActive)
        // ... and its late renewal (term 1) is stale for everyone: b stays active, re-asserting its record.
        site.broadcast(LeaderPayload(holder: "a", term: 1, expiresAt: site.now.adding(seconds: 15)))
        #expect(site.activeNames == ["b"] && site.retained?.holder == "b" && site.retained?.term == 2)
        site.run(for: .seconds(60))
        #expect(site.activeNames == ["b"], "the old active stands by")
    }

    @Test("the active stops acting before its lease lapses on its own clock, even while it hears nothing")
    func lapse() {
        var site = Site(["a"])
        site.run(for: .seconds(3))
        #expect(site.leases[0].isActive)
        // Its renewals stop coming back (a broken connection it has not noticed yet).
        var lease = site.leases[0]
        var wall = site.wall
        var steppedDownAt: Duration?
        while steppedDownAt == nil, wall < site.wall + .seconds(30) {
            wall += .milliseconds(100)
            for action in lease.tick(wall: wall, now: Self.start.advanced(by: wall)) {
                if case .steppedDown = action { steppedDownAt = wall }
            }
        }
        let stopped = try! #require(steppedDownAt)
        #expect(stopped - site.wall < .seconds(15), "stopped inside the lease its last echoed renewal granted")
    }

    @Test("a record released at shutdown is taken over at once; a controller's own record from a previous life too")
    func released() {
        var site = Site(["a", "b"])
        site.run(for: .seconds(3))
        let active = site.leases.firstIndex(where: \.isActive)!
        let release = site.leases[active].release(now: site.now)!
        site.broadcast(release)
        site.run(for: .seconds(1), frozen: [active])  // it has exited
        #expect(site.activeNames == [site.leases[1 - active].identity], "taken over within a second")
        #expect(site.leases[1 - active].term == 2)

        // A restart under the same name finds its own record: no need to wait out the lease.
        var restarted = LeaderLease(identity: "a", settings: Self.settings)
        restarted.connectionChanged(up: true, wall: .zero)
        _ = restarted.receive(LeaderPayload(holder: "a", term: 7, expiresAt: Self.start.adding(seconds: 14)), wall: .zero, now: Self.start)
        let claim = restarted.tick(wall: .seconds(1), now: Self.start.adding(seconds: 1))
        #expect(claim == [.publish(LeaderPayload(holder: "a", term: 8, expiresAt: Self.start.adding(seconds: 16)))])
    }

    @Test("a standby that gets a record late (it was frozen) waits for silence; only a release, or a dead record at start-up, is taken at once")
    func lateRecords() {
        var standby = LeaderLease(identity: "b", settings: Self.settings)
        standby.connectionChanged(up: true, wall: .zero)
        _ = standby.receive(LeaderPayload(holder: "a", term: 3, expiresAt: Self.start.adding(seconds: 15)), wall: .zero, now: Self.start)
        #expect(standby.tick(wall: .seconds(1), now: Self.start.adding(seconds: 1)) == [.standingBy(holder: "a", term: 3)])
        #expect(standby.role == .standby)
        // The holder's record from 20 s ago arrives now: expired by its time stamp, but it is news of the holder.
        _ = standby.receive(
            LeaderPayload(holder: "a", term: 3, expiresAt: Self.start.adding(seconds: 16)),
            wall: .seconds(30),
            now: Self.start.adding(seconds: 30)
        )
        #expect(standby.tick(wall: .seconds(31), now: Self.start.adding(seconds: 31)).isEmpty, "no claim on a late record")
        #expect(standby.tick(wall: .seconds(47), now: Self.start.adding(seconds: 47)).count == 1, "a claim after lease + grace of silence")

        // A controller starting on a retained record that expired long ago: its holder is gone.
        var starter = LeaderLease(identity: "c", settings: Self.settings)
        starter.connectionChanged(up: true, wall: .zero)
        _ = starter.receive(LeaderPayload(holder: "a", term: 3, expiresAt: Self.start.adding(seconds: -600)), wall: .zero, now: Self.start)
        #expect(starter.tick(wall: .seconds(1), now: Self.start.adding(seconds: 1)).count == 1)
    }

    @Test("an unusable record (cleared or refused) never makes the active step down: it puts its own back")
    func unusable() {
        var site = Site(["a"])
        site.run(for: .seconds(3))
        for refused in [false, true] {
            let answer = site.leases[0].receiveUnusable(refused: refused, wall: site.wall, now: site.now)
            #expect(site.leases[0].isActive)
            guard case .publish(let record) = answer.first else {
                Issue.record("no re-assertion")
                continue
            }
            #expect(record.holder == "a" && record.term == 1)
        }
        // A controller starting while the record is unreadable waits a whole lease before claiming.
        var starter = LeaderLease(identity: "c", settings: Self.settings)
        starter.connectionChanged(up: true, wall: .zero)
        _ = starter.receiveUnusable(refused: true, wall: .zero, now: Self.start)
        #expect(starter.tick(wall: .seconds(2), now: Self.start.adding(seconds: 2)) == [.standingBy(holder: nil, term: 0)])
        #expect(starter.role == .standby)
        #expect(starter.tick(wall: .seconds(10), now: Self.start.adding(seconds: 10)).isEmpty)
        #expect(starter.tick(wall: .seconds(17), now: Self.start.adding(seconds: 17)).count == 1, "claims after lease + grace")
    }

    @Test("a higher term seen on a followed command makes the active step down at once")
    func higherTerm() {
        var site = Site(["a"])
        site.run(for: .seconds(3))
        #expect(site.leases[0].noteTerm(1, wall: site.wall).isEmpty, "its own term changes nothing")
        let answer = site.leases[0].noteTerm(5, wall: site.wall)
        #expect(answer.count == 1 && !site.leases[0].isActive)
        #expect(site.leases[0].highestTerm == 5)
    }

    @Test("a standby cut off from the broker never claims; back, it listens a whole lease first")
    func partitionedStandby() {
        var site = Site(["a", "b"])
        site.run(for: .seconds(3))
        let standby = site.leases.firstIndex { !$0.isActive }!
        site.leases[standby].connectionChanged(up: false, wall: site.wall)
        for _ in 0..<300 {
            site.tick(by: .milliseconds(200), frozen: [standby])
            #expect(site.leases[standby].tick(wall: site.wall, now: site.now).isEmpty, "disconnected: no claim")
        }
        site.leases[standby].connectionChanged(up: true, wall: site.wall)
        site.run(for: .seconds(30))
        #expect(site.leases[standby].role == .standby && site.activeNames.count == 1)
    }
}
