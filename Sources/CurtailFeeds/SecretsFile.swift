import Foundation
import Yams

/// A small YAML file of secrets (credentials), read strictly: every key must be one of `keys`,
/// every value a non-empty string, none missing. Problems name the file, the line and column and
/// the key, never a value.
public enum SecretsFile: Sendable {
    /// The values by key; `what` names the file's purpose in messages (e.g. "ERCOT credentials").
    public static func read(path: String, keys: [String], what: String) throws(FeedInputError) -> [String: String] {
        let expected = keys.map { "\($0):" }.joined(separator: ", ")
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw FeedInputError(.malformed, "\(path): cannot read the \(what) file: \(error.localizedDescription)")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw FeedInputError(.malformed, "\(path): not YAML (expected \(expected))")
        }
        guard case .mapping(let mapping)? = node else {
            throw FeedInputError(.malformed, "\(path): expected a mapping with \(expected)")
        }
        var values: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            guard keys.contains(name) else {
                throw FeedInputError(
                    .malformed,
                    "\(path):\(key.mark?.line ?? 0):\(key.mark?.column ?? 0): unknown key '\(name)' (expected \(keys.joined(separator: ", ")))"
                )
            }
            guard let text = value.string, !text.isEmpty else {
                throw FeedInputError(.malformed, "\(path):\(value.mark?.line ?? 0):\(value.mark?.column ?? 0): '\(name)' must be a non-empty string")
            }
            values[name] = text
        }
        for name in keys where values[name] == nil {
            throw FeedInputError(.malformed, "\(path): '\(name)' is missing")
        }
        return values
    }
}
