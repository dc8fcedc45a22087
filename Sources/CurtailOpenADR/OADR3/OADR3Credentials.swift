import CurtailFeeds

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

    /// Reads the file; an unknown key (with its line and column) or a missing one is an error naming it.
    public static func load(path: String) throws(OADR2InputError) -> OADR3Credentials {
        do {
            let values = try SecretsFile.read(path: path, keys: ["client_id", "client_secret"], what: "OpenADR credentials")
            return OADR3Credentials(clientID: values["client_id"]!, clientSecret: values["client_secret"]!)
        } catch {
            throw OADR2InputError(description: error.message)
        }
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
