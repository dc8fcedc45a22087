public import CurtailPolicyFiles
public import Foundation

/// A miner's user name and password, resolved from the inventory's reference at start-up.
/// Its description never shows the password.
public struct MinerLogin: Hashable, Sendable, CustomStringConvertible {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Reads the password `miner` refers to: a file's first line or an environment variable; the
    /// factory default (`root`) when the inventory names none.
    ///
    /// - Throws: ``MinerError`` (`.authentication`) naming the source, never its content.
    public static func resolve(_ miner: MinerInventory.Miner, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(MinerError) -> MinerLogin
    {
        switch miner.password {
        case .factoryDefault:
            return MinerLogin(username: miner.username, password: "root")
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw MinerError(.authentication, "the password of \(miner.address) comes from $\(name), which is not set")
            }
            return MinerLogin(username: miner.username, password: value)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw MinerError(.authentication, "cannot read the password file \(path) of \(miner.address); check that it exists and is readable")
            }
            let line = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            guard !line.isEmpty else { throw MinerError(.authentication, "the password file \(path) of \(miner.address) is empty") }
            return MinerLogin(username: miner.username, password: line)
        }
    }

    public var description: String { "\(username):<redacted>" }
}
