/// One miner, through its firmware's API. Each call is one exchange (or a short sequence: login,
/// command, logout); none waits for the miner to *finish* a change: the agent reads back.
///
/// Implementations are actors holding their miner's session state (tokens, digest nonces, the
/// mode to restore on wake). The agent never runs two calls on one miner at once.
public protocol MinerDriver: Sendable {
    /// `host:port`, for logs and status.
    var address: String { get }
    /// Reads the miner's mode, power and hashrate.
    func read() async throws(MinerError) -> MinerReading
    /// Puts the miner to sleep (boards off; fans and control board stay up where the firmware allows).
    func sleep() async throws(MinerError)
    /// Wakes the miner (to the mode it ran in before it was put to sleep, where that is known).
    func wake() async throws(MinerError)
    /// Sets the per-miner power target (watts); the firmware may round to a profile or clamp to its
    /// limits: ``read()`` says what it took. Throws `.refused` where the firmware has no targets.
    func setPowerTarget(watts: Double) async throws(MinerError)
}
