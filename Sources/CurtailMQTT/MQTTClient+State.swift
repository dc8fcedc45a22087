/// What the broker acknowledged for one message id.
enum Acknowledgement: Sendable {
    case published(MQTTReasonCode)
    case subscribed([MQTTReasonCode])
    case unsubscribed
}

/// The client's mutable bookkeeping. Always used under the client's lock; never calls out.
///
/// Acknowledgements are matched to their callers by message id ("mid"). libmosquitto can run the
/// acknowledgement callback on its loop thread *before* the publishing thread has learned the mid
/// (the call has not returned yet). Such early acknowledgements are parked in `early`, stamped
/// with the number of calls started so far, and picked up when the caller opens its slot; a parked
/// acknowledgement is only accepted by a call that started before it was recorded, and the
/// parking lot is emptied whenever no call is in flight, so a stale entry cannot complete a later
/// message that happens to reuse the same 16-bit id.
struct ClientState: Sendable {
    enum Phase: Sendable, Equatable {
        case idle
        case connecting
        /// Accepted by the broker; re-sending the subscriptions it lacks.
        case restoring(sessionPresent: Bool)
        /// Accepted and subscriptions in place.
        case connected(sessionPresent: Bool)
        case disconnected
        case stopped
    }

    struct Subscription: Sendable, Hashable {
        var filter: String
        var qos: MQTTQoS
    }

    var phase: Phase = .idle
    var usesV5 = true
    /// Why the last connection attempt failed or the connection was lost; `nil` while connected.
    var lastConnectionError: String?
    /// The last error or warning libmosquitto logged while not connected (a TLS verification
    /// failure reaches no other callback), to explain the next failed connection attempt.
    var lastLibraryProblem: String?
    /// Why the client stopped, for connection waiters that arrive late.
    private var stopReason: MQTTError?

    /// Subscriptions to hold across reconnects, in the order they were made.
    private(set) var subscriptions: [Subscription] = []
    /// Filters the broker acknowledged in the current session.
    private var confirmed: Set<String> = []

    private var callsStarted: UInt64 = 0
    private var callsInFlight = 0
    private var early: [Int32: (ack: Acknowledgement, recordedAfter: UInt64)] = [:]
    private(set) var acknowledgements = WaiterTable<Int32, Acknowledgement>()
    private(set) var connectionWaiters = WaiterTable<UInt64, Void>()

    /// The broker has accepted the connection (subscriptions may still be being restored).
    var isConnected: Bool {
        switch phase {
        case .restoring, .connected: true
        case .idle, .connecting, .disconnected, .stopped: false
        }
    }

    /// Connected, with the subscriptions the broker lacked re-sent and acknowledged.
    private var isReady: Bool {
        if case .connected = phase { return true }
        return false
    }

    // MARK: - Calls that produce a message id

    /// Marks the start of a libmosquitto call that hands back a message id; returns its ticket.
    mutating func beginCall() -> UInt64 {
        callsStarted += 1
        callsInFlight += 1
        return callsStarted
    }

    /// Marks the end of that call. With `awaiting`, opens the slot for the acknowledgement of
    /// `mid`, already filled if the acknowledgement came early.
    mutating func endCall(ticket: UInt64, mid: Int32?, awaiting: Bool) {
        callsInFlight -= 1
        if let mid {
            let parked = early.removeValue(forKey: mid)
            if awaiting {
                let outcome = parked.flatMap { $0.recordedAfter >= ticket ? Result<Acknowledgement, MQTTError>.success($0.ack) : nil }
                acknowledgements.open(mid, ticket: ticket, outcome: outcome)
            }
        }
        if callsInFlight == 0 { early.removeAll(keepingCapacity: true) }
    }

    /// Records an acknowledgement from the broker; returns the parked caller to resume, if any.
    mutating func acknowledge(mid: Int32, _ ack: Acknowledgement) -> WaiterTable<Int32, Acknowledgement>.Continuation? {
        guard acknowledgements.contains(mid) else {
            if callsInFlight > 0 { early[mid] = (ack, callsStarted) }
            return nil
        }
        return acknowledgements.resolve(mid, .success(ack))
    }

    mutating func failAcknowledgement(mid: Int32, ticket: UInt64, _ error: MQTTError)
        -> WaiterTable<Int32, Acknowledgement>.Continuation?
    {
        acknowledgements.resolve(mid, ticket: ticket, .failure(error))
    }

