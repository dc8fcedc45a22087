public import Foundation
public import LocalBroker
import Subprocess
import SystemPackage

/// A throwaway CA, a broker certificate for 127.0.0.1 and a client certificate, made with the
/// openssl command for one test and deleted afterwards. No key is ever committed.
public struct TestCertificates: Sendable {
    public let directory: URL
    public var caCertificate: String { directory.appending(path: "ca.pem").path }
    public var serverCertificate: String { directory.appending(path: "server.pem").path }
    public var serverKey: String { directory.appending(path: "server.key").path }
    public var clientCertificate: String { directory.appending(path: "client.pem").path }
    public var clientKey: String { directory.appending(path: "client.key").path }
    public var otherCACertificate: String { directory.appending(path: "other-ca.pem").path }

    /// Whether openssl is installed.
    public static var opensslAvailable: Bool {
        ["/usr/bin/openssl", "/usr/local/bin/openssl"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Makes the CA, the broker and the client certificates in a new temporary directory, valid
    /// for `days` days from now.
    public static func make(days: Int = 1) async throws -> TestCertificates {
        let directory = FileManager.default.temporaryDirectory.appending(path: "curtail-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = TestCertificates(directory: directory)
        let d = directory.path
        let steps: [[String]] = [
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "\(days)", "-subj", "/CN=Curtail Test CA",
                "-keyout", "\(d)/ca.key", "-out", "\(d)/ca.pem",
            ],
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Other CA",
                "-keyout", "\(d)/other-ca.key", "-out", "\(d)/other-ca.pem",
            ],
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "\(d)/server.key", "-out", "\(d)/server.csr"],
            [
                "x509", "-req", "-in", "\(d)/server.csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca.key", "-CAcreateserial",
                "-days", "\(days)", "-extfile", "\(d)/san.cnf", "-out", "\(d)/server.pem",
            ],
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=curtail-controller", "-keyout", "\(d)/client.key", "-out", "\(d)/client.csr"],
            [
                "x509", "-req", "-in", "\(d)/client.csr", "-CA", "\(d)/ca.pem", "-CAkey", "\(d)/ca.key", "-CAcreateserial",
                "-days", "1", "-out", "\(d)/client.pem",
            ],
        ]
        try "subjectAltName = IP:127.0.0.1\n".write(toFile: "\(d)/san.cnf", atomically: true, encoding: .utf8)
        for arguments in steps {
            let result = try await Subprocess.run(
                .path(FilePath("/usr/bin/openssl")),
                arguments: Arguments(arguments),
                output: .discarded,
                error: .string(limit: 1 << 16)
            )
            guard result.terminationStatus.isSuccess else {
                throw CurtailProcess.Missing(description: "openssl \(arguments.first ?? "") failed: \(result.standardError)")
            }
        }
        return certificates
    }

    /// A broker TLS listener serving the broker certificate, trusting this CA for clients.
    public func listener(requireClientCertificate: Bool = false) -> MosquittoBroker.Options.TLS {
        .init(certificateFile: serverCertificate, keyFile: serverKey, caFile: caCertificate, requireClientCertificate: requireClientCertificate)
    }

    /// Deletes the directory.
    public func remove() { try? FileManager.default.removeItem(at: directory) }
}
