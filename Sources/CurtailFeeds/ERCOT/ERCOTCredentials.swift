import Foundation

/// What ERCOT's public API needs: the API Explorer account (user name and password, traded for
/// an id token) and the subscription key. From a file or the environment, never the command
/// line; ``description`` never shows a secret.
public struct ERCOTCredentials: Sendable, CustomStringConvertible {
    /// The API Explorer account (logged).
    public var username: String
    /// Its password (never logged).
    public var password: String
    /// The API subscription key (never logged).
    public var subscriptionKey: String

    /// The environment variables read when no file is given.
    public static let environmentNames = (
        username: "ERCOT_API_USERNAME", password: "ERCOT_API_PASSWORD", subscriptionKey: "ERCOT_API_SUBSCRIPTION_KEY"
    )

    public init(username: String, password: String, subscriptionKey: String) {
        self.username = username
        self.password = password
        self.subscriptionKey = subscriptionKey
    }

    public var description: String { "ERCOT API credentials for \(username) (password and subscription key redacted)" }

    /// Why credentials could not be read.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Reads a YAML file with `username`, `password` and `subscription_key`.
    ///
    /// - Throws: ``Problem`` naming the file and the missing or unknown key (never a value).
    public static func load(path: String) throws(Problem) -> ERCOTCredentials {
        let values: [String: String]
        do {
            values = try SecretsFile.read(path: path, keys: ["username", "password", "subscription_key"], what: "ERCOT credentials")
        } catch {
            throw Problem(description: error.message)
        }
        return ERCOTCredentials(username: values["username"]!, password: values["password"]!, subscriptionKey: values["subscription_key"]!)
    }

    /// Reads ``environmentNames``.
    ///
    /// - Throws: ``Problem`` naming the variables that are unset.
    public static func fromEnvironment(_ environment: [String: String]) throws(Problem) -> ERCOTCredentials {
        let names = environmentNames
        let missing = [names.username, names.password, names.subscriptionKey].filter { (environment[$0] ?? "").isEmpty }
        guard missing.isEmpty else {
            throw Problem(
                description:
                    "no ERCOT API credentials: give --credentials FILE, or set \(missing.joined(separator: ", ")) (register at apiexplorer.ercot.com)"
            )
        }
        return ERCOTCredentials(
            username: environment[names.username]!,
            password: environment[names.password]!,
            subscriptionKey: environment[names.subscriptionKey]!
        )
    }
}
