import CurtailCore
public import CurtailPolicyFiles
import CurtailWire
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
public import NIOPosix
public import ServiceLifecycle
import SimulatedHTTP
import Synchronization

/// Fake miners on loopback addresses, one per inventory entry, each on its own address and real
/// ports (TCP 4028 for LuxOS and stock Antminer, HTTP 80 for Braiins OS and the Antminer CGI),
/// speaking its firmware's protocol: cgminer's framing (one request, JSON + NUL, close), LuxOS
/// sessions, Braiins tokens, Antminer digest auth and its slow CGI, with injectable faults.
///
/// A `Service`: ``run()`` binds every listener, serves until shutdown, then closes them.
/// Thousands of miners fit in one process (each listener is one descriptor).
public final class FakeMinerFleet: Service, Sendable {
    /// One served miner and the ports it listens on.
    public struct Entry: Sendable {
        public var miner: FakeMiner
        public var port: Int
        public var webPort: Int?
    }

    struct State {
        var miners: [FakeMiner]
        var tokens: [Set<String>]
        var random: SeededGenerator
        var faults: [FakeMinerFaults]
        var requests = 0
    }

    public let entries: [Entry]
    let state: Mutex<State>
    let index: [String: Int]
    let start = ContinuousClock.now
    /// Simulated seconds per wall second (1 live; the demo runs faster).
    public let speed: Double
    /// The password every fake accepts (user `root`).
    public let password: String
    /// The Antminer CGI's answer delay (real firmware takes up to ~20 s), wall seconds.
    public let cgiDelay: Double
    /// Where `GET /miners` answers with ``stateJSON()`` (`nil`: nowhere).
    public let control: (host: String, port: Int)?
    let logger: Logger
    let group: MultiThreadedEventLoopGroup
    let bound = Mutex<[any Channel]>([])
    let ready = Mutex<[CheckedContinuation<Void, Never>]>([])
    let isReady = Atomic<Bool>(false)

    /// Serves `inventory`'s miners.
    ///
    /// - Parameters:
    ///   - faults: per-miner faults (by address), `.none` for the rest.
    ///   - speed: simulated seconds per wall second (sleep and wake times shrink by it).
    public init(
        inventory: MinerInventory,
        faults: [String: FakeMinerFaults] = [:],
        defaultFaults: FakeMinerFaults = .none,
        speed: Double = 1,
        password: String = "root",
        cgiDelay: Double = 0,
        control: (host: String, port: Int)? = nil,
        seed: UInt64 = 1,
        logger: Logger = Logger(label: "curtail.fake-miners"),
        group: MultiThreadedEventLoopGroup = .singleton
    ) {
        var entries: [Entry] = []
        for miner in inventory.miners {
            var fake = FakeMiner(firmware: miner.firmware, model: miner.model, host: miner.host)
            fake.sessionExpirySeconds = 60 * speed  // the one-session rule is in the clients' (wall) time
            switch miner.firmware {
            case .luxos: entries.append(Entry(miner: fake, port: miner.port, webPort: nil))
            case .braiins: entries.append(Entry(miner: fake, port: miner.port, webPort: nil))
            case .antminer: entries.append(Entry(miner: fake, port: miner.port, webPort: miner.webPort))
            }
        }
        self.entries = entries
        var index: [String: Int] = [:]
        for (i, miner) in inventory.miners.enumerated() { index[miner.host] = i }
        self.index = index
        self.state = Mutex(
            State(
                miners: entries.map(\.miner),
                tokens: Array(repeating: [], count: entries.count),
                random: SeededGenerator(seed: seed),
                faults: inventory.miners.map { faults[$0.address] ?? defaultFaults }
            )
        )
        self.speed = speed
        self.password = password
        self.cgiDelay = cgiDelay
        self.control = control
        self.logger = logger
        self.group = group
    }

    /// Seconds on the fleet's clock (simulated: wall time × speed).
    public var now: Double { (ContinuousClock.now - start) / .seconds(1) * speed }

    /// A miner's state now, by host.
    public func miner(_ host: String) -> FakeMiner? {
        guard let i = index[host] else { return nil }
        let now = self.now
        return state.withLock { state in
            state.miners[i].advance(to: now)
            return state.miners[i]
        }
    }

