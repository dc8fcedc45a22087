public import CurtailCore
public import CurtailWire

/// The lease that makes exactly one controller of a site active, as a state machine with no I/O
/// and no clock: records seen on `site/{site}/controller/leader`, connection changes and ticks
/// in, records to publish and role changes out.
///
/// **Agreement.** Every controller reads the same records in the same order (the broker orders a
/// topic's messages), and keeps the same ``current`` record: the one with the highest term, and
/// among equal terms the latest. A record with a lower term than ``current`` is stale (a deposed
/// holder's late renewal) and changes nothing. So two controllers that claim at once agree on
/// the winner: the later of two equal claims, or the higher term.
///
/// **Time.** Durations are measured on each controller's own monotonic clock (`wall`, since the
/// service started); no two clocks need to agree. A standby takes over after hearing nothing from
/// the holder for ``Settings/lease`` + ``Settings/grace``; the active stops acting
/// ``Settings/margin`` before its lease lapses, counted from when it *sent* its last renewal that
/// came back from the broker. Since the standby heard that renewal after it was sent, the active
/// has stopped before the standby starts. `expires_at` (site time) is published for people and
/// for controllers that start later: a controller starting on a retained record whose `expires_at`
/// has passed (a long dead holder) may claim at once; a standby waits for silence, since a record
/// can reach it late (it was frozen, or its connection was slow). A record with `released` (a
/// graceful shutdown) may be taken over at once by anyone.
///
/// **Roles.** `starting` (reading the retained record for ``Settings/observeWindow``), `standby`
/// (another controller holds the lease), `claiming` (a claim published, waiting to see it come
/// back and settle), `active` (the one controller that commands the site).
public struct LeaderLease: Sendable {
    /// Timing.
    public struct Settings: Sendable, Hashable {
        /// How long a lease lasts unless renewed (wall time).
        public var lease: Duration
        /// Site-clock seconds per wall second (1 live; the simulator's rate with `--sim-clock`),
        /// for `expires_at`.
        public var rate: Double
        /// How long to read the retained record at start-up before deciding (wall time).
        public var observeWindow: Duration

        public init(lease: Duration = .seconds(15), rate: Double = 1, observeWindow: Duration = .seconds(1)) {
            self.lease = lease
            self.rate = rate
            self.observeWindow = observeWindow
        }

        /// The active renews this often: three renewals per lease.
        public var renewEvery: Duration { lease / 3 }
        /// Silence a standby waits past a lease before taking over (a tenth, at most 1 s).
        public var grace: Duration { min(lease / 10, .seconds(1)) }
        /// How long a claimant waits after its claim comes back before acting (a tenth, at most
        /// 0.5 s): a competing claim published before it saw ours arrives within that.
        public var settle: Duration { min(lease / 10, .milliseconds(500)) }
        /// How long before its lease lapses (own clock) the active stops (a tenth, at most 1 s).
        public var margin: Duration { min(lease / 10, .seconds(1)) }
        /// The lease in site time, for `expires_at`.
        public var siteLease: Duration { .milliseconds(Int64((lease.inMilliseconds * rate).rounded())) }
    }

    /// Where this controller stands.
    public enum Role: String, Sendable, Hashable {
        case starting
        case standby
        case claiming
        case active
    }

    /// What the caller must do.
    public enum Action: Sendable, Hashable {
        /// Publish this record, retained, on the leader topic.
        case publish(LeaderPayload)
        /// This controller is now the active one, with this term: take charge of the site.
        case becameActive(term: Int64)
        /// This controller is no longer active: stop commanding at once.
        case steppedDown(reason: String)
        /// Start-up found another controller holding the lease (or an unreadable record): follow
        /// the site.
        case standingBy(holder: String?, term: Int64)
    }

    /// This controller's name in records (its MQTT client id).
    public let identity: String
    public let settings: Settings
    public private(set) var role: Role = .starting
    /// This controller's term while claiming or active; the last one it held otherwise (0: never).
    public private(set) var term: Int64 = 0
    /// The highest term seen anywhere: records, followed commands and state, the journal.
    public private(set) var highestTerm: Int64 = 0
    /// The record every controller agrees on (see the type's documentation).
    public private(set) var current: LeaderPayload?

    private var connected = false
    private var observeUntil: Duration?
    /// Standby: when the holder was last heard from (or listening started).
    private var lastHeard: Duration = .zero
    /// Whether ``current`` had already expired when it arrived (read at start-up only).
    private var currentExpired = false
    /// Whether ``current`` was given up by its holder.
    private var currentReleased = false
    /// A record was refused at start-up: someone may hold the lease; wait a whole lease.
    private var refusedAtStart = false
    private var claimSentAt: Duration = .zero
    private var claimEchoAt: Duration?
    private var lastSent: (record: LeaderPayload, at: Duration)?
    private var validUntil: Duration = .zero

    public init(identity: String, settings: Settings) {
        self.identity = identity
        self.settings = settings
    }

    /// Whether this controller may command the site now.
    public var isActive: Bool { role == .active }

    // MARK: - Inputs

    /// The broker connection went up or down.
    public mutating func connectionChanged(up: Bool, wall: Duration) {
        connected = up
        guard up else { return }
        // Starting: read what the broker retains for a whole window on this connection.
        if role == .starting { observeUntil = wall + settings.observeWindow }
        // Nothing was heard while away: listen for a whole lease before judging the holder.
        if role == .standby { lastHeard = wall }
    }

