import CurtailWire
import Foundation
import NIOHTTP1

/// A mempool.space-style HTTP API (mempool.space, or a self-hosted mempool): price, difficulty,
/// tip height and the fees of the last 144 blocks.
///
/// - `GET {base}/api/v1/prices` → `{"time": ..., "USD": 97000, ...}`
/// - `GET {base}/api/v1/mining/hashrate/3d` → `{"currentDifficulty": ..., ...}`
/// - `GET {base}/api/blocks/tip/height` → `875000` (plain text)
/// - `GET {base}/api/v1/mining/reward-stats/144` → `{"startBlock", "endBlock", "totalFee" (sats), ...}`
public struct MempoolSource: Sendable {
    /// The public instance.
    public static let defaultBase = "https://mempool.space"
    /// Blocks whose fees are averaged (about a day).
    public static let feeWindow = 144

    let http: FeedHTTP
    let base: String

    public init(http: FeedHTTP, base: String = defaultBase) {
        self.http = http
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    /// Why a read failed.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// No answer, or an HTTP error.
        case unavailable(String)
        /// An answer of the wrong shape.
        case refused(FeedInputError)

        public var description: String {
            switch self {
            case .unavailable(let text): text
            case .refused(let error): error.message
            }
        }
    }

    /// Reads the four inputs.
    public func read() async throws(Failure) -> HashPriceInputs {
        let price = try await object("/api/v1/prices")
        let hashrate = try await object("/api/v1/mining/hashrate/3d")
        let heightText = String(decoding: try await body("/api/blocks/tip/height"), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let rewards = try await object("/api/v1/mining/reward-stats/\(Self.feeWindow)")
        guard let height = Int(heightText) else {
            throw .refused(FeedInputError(.malformed, "/api/blocks/tip/height: '\(heightText.prefix(20))' is not a block height"))
        }
        let usd = try number(price, "USD", "/api/v1/prices")
        let difficulty = try number(hashrate, "currentDifficulty", "/api/v1/mining/hashrate/3d")
        let totalFee = try number(rewards, "totalFee", "/api/v1/mining/reward-stats")
        var blocks = Double(Self.feeWindow)
        if let start = try? number(rewards, "startBlock", ""), let end = try? number(rewards, "endBlock", ""), end >= start {
            blocks = end - start + 1
        }
        return HashPriceInputs(btcUSD: usd, difficulty: difficulty, height: height, feesBTCPerBlock: totalFee / 100_000_000 / blocks)
    }

    private func body(_ path: String) async throws(Failure) -> [UInt8] {
        let response: FeedHTTP.Response
        do {
            response = try await http.send(.GET, base + path, headers: [("Accept", "application/json")])
        } catch {
            throw .unavailable(error.description)
        }
        guard response.status == 200 else { throw .unavailable("\(path): HTTP \(response.status)") }
        return response.body
    }

    private func object(_ path: String) async throws(Failure) -> [String: JSONValue] {
        let bytes = try await body(path)
        guard case .object(let object)? = JSONValue.parse(bytes) else {
            throw .refused(FeedInputError(.malformed, "\(path): the answer is not a JSON object"))
        }
        return object
    }

    private func number(_ object: [String: JSONValue], _ key: String, _ path: String) throws(Failure) -> Double {
        switch object[key] {
        case .number(let n)?: return n
        case .string(let s)?: if let n = Double(s) { return n }
        case nil: throw .refused(FeedInputError(.missingField, "\(path): no '\(key)'"))
        default: break
        }
        throw .refused(FeedInputError(.wrongType, "\(path): '\(key)' is not a number"))
    }
}
