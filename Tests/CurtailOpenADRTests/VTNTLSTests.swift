import AsyncHTTPClient
import CurtailFeeds
import CurtailOpenADR
import CurtailPolicyFiles
import CurtailTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// TLS to a VTN: the CA from `openadr.ca_file`, and the client certificate 2.0b VTNs ask for,
/// against `openssl s_server` (a real TLS peer) with throwaway certificates.
@Suite("TLS to the VTN", .enabled(if: TestCertificates.opensslAvailable, "needs openssl"), .timeLimit(.minutes(1)))
struct VTNTLSTests {
    /// `openssl s_server -WWW` serving `openadr3/notifiers` on a free port; `body` gets its base URL.
    static func withServer(
        _ certificates: TestCertificates,
        requireClientCertificate: Bool,
        _ body: (String) async throws -> Void
    ) async throws {
        let root = certificates.directory.appending(path: "www")
        try FileManager.default.createDirectory(at: root.appending(path: "openadr3"), withIntermediateDirectories: true)
        try #"{"WEBHOOK": false}"#.write(to: root.appending(path: "openadr3/notifiers"), atomically: true, encoding: .utf8)
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = probe.localAddress!.port!
        try await probe.close()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        var arguments = [
            "s_server", "-WWW", "-quiet", "-accept", "127.0.0.1:\(port)", "-cert", certificates.serverCertificate, "-key", certificates.serverKey,
        ]
        if requireClientCertificate { arguments += ["-Verify", "1", "-CAfile", certificates.caCertificate] }
        server.arguments = arguments
        server.currentDirectoryURL = root
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            kill(server.processIdentifier, SIGKILL)  // s_server ignores SIGTERM
            server.waitUntilExit()
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while (try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get().close()) == nil {
            guard ContinuousClock.now < deadline else { throw CurtailProcess.Missing(description: "openssl s_server did not listen") }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await body("https://127.0.0.1:\(port)")
    }

    static func get(_ settings: OpenADRSettings, _ url: String) async throws -> FeedHTTP.Response {
        let (client, owned) = try VTNHTTPClient.make(settings)
        #expect(owned)
        do {
            let response = try await FeedHTTP(client: client, timeout: .seconds(5)).send(.GET, url + "/openadr3/notifiers")
            try await client.shutdown()
            return response
        } catch {
            try await client.shutdown()
            throw error
        }
    }

    static func settings(ca: String, cert: String? = nil, key: String? = nil) -> OpenADRSettings {
        var settings = OpenADRSettings(version: .v3_1, vtnURL: "https://127.0.0.1", venName: "west-texas-1")
        settings.caFile = ca
        settings.certFile = cert
        settings.keyFile = key
        return settings
    }

    @Test func theVTNsCertificateIsCheckedAgainstTheConfiguredCA() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await Self.withServer(certificates, requireClientCertificate: false) { url in
            let response = try await Self.get(Self.settings(ca: certificates.caCertificate), url)
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self).contains("WEBHOOK"))
            await #expect(throws: FeedHTTP.Failure.self) { _ = try await Self.get(Self.settings(ca: certificates.otherCACertificate), url) }
        }
    }

    @Test func aClientCertificateIsPresentedWhenTheVTNAsks() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await Self.withServer(certificates, requireClientCertificate: true) { url in
            let settings = Self.settings(ca: certificates.caCertificate, cert: certificates.clientCertificate, key: certificates.clientKey)
            let status = try await Self.get(settings, url).status
            #expect(status == 200)
            await #expect(throws: FeedHTTP.Failure.self) { _ = try await Self.get(Self.settings(ca: certificates.caCertificate), url) }
        }
    }

    @Test func unreadableTLSFilesAreReportedByName() {
        #expect(throws: VTNHTTPClient.Failure.self) { _ = try VTNHTTPClient.make(Self.settings(ca: "/nonexistent/ca.pem")) }
    }
}