    /// Every miner's state now.
    public var miners: [FakeMiner] {
        let now = self.now
        return state.withLock { state in
            for i in state.miners.indices { state.miners[i].advance(to: now) }
            return state.miners
        }
    }

    /// Every miner's state as JSON (`GET /miners` on the control port): what a test compares a
    /// client's view against.
    public func stateJSON() -> [UInt8] {
        let now = self.now
        let list: [JSONValue] = miners.map { miner in
            .object([
                "host": .string(miner.host), "firmware": .string(miner.firmware.rawValue), "model": .string(miner.model.id),
                "mode": .string(miner.mode.rawValue), "power_w": .number(miner.power(at: now).rounded()), "hashrate_th": .number(miner.hashrateTH),
                "power_target_w": .number(miner.powerTargetW), "writes": .number(Double(miner.writes)), "atm_enabled": .bool(miner.atmEnabled),
                "work_mode": .number(Double(miner.workMode)), "last_wake_at": miner.lastWakeAt.map(JSONValue.number) ?? .null,
                "last_sleep_at": miner.lastSleepAt.map(JSONValue.number) ?? .null,
            ])
        }
        return JSONValue.object(["miners": .array(list), "requests": .number(Double(requests))]).encoded()
    }

    /// Requests served so far.
    public var requests: Int { state.withLock { $0.requests } }

    /// Changes a miner's faults while it runs.
    public func setFaults(_ faults: FakeMinerFaults, host: String) {
        guard let i = index[host] else { return }
        state.withLock { $0.faults[i] = faults }
    }

    /// Forgets the Braiins tokens a miner issued (as a reboot does): the next call gets a 401.
    public func forgetTokens(host: String) {
        guard let i = index[host] else { return }
        state.withLock { $0.tokens[i] = [] }
    }

    /// Changes a miner's state while it runs (tests).
    public func update(_ host: String, _ body: @Sendable (inout FakeMiner) -> Void) {
        guard let i = index[host] else { return }
        state.withLock { body(&$0.miners[i]) }
    }