    /// A term seen in a followed command or state, or in the journal.
    public mutating func noteTerm(_ seen: Int64, wall: Duration) -> [Action] {
        highestTerm = max(highestTerm, seen)
        guard seen > term, role == .active || role == .claiming else { return [] }
        return [stepDown("a command or state with term \(seen) is newer than this controller's term \(term)", wall: wall)]
    }

    /// A record received on the leader topic.
    public mutating func receive(_ record: LeaderPayload, wall: Duration, now: Timestamp) -> [Action] {
        highestTerm = max(highestTerm, record.term)
        if let current, record.term < current.term {
            // Stale: a deposed holder's late message. The broker now retains it; the active puts
            // its own record back.
            return role == .active ? [renew(wall: wall, now: now)] : []
        }
        current = record
        currentExpired = record.expiresAt <= now
        currentReleased = record.released
        if record.holder == identity {
            switch role {
            case .claiming where record.term == term:
                if claimEchoAt == nil { claimEchoAt = wall }
                validUntil = claimSentAt + settings.lease - settings.margin
            case .active where record.term == term:
                if let lastSent, lastSent.record == record { validUntil = lastSent.at + settings.lease - settings.margin }
            default:
                break  // a record from this instance's previous life (starting), or one it gave up
            }
            return []
        }
        lastHeard = wall
        switch role {
        case .starting, .standby:
            return []
        case .claiming:
            // An equal claim that arrived before ours came back is older than ours: ours wins.
            if record.term == term, claimEchoAt == nil { return [] }
            return [stepDown("\(record.holder) claimed the lease with term \(record.term)", wall: wall)]
        case .active:
            return [stepDown("\(record.holder) holds the lease with term \(record.term)", wall: wall)]
        }
    }

    /// The leader topic was cleared (an empty retained payload), or a record on it was refused.
    /// Never makes the active step down: it puts its own record back.
    public mutating func receiveUnusable(refused: Bool, wall: Duration, now: Timestamp) -> [Action] {
        switch role {
        case .active:
            return [renew(wall: wall, now: now)]
        case .starting:
            if refused { refusedAtStart = true }
            lastHeard = wall
            return []
        case .standby, .claiming:
            return []
        }
    }

    /// Time passed: claim, renew, settle or give up, as due. Call on every timer tick.
    public mutating func tick(wall: Duration, now: Timestamp) -> [Action] {
        var actions = checkLapse(wall: wall)
        switch role {
        case .starting:
            guard connected, let until = observeUntil, wall >= until else { break }
            if let current, current.holder != identity, !currentExpired, !currentReleased {
                role = .standby
                actions.append(.standingBy(holder: current.holder, term: current.term))
            } else if current == nil, refusedAtStart {
                role = .standby
                actions.append(.standingBy(holder: nil, term: 0))
            } else {
                actions.append(claim(wall: wall, now: now))
            }
        case .standby:
            guard connected else { break }
            if currentReleased || wall - lastHeard >= settings.lease + settings.grace { actions.append(claim(wall: wall, now: now)) }
        case .claiming:
            if let echo = claimEchoAt {
                if wall >= echo + settings.settle {
                    role = .active
                    actions.append(.becameActive(term: term))
                }
            } else if connected, wall - claimSentAt >= settings.lease {
                // The claim never came back (lost with a connection): send it again.
                actions.append(sendClaim(wall: wall, now: now))
            }
        case .active:
            if connected, let lastSent, wall - lastSent.at >= settings.renewEvery { actions.append(renew(wall: wall, now: now)) }
        }
        return actions
    }

    /// Steps down if the lease lapsed on this controller's own clock (no renewal came back in
    /// time: a frozen process, a lost connection). Call before acting on any input.
    public mutating func checkLapse(wall: Duration) -> [Action] {
        guard role == .active, wall >= validUntil else { return [] }
        return [stepDown("its lease lapsed: no renewal came back from the broker within \(settings.lease)", wall: wall)]
    }

    /// Graceful shutdown: the record that releases the lease (`expires_at` now), if this
    /// controller holds or is claiming it. A standby can take over at once.
    public mutating func release(now: Timestamp) -> LeaderPayload? {
        guard role == .active || role == .claiming else { return nil }
        role = .standby
        return LeaderPayload(holder: identity, term: term, expiresAt: now, released: true)
    }

    // MARK: - Transitions

    private mutating func claim(wall: Duration, now: Timestamp) -> Action {
        term = highestTerm + 1
        highestTerm = term
        role = .claiming
        refusedAtStart = false
        return sendClaim(wall: wall, now: now)
    }

    private mutating func sendClaim(wall: Duration, now: Timestamp) -> Action {
        claimSentAt = wall
        claimEchoAt = nil
        let record = LeaderPayload(holder: identity, term: term, expiresAt: now.advanced(by: settings.siteLease))
        lastSent = (record, wall)
        return .publish(record)
    }

    private mutating func renew(wall: Duration, now: Timestamp) -> Action {
        let record = LeaderPayload(holder: identity, term: term, expiresAt: now.advanced(by: settings.siteLease))
        lastSent = (record, wall)
        return .publish(record)
    }

    private mutating func stepDown(_ reason: String, wall: Duration) -> Action {
        role = .standby
        lastHeard = wall
        claimEchoAt = nil
        return .steppedDown(reason: reason)
    }
}
