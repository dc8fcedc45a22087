public import AsyncHTTPClient
public import CurtailPolicyFiles
import NIOSSL

/// The HTTP client for a VTN: the shared one, or one with the site file's CA and client
/// certificate (`openadr.ca_file`, `cert_file`, `key_file`; 2.0b VTNs authenticate VENs by
/// certificate).
public enum VTNHTTPClient: Sendable {
    /// What the TLS files could not give.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// `HTTPClient.shared` when no TLS file is set, else a new client the caller shuts down.
    public static func make(_ settings: OpenADRSettings) throws(Failure) -> (client: HTTPClient, owned: Bool) {
        guard settings.caFile != nil || settings.certFile != nil else { return (HTTPClient.shared, false) }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        do {
            if let ca = settings.caFile { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) }
            if let cert = settings.certFile, let key = settings.keyFile {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
        } catch {
            throw Failure(description: "openadr TLS files: \(error) (check ca_file, cert_file and key_file)")
        }
        var configuration = HTTPClient.Configuration()
        configuration.tlsConfiguration = tls
        return (HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration), true)
    }
}