    /// Returns once every listener is bound.
    public func waitUntilReady() async {
        if isReady.load(ordering: .acquiring) { return }
        await withCheckedContinuation { continuation in
            let resumeNow = ready.withLock { waiting -> Bool in
                if isReady.load(ordering: .acquiring) { return true }
                waiting.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    public func run() async throws {
        var channels: [any Channel] = []
        do {
            for (i, entry) in entries.enumerated() {
                let host = entry.miner.host
                switch entry.miner.firmware {
                case .luxos: channels.append(try await bindCGMiner(i, host: host, port: entry.port))
                case .braiins: channels.append(try await bindWeb(i, host: host, port: entry.port))
                case .antminer:
                    channels.append(try await bindCGMiner(i, host: host, port: entry.port))
                    if let web = entry.webPort { channels.append(try await bindWeb(i, host: host, port: web)) }
                }
            }
            if let control { channels.append(try await bindWeb(-1, host: control.host, port: control.port)) }
        } catch {
            for channel in channels { try? await channel.close() }
            throw FakeMinerError(
                "cannot listen for the fake miners: \(error) (each needs its own 127.0.0.N; ports 80 and 4028 need root or CAP_NET_BIND_SERVICE)"
            )
        }
        bound.withLock { $0 = channels }
        isReady.store(true, ordering: .releasing)
        for continuation in ready.withLock({ w in
            defer { w = [] }; return w
        }) { continuation.resume() }
        logger.info("serving \(entries.count) fake miners")
        try? await gracefulShutdown()
        for channel in channels { try? await channel.close() }
    }

    // MARK: Serving

    enum Outcome {
        case answer([UInt8], delay: Double)
        case drop
        case hang
    }

    /// Draws this request's fault.
    func fault(_ i: Int) -> (drop: Bool, hang: Bool, delay: Double, garbage: Bool, lie: Bool) {
        state.withLock { state in
            state.requests += 1
            let f = state.faults[i]
            func roll(_ rate: Double) -> Bool { rate > 0 && state.random.unit() < rate }
            return (roll(f.unreachable), roll(f.hang), roll(f.slow) ? f.slowSeconds : 0, roll(f.garbage), roll(f.notApplied))
        }
    }

    func answerCGMiner(_ i: Int, request: [UInt8]) -> Outcome {
        let f = fault(i)
        if f.drop { return .drop }
        if f.hang { return .hang }
        let now = self.now
        let unix = Int(Date().timeIntervalSince1970)
        var reply = state.withLock { state in
            CGMinerResponder(now: now, unixTime: unix, lie: f.lie).reply(to: request, miner: &state.miners[i])
        }
        if f.garbage { reply = Array(reply.prefix(max(1, reply.count / 2))) + [0] }
        return .answer(reply, delay: f.delay)
    }

    func answerWeb(_ i: Int, request: WebResponder.Request) -> (WebResponder.Response?, delay: Double, hang: Bool) {
        if i < 0 {  // the control port
            guard request.method == "GET", request.path == "/miners" else { return (WebResponder.Response(404), 0, false) }
            var response = WebResponder.Response(200)
            response.headers = [("Content-Type", "application/json")]
            response.body = stateJSON()
            return (response, 0, false)
        }
        let f = fault(i)
        if f.drop { return (nil, 0, false) }
        if f.hang { return (nil, 0, true) }
        let now = self.now
        let password = self.password
        var response = state.withLock { state in
            let nonce = String(UInt64(truncatingIfNeeded: i &* 0x9E37_79B9 &+ 17), radix: 16)
            let refuse = state.faults[i].refuseOutOfRange
            return WebResponder(now: now, password: password, lie: f.lie)
                .respond(to: request, miner: &state.miners[i], tokens: &state.tokens[i], nonce: nonce, refuseOutOfRange: refuse)
        }
        if f.garbage { response.body = Array(response.body.prefix(max(1, response.body.count / 2))) }
        let cgi = request.path.hasPrefix("/cgi-bin/set_miner_conf") ? cgiDelay : 0
        return (response, f.delay + cgi, false)
    }

    func bindCGMiner(_ i: Int, host: String, port: Int) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 100)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(CGMinerHandler(fleet: self, index: i)) }
            }
            .bind(host: host, port: port)
            .get()
    }

    func bindWeb(_ i: Int, host: String, port: Int) async throws -> any Channel {
        try await SimulatedHTTPServer.bind(group: group, host: host, port: port) { [self] request in
            let (response, delay, hang) = answerWeb(i, request: request)
            if hang { return .hang }
            guard let response else { return .drop }
            return .respond(response, delaySeconds: delay)
        }
    }
}

/// Why the fake miners could not start.
public struct FakeMinerError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// cgminer's API framing: read one request (complete JSON, a text line, 4095 bytes or EOF),
/// answer JSON + NUL, close.
final class CGMinerHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let fleet: FakeMinerFleet
    let index: Int
    var request: [UInt8] = []
    var answered = false

    init(fleet: FakeMinerFleet, index: Int) {
        self.fleet = fleet
        self.index = index
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        let buffer = unwrapInboundIn(data)
        request += buffer.readableBytesView
        let complete =
            request.count >= 4095 || (request.first == UInt8(ascii: "{") ? JSONValue.parse(request) != nil : request.last == UInt8(ascii: "\n"))
        if complete { answer(context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed, !answered { answer(context) }
    }

    func answer(_ context: ChannelHandlerContext) {
        answered = true
        switch fleet.answerCGMiner(index, request: Array(request.prefix(4095))) {
        case .drop:
            context.close(promise: nil)
        case .hang:
            // Never answers; the connection is closed after 10 minutes so nothing leaks forever.
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .seconds(600)) { bound.value.close(promise: nil) }
        case .answer(let bytes, let delay):
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            if delay > 0 {
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(delay * 1000))) { Self.send(bytes, bound) }
            } else {
                Self.send(bytes, bound)
            }
        }
    }

    static func send(_ bytes: [UInt8], _ bound: NIOLoopBound<ChannelHandlerContext>) {
        bound.value.writeAndFlush(NIOAny(ByteBuffer(bytes: bytes))).whenComplete { _ in bound.value.close(promise: nil) }
    }
}
