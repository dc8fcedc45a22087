import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// Reads the certificate a TLS server presents: the chain is verified against the given CA file
/// (or the system store); host name matching is left to the MQTT connection, which checks it.
enum CertificateProbe {
    /// The end of the server certificate's validity, or an error that says why the handshake failed.
    static func notValidAfter(host: String, port: Int, caFile: String?, timeout: TimeAmount = .seconds(5)) async throws -> Date {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .noHostnameVerification
        if let caFile { tls.trustRoots = .file(caFile) }
        let context = try NIOSSLContext(configuration: tls)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    try channel.pipeline.syncOperations.addHandler(HandshakeWatcher())
                }
            }
            .connect(host: host, port: port)
            .get()
        defer { channel.close(promise: nil) }
        let watcher = try await channel.pipeline.handler(type: HandshakeWatcher.self).get()
        try await watcher.done.futureResult.get()
        guard let certificate = try await channel.nioSSL_peerCertificate().get() else {
            throw CertificateProbeError("the server sent no certificate")
        }
        return Date(timeIntervalSince1970: TimeInterval(certificate.notValidAfter))
    }

    /// Succeeds when the handshake completes, fails with its error (once; on the event loop).
    final class HandshakeWatcher: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var done: EventLoopPromise<Void>!
        private var finished = false

        func handlerAdded(context: ChannelHandlerContext) {
            done = context.eventLoop.makePromise()
        }

        private func finish(_ result: Result<Void, any Error>) {
            guard !finished else { return }
            finished = true
            done.completeWith(result)
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .handshakeCompleted = event as? TLSUserEvent { finish(.success(())) }
            context.fireUserInboundEventTriggered(event)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            finish(.failure(error))
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            finish(.failure(CertificateProbeError("the connection closed during the TLS handshake")))
            context.fireChannelInactive()
        }
    }
}

struct CertificateProbeError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
