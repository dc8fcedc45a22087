/// Callers waiting for an outcome that another thread delivers, keyed by `Key`.
///
/// A slot is opened *before* its caller suspends, so an outcome (or a timeout) that comes first is
/// kept in the slot and handed over when the caller parks. Each slot carries a ticket, so a late
/// timeout for an old caller cannot fail a newer caller that reuses the same key.
struct WaiterTable<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    typealias Continuation = CheckedContinuation<Result<Value, MQTTError>, Never>

    private struct Slot: Sendable {
        var ticket: UInt64
        var outcome: Result<Value, MQTTError>?
        var continuation: Continuation?
    }

    private var slots: [Key: Slot] = [:]

    func contains(_ key: Key) -> Bool { slots[key] != nil }

    /// Opens a slot, optionally with its outcome already known.
    mutating func open(_ key: Key, ticket: UInt64, outcome: Result<Value, MQTTError>? = nil) {
        slots[key] = Slot(ticket: ticket, outcome: outcome)
    }

    /// Delivers the outcome for `key` (for the caller holding `ticket`, or any caller when `nil`).
    /// Returns the continuation to resume with it when the caller is already parked.
    mutating func resolve(_ key: Key, ticket: UInt64? = nil, _ outcome: Result<Value, MQTTError>) -> Continuation? {
        guard var slot = slots[key], ticket == nil || slot.ticket == ticket, slot.outcome == nil else { return nil }
        if let continuation = slot.continuation {
            slots[key] = nil
            return continuation
        }
        slot.outcome = outcome
        slots[key] = slot
        return nil
    }

    /// Parks the caller. Returns the outcome instead when it is already known (or the slot is gone).
    mutating func park(_ key: Key, ticket: UInt64, _ continuation: Continuation) -> Result<Value, MQTTError>? {
        guard var slot = slots[key], slot.ticket == ticket else {
            return .failure(MQTTError(.clientStopped, "the MQTT client stopped while waiting for the broker"))
        }
        if let outcome = slot.outcome {
            slots[key] = nil
            return outcome
        }
        slot.continuation = continuation
        slots[key] = slot
        return nil
    }

    /// Takes the outcome for `key` if it is known (removing the slot); `nil` while it is pending.
    mutating func take(_ key: Key, ticket: UInt64) -> Result<Value, MQTTError>? {
        guard let slot = slots[key], slot.ticket == ticket, let outcome = slot.outcome else { return nil }
        slots[key] = nil
        return outcome
    }

    /// Resolves every slot with `outcome`; returns the parked continuations to resume.
    mutating func resolveAll(_ outcome: Result<Value, MQTTError>) -> [Continuation] {
        var parked: [Continuation] = []
        for (key, slot) in slots where slot.outcome == nil {
            if let continuation = slot.continuation {
                parked.append(continuation)
                slots[key] = nil
            } else {
                slots[key]?.outcome = outcome
            }
        }
        return parked
    }
}
