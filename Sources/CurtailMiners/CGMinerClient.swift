import CurtailWire
import NIOCore
public import NIOPosix

/// The CGMiner API client (TCP 4028), as real firmware frames it: one request per connection,
/// the reply is JSON followed by a NUL and the server closes. The reply ends at the first NUL,
/// at EOF, or at a newline once what came parses (firmware that keeps the socket open). Replies
/// over ``maximumReplyBytes`` are cut off as `.oversized`; a reply that does not finish within
/// the timeout is `.timeout`, however slowly it trickles.
public struct CGMinerClient: Sendable {
    public let host: String
    public let port: Int
    /// The whole exchange (connect, send, read) must finish within this.
    public var timeout: Duration
    /// No real reply comes near this (a `stats` is a few kB).
    public var maximumReplyBytes: Int
    let eventLoopGroup: MultiThreadedEventLoopGroup

    public init(
        host: String,
        port: Int = 4028,
        timeout: Duration = .seconds(5),
        maximumReplyBytes: Int = 1 << 20,
        eventLoopGroup: MultiThreadedEventLoopGroup = .singleton
    ) {
        self.host = host
        self.port = port
        self.timeout = timeout
        self.maximumReplyBytes = maximumReplyBytes
        self.eventLoopGroup = eventLoopGroup
    }

    /// `host:port`.
    public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Sends `{"command": command, "parameter": parameter}` and returns the parsed reply. The
    /// parameter (which may hold a LuxOS session id) is never put in an error message.
    public func send(_ command: String, parameter: String? = nil) async throws(MinerError) -> CGMinerReply {
        var json = JSONWriter(capacity: 64)
        json.field("command", command)
        if let parameter { json.field("parameter", parameter) }
        let request: [UInt8]
        do { request = try json.finish("request") } catch { throw MinerError(.malformed, "cannot encode '\(command)'") }
        let bytes = try await exchange(request, command: command)
        return try CGMinerReply(bytes: bytes, command: command)
    }

    /// Sends raw bytes and returns the raw reply (up to the NUL), for tests and odd firmware.
    public func exchange(_ request: [UInt8], command: String) async throws(MinerError) -> [UInt8] {
        let result: Result<[UInt8], MinerError> = await withTaskGroup(of: Result<[UInt8], MinerError>?.self) { group in
            group.addTask { await self.roundTrip(request, command: command) }
            group.addTask {
                try? await Task.sleep(for: self.timeout)
                return Task.isCancelled ? nil : .failure(MinerError(.timeout, "\(self.address) did not answer '\(command)' within \(self.timeout)"))
            }
            var outcome: Result<[UInt8], MinerError> = .failure(MinerError(.timeout, "\(self.address): cancelled"))
            for await next in group {
                guard let next else { continue }
                outcome = next
                group.cancelAll()
                break
            }
            return outcome
        }
        return try result.get()
    }

    private func roundTrip(_ request: [UInt8], command: String) async -> Result<[UInt8], MinerError> {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(.milliseconds(Int64(timeout / .milliseconds(1))))
                .channelOption(.allowRemoteHalfClosure, value: true)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
                }
        } catch {
            return .failure(MinerError(.unreachable, "cannot connect to \(address): \(error)"))
        }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(bytes: request))
                var reply: [UInt8] = []
                for try await chunk in inbound {
                    reply += chunk.readableBytesView
                    if let nul = reply.firstIndex(of: 0) { return .success(Array(reply[..<nul])) }
                    if reply.count > maximumReplyBytes {
                        return .failure(MinerError(.oversized, "\(address) sent more than \(maximumReplyBytes) bytes for '\(command)'"))
                    }
                    if reply.last == UInt8(ascii: "\n"), JSONValue.parse(CGMinerReply.repair(reply)) != nil { return .success(reply) }
                }
                guard !reply.isEmpty else {
                    return .failure(MinerError(.unreachable, "\(address) closed the connection without answering '\(command)'"))
                }
                return .success(reply)  // EOF
            }
        } catch {
            return .failure(MinerError(.unreachable, "\(address) dropped the connection during '\(command)': \(error)"))
        }
    }
}
