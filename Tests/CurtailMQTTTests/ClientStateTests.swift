import Testing

@testable import CurtailMQTT

/// The acknowledgement bookkeeping, driven through the interleavings libmosquitto produces.
struct ClientStateTests {
    @Test func ackBeforeTheCallReturnsIsKeptForTheCaller() throws {
        var state = ClientState()
        let ticket = state.beginCall()
        #expect(state.acknowledge(mid: 7, .published(.success)) == nil)  // loop thread, call not returned yet
        state.endCall(ticket: ticket, mid: 7, awaiting: true)
        let outcome = try #require(parkImmediately(&state, mid: 7, ticket: ticket))
        guard case .success(.published(let reason)) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reason == .success)
    }

    @Test func ackAfterTheCallReturnsFillsTheSlot() throws {
        var state = ClientState()
        let ticket = state.beginCall()
        state.endCall(ticket: ticket, mid: 3, awaiting: true)
        #expect(state.acknowledge(mid: 3, .published(.noMatchingSubscribers)) == nil)  // nobody parked yet
        let outcome = try #require(parkImmediately(&state, mid: 3, ticket: ticket))
        guard case .success(.published(let reason)) = outcome else { Issue.record("\(outcome)"); return }
        #expect(reason == .noMatchingSubscribers)
    }

    @Test func aStaleEarlyAckCannotCompleteALaterMessageWithTheSameID() throws {
        var state = ClientState()
        let qos0 = state.beginCall()
        let other = state.beginCall()
        state.endCall(ticket: qos0, mid: 5, awaiting: false)  // QoS 0: nobody waits
        #expect(state.acknowledge(mid: 5, .published(.success)) == nil)  // its late completion, parked early
        // Much later, the 16-bit id 5 comes round again for a QoS 1 message.
        let reused = state.beginCall()
        state.endCall(ticket: reused, mid: 5, awaiting: true)
        #expect(parkImmediately(&state, mid: 5, ticket: reused) == nil, "a stale acknowledgement completed a new message")
        state.endCall(ticket: other, mid: 6, awaiting: false)
    }

    @Test func aLateTimeoutCannotFailANewerCaller() {
        var state = ClientState()
        let old = state.beginCall()
        state.endCall(ticket: old, mid: 9, awaiting: true)
        _ = state.failAcknowledgement(mid: 9, ticket: old, MQTTError(.timedOut, "old"))
        _ = parkImmediately(&state, mid: 9, ticket: old)  // the old caller consumes its timeout
        let new = state.beginCall()
        state.endCall(ticket: new, mid: 9, awaiting: true)
        #expect(state.failAcknowledgement(mid: 9, ticket: old, MQTTError(.timedOut, "late")) == nil)
        #expect(parkImmediately(&state, mid: 9, ticket: new) == nil)  // still waiting for its own ack
    }

    @Test func resubscriptionDependsOnTheSession() {
        var state = ClientState()
        state.remember(.init(filter: "grid/#", qos: .atLeastOnce))
        state.remember(.init(filter: "site/+/telemetry", qos: .atMostOnce))
        #expect(state.connected(sessionPresent: false).map(\.filter) == ["grid/#", "site/+/telemetry"])
        state.confirm(filter: "grid/#")
        state.confirm(filter: "site/+/telemetry")
        state.disconnected()
        #expect(state.connected(sessionPresent: true).isEmpty)  // the broker kept them
        state.disconnected()
        #expect(state.connected(sessionPresent: false).count == 2)  // session lost: send again
        state.forget(filter: "grid/#")
        #expect(state.subscriptions.map(\.filter) == ["site/+/telemetry"])
    }

    @Test func connectionWaitersWakeOnlyOnceSubscriptionsAreRestored() {
        var state = ClientState()
        state.remember(.init(filter: "grid/#", qos: .atLeastOnce))
        let early = state.openConnectionWaiter()
        #expect(state.connected(sessionPresent: false).map(\.filter) == ["grid/#"])
        #expect(state.isConnected)  // subscribe() may send directly from here on
        let during = state.openConnectionWaiter()
        var earlyOutcome = state.takeConnectionOutcome(early)
        var duringOutcome = state.takeConnectionOutcome(during)
        #expect(earlyOutcome == nil)
        #expect(duringOutcome == nil, "a waiter returned before the subscriptions were back")
        _ = state.restored()  // nobody parked: the slots are resolved in place
        earlyOutcome = state.takeConnectionOutcome(early)
        duringOutcome = state.takeConnectionOutcome(during)
        let late = state.openConnectionWaiter()
        let lateOutcome = state.takeConnectionOutcome(late)
        #expect(earlyOutcome?.isSuccess == true)
        #expect(duringOutcome?.isSuccess == true)
        #expect(lateOutcome?.isSuccess == true)

        // Lost while restoring: restored() must not report a connection.
        state.disconnected()
        _ = state.connected(sessionPresent: false)
        let waiter = state.openConnectionWaiter()
        state.disconnected()
        #expect(state.restored().isEmpty)
        let lostOutcome = state.takeConnectionOutcome(waiter)
        #expect(lostOutcome == nil)
    }

    @Test func connectionWaitersLearnWhyTheClientStopped() {
        var state = ClientState()
        let waiting = state.openConnectionWaiter()
        let refused = MQTTError(.connectionRefused, "bad password", reasonCode: .badUserNameOrPassword)
        _ = state.stop(reason: refused)
        let waitingOutcome = state.takeConnectionOutcome(waiting)
        let later = state.openConnectionWaiter()
        let laterOutcome = state.takeConnectionOutcome(later)
        #expect(waitingOutcome?.failure?.code == .connectionRefused)
        #expect(laterOutcome?.failure?.code == .connectionRefused)

        var plain = ClientState()
        _ = plain.stop(reason: nil)
        let ticket = plain.openConnectionWaiter()
        let plainOutcome = plain.takeConnectionOutcome(ticket)
        #expect(plainOutcome?.failure?.code == .clientStopped)
    }

    private func parkImmediately(_ state: inout ClientState, mid: Int32, ticket: UInt64) -> Result<Acknowledgement, MQTTError>? {
        state.takeAcknowledgement(mid: mid, ticket: ticket)
    }
}

extension Result {
    fileprivate var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }

    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
