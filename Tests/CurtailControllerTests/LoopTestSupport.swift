import CurtailController
import CurtailCore
import CurtailWire

extension ControllerLoop {
    /// A loop for in-process tests: one controller named `identity`, a lease of `lease` (wall
    /// time) read back for `observeWindow` at start-up.
    init(
        core: ControllerCore,
        observeWindow: Duration,
        journaling: Bool,
        identity: String = "test-controller",
        lease: Duration = .seconds(15)
    ) {
        self.init(
            core: core,
            lease: LeaderLease(identity: identity, settings: .init(lease: lease, observeWindow: observeWindow)),
            journaling: journaling
        )
    }

    /// Handles `input`, then hands the loop back what the broker would echo to it: its own lease
    /// records (it is subscribed to the leader topic). Returns every effect, in order.
    mutating func handleEchoingLease(_ input: Input, now: Timestamp, wall: Duration) -> [Effects] {
        var all: [Effects] = []
        var pending = [input]
        while !pending.isEmpty {
            let effects = handle(pending.removeFirst(), now: now, wall: wall)
            all.append(effects)
            for message in effects.publish where message.topic == core.configuration.topics.leader {
                pending.append(.message(topic: message.topic, payload: message.payload))
            }
        }
        return all
    }
}
