import CurtailPolicyFiles
import Foundation
import Yams

/// OAuth2 client credentials for a 3.1 VTN: from a YAML file (`client_id`, `client_secret`) or
/// the environment (`OPENADR_CLIENT_ID`, `OPENADR_CLIENT_SECRET`). Its description never shows
/// the secret.
public struct OADR3Credentials: Sendable, CustomStringConvertible {
    public var clientID: String
    public var clientSecret: String

    public init(clientID: String, clientSecret: String) {
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    public var description: String { "OpenADR client \(clientID) (secret redacted)" }

    /// Reads the file; an unknown or missing key is an error naming it.
    public static func load(path: String) throws(OADR2InputError) -> OADR3Credentials {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw OADR2InputError(description: "\(path): cannot read the OpenADR credentials file")
        }
        guard let map = (try? Yams.load(yaml: text)) as? [String: Any] else {
            throw OADR2InputError(description: "\(path): expected a mapping with client_id and client_secret")
        }
        if let unknown = map.keys.first(where: { !["client_id", "client_secret"].contains($0) }) {
            throw OADR2InputError(description: "\(path): unknown key '\(unknown)' (allowed: client_id, client_secret)")
        }
        guard let id = map["client_id"].map({ "\($0)" }), !id.isEmpty else { throw OADR2InputError(description: "\(path): client_id is missing") }
        guard let secret = map["client_secret"].map({ "\($0)" }), !secret.isEmpty else {
            throw OADR2InputError(description: "\(path): client_secret is missing")
        }
        return OADR3Credentials(clientID: id, clientSecret: secret)
    }

    /// From the environment, or `nil` when neither variable is set (an unauthenticated VTN).
    public static func fromEnvironment(_ environment: [String: String]) throws(OADR2InputError) -> OADR3Credentials? {
        let id = environment["OPENADR_CLIENT_ID"]
        let secret = environment["OPENADR_CLIENT_SECRET"]
        switch (id, secret) {
        case (nil, nil): return nil
        case (let id?, let secret?) where !id.isEmpty && !secret.isEmpty: return OADR3Credentials(clientID: id, clientSecret: secret)
        default: throw OADR2InputError(description: "set both OPENADR_CLIENT_ID and OPENADR_CLIENT_SECRET, or neither")
        }
    }
}