    mutating func parkAcknowledgement(
        mid: Int32,
        ticket: UInt64,
        _ continuation: WaiterTable<Int32, Acknowledgement>.Continuation
    ) -> Result<Acknowledgement, MQTTError>? {
        acknowledgements.park(mid, ticket: ticket, continuation)
    }

    /// The outcome for `mid` if it is known already (tests and diagnostics).
    mutating func takeAcknowledgement(mid: Int32, ticket: UInt64) -> Result<Acknowledgement, MQTTError>? {
        acknowledgements.take(mid, ticket: ticket)
    }

    // MARK: - Connection

    /// Opens a slot for a caller that waits for the connection; already resolved when the client
    /// is ready (connected, subscriptions restored) or has stopped.
    mutating func openConnectionWaiter() -> UInt64 {
        let ticket = beginTicket()
        let outcome: Result<Void, MQTTError>? =
            if isReady { .success(()) } else if phase == .stopped {
                .failure(stopReason ?? MQTTError(.clientStopped, "the MQTT client has stopped"))
            } else { nil }
        connectionWaiters.open(ticket, ticket: ticket, outcome: outcome)
        return ticket
    }

    /// The outcome for a connection waiter if it is known already (tests and diagnostics).
    mutating func takeConnectionOutcome(_ ticket: UInt64) -> Result<Void, MQTTError>? {
        connectionWaiters.take(ticket, ticket: ticket)
    }

    mutating func resolveConnectionWaiter(_ ticket: UInt64, _ outcome: Result<Void, MQTTError>)
        -> WaiterTable<UInt64, Void>.Continuation?
    {
        connectionWaiters.resolve(ticket, ticket: ticket, outcome)
    }

    mutating func parkConnectionWaiter(_ ticket: UInt64, _ continuation: WaiterTable<UInt64, Void>.Continuation)
        -> Result<Void, MQTTError>?
    {
        connectionWaiters.park(ticket, ticket: ticket, continuation)
    }

    private mutating func beginTicket() -> UInt64 {
        callsStarted += 1
        return callsStarted
    }

    /// The broker accepted the connection. Returns the subscriptions to (re)send; connection
    /// waiters are woken by ``restored()`` once they are back.
    mutating func connected(sessionPresent: Bool) -> [Subscription] {
        phase = .restoring(sessionPresent: sessionPresent)
        lastConnectionError = nil
        lastLibraryProblem = nil
        if !sessionPresent { confirmed.removeAll() }
        return subscriptions.filter { !confirmed.contains($0.filter) }
    }

    /// The subscriptions are back. Returns the connection waiters to wake, none if the connection
    /// was lost meanwhile.
    mutating func restored() -> [WaiterTable<UInt64, Void>.Continuation] {
        guard case .restoring(let sessionPresent) = phase else { return [] }
        phase = .connected(sessionPresent: sessionPresent)
        return connectionWaiters.resolveAll(.success(()))
    }

    mutating func disconnected() {
        if phase != .stopped { phase = .disconnected }
    }

    /// The client stops: waiting calls get `clientStopped`, connection waiters (also later ones)
    /// get `reason` when there is one (e.g. the broker refused the credentials), else `clientStopped`.
    /// Returns the parked callers to resume, with their outcomes.
    mutating func stop(reason: MQTTError?) -> (
        acknowledgements: [WaiterTable<Int32, Acknowledgement>.Continuation],
        connections: [WaiterTable<UInt64, Void>.Continuation],
        stopped: MQTTError,
        connectionOutcome: MQTTError
    ) {
        phase = .stopped
        stopReason = reason
        let stopped = MQTTError(.clientStopped, "the MQTT client stopped before the broker answered")
        let connectionOutcome = reason ?? stopped
        return (
            acknowledgements.resolveAll(.failure(stopped)), connectionWaiters.resolveAll(.failure(connectionOutcome)),
            stopped, connectionOutcome
        )
    }

    // MARK: - Subscriptions

    mutating func remember(_ subscription: Subscription) {
        if let index = subscriptions.firstIndex(where: { $0.filter == subscription.filter }) {
            subscriptions[index].qos = subscription.qos
            confirmed.remove(subscription.filter)
        } else {
            subscriptions.append(subscription)
        }
    }

    mutating func forget(filter: String) {
        subscriptions.removeAll { $0.filter == filter }
        confirmed.remove(filter)
    }

    mutating func confirm(filter: String) {
        confirmed.insert(filter)
    }
}
