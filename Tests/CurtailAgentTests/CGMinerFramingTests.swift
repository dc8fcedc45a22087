import CurtailMiners
import CurtailWire
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// The CGMiner client's framing against scripted servers that behave as real firmware does
/// (and as broken firmware does).
@Suite("CGMiner API framing")
struct CGMinerFramingTests {
    /// How a scripted server answers.
    enum Script: Sendable {
        /// Write these chunks (a pause between them), then close or keep the socket open.
        case reply([[UInt8]], pause: Duration = .zero, close: Bool)
        /// Read and never answer.
        case silence
    }

    final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let script: Script
        let requests: RequestLog

        init(script: Script, requests: RequestLog) {
            self.script = script
            self.requests = requests
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).readableBytesView)
            requests.list.withLock { $0.append(bytes) }
            guard case .reply(let chunks, let pause, let close) = script else { return }
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            for (index, chunk) in chunks.enumerated() {
                let delay = TimeAmount.nanoseconds(
                    Int64(pause.components.attoseconds / 1_000_000_000 + pause.components.seconds * 1_000_000_000) * Int64(index)
                )
                context.eventLoop.scheduleTask(in: delay) {
                    bound.value.writeAndFlush(NIOAny(ByteBuffer(bytes: chunk)), promise: nil)
                    if close, index == chunks.count - 1 { bound.value.close(promise: nil) }
                }
            }
        }
    }

    final class RequestLog: Sendable {
        let list = Mutex<[[UInt8]]>([])
    }

    /// Serves `script` on 127.0.46.1:`port` while `body` runs; returns what the server received.
    func serve(_ script: Script, port: Int, timeout: Duration = .seconds(10), _ body: (CGMinerClient) async throws -> Void) async throws -> [[UInt8]]
    {
        let requests = RequestLog()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Handler(script: script, requests: requests)) }
            }
            .bind(host: "127.0.46.1", port: port)
            .get()
        defer { channel.close(promise: Optional<EventLoopPromise<Void>>.none) }
        try await body(CGMinerClient(host: "127.0.46.1", port: port, timeout: timeout, maximumReplyBytes: 4096))
        return requests.list.withLock { $0 }
    }

    let summary = Array(#"{"STATUS":[{"STATUS":"S","When":1,"Code":11,"Msg":"Summary"}],"SUMMARY":[{"GHS 5s":"13759.68"}],"id":1}"#.utf8)

    @Test("JSON + NUL then close (cgminer); EOF without NUL; newline on a socket left open (asic-rs' note); split across packets")
    func terminators() async throws {
        for (port, script) in [
            (24001, Script.reply([summary + [0]], close: true)),
            (24002, .reply([summary], close: true)),
            (24003, .reply([summary + Array("\n".utf8)], close: false)),
            (24004, .reply([Array(summary.prefix(30)), Array(summary.dropFirst(30)) + [0]], pause: .milliseconds(50), close: false)),
        ] {
            let sent = try await serve(script, port: port) { client in
                let reply = try await client.send("summary")
                #expect(CGMinerReply.first("SUMMARY", in: reply.json)?["GHS 5s"]?.number == 13759.68, "port \(port)")
            }
            #expect(sent.first.flatMap { JSONValue.parse($0) }?["command"]?.string == "summary", "a compact JSON request")
        }
    }

    @Test("the repairs real firmware needs: ',}', '}{', a stray newline, a leading comma")
    func repairs() async throws {
        let broken = Array(#",{"STATUS":[{"STATUS":"S","Code":11,"Msg":"ok",}],"DEVS":[{"A":1}{"B":2}],"id":1}"#.utf8) + Array("\n".utf8)
        _ = try await serve(.reply([broken + [0]], close: true), port: 24005) { client in
            let reply = try await client.send("devs")
            #expect(CGMinerReply.records("DEVS", in: reply.json).count == 2)
        }
    }

    @Test("garbage, oversized, never-ending and silent replies are errors of their kind; the deadline covers the whole reply")
    func badReplies() async throws {
        func kind(_ script: Script, port: Int, timeout: Duration = .seconds(10)) async throws -> MinerError.Kind? {
            var kind: MinerError.Kind?
            _ = try await serve(script, port: port, timeout: timeout) { client in
                do {
                    _ = try await client.send("summary")
                } catch let error as MinerError {
                    kind = error.kind
                }
            }
            return kind
        }
        #expect(try await kind(.reply([Array("{\"STATUS\":[{\"STAT".utf8) + [0]], close: true), port: 24006) == .malformed)
        #expect(try await kind(.reply([Array(repeating: UInt8(ascii: "x"), count: 5000)], close: false), port: 24007) == .oversized)
        // A byte every 50 ms for 8 s: a deadline reset by each read would wait it out; the
        // client's deadline is for the whole exchange.
        let started = ContinuousClock.now
        #expect(
            try await kind(
                .reply(Array(repeating: Array("{".utf8), count: 160), pause: .milliseconds(50), close: false),
                port: 24008,
                timeout: .seconds(1)
            )
                == .timeout,
            "a reply that trickles"
        )
        #expect(ContinuousClock.now - started < .seconds(7), "ended by the deadline, not by the trickle")
        #expect(try await kind(.silence, port: 24009, timeout: .seconds(1)) == .timeout)
        #expect(try await kind(.reply([[]], close: true), port: 24010) == .unreachable, "closed without a word")
    }
}
