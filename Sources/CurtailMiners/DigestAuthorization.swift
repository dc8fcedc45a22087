import Crypto

/// HTTP Digest authentication (RFC 7616, MD5, `qop=auth`) as stock Antminer firmware asks for it
/// (realm `antMiner Configuration`). The challenge is kept and the nonce count grows, so each
/// request after the first needs one round trip.
public struct DigestAuthorization: Sendable {
    /// A server's `WWW-Authenticate: Digest ...` challenge.
    public struct Challenge: Hashable, Sendable {
        public var realm: String
        public var nonce: String
        public var qop: String?
        public var opaque: String?

        /// Parses a `WWW-Authenticate` header value; `nil` if it is not a Digest challenge.
        public init?(header: String) {
            guard header.lowercased().hasPrefix("digest ") else { return nil }
            let fields = Self.fields(header.dropFirst(7))
            guard let realm = fields["realm"], let nonce = fields["nonce"] else { return nil }
            self.realm = realm
            self.nonce = nonce
            self.qop = fields["qop"]?.split(separator: ",").map { $0.trimmingCharacters(in: " ") }.first { $0 == "auth" }
            self.opaque = fields["opaque"]
        }

        /// `key=value` and `key="value"` pairs, comma-separated (commas inside quotes kept).
        static func fields(_ text: Substring) -> [String: String] {
            var result: [String: String] = [:]
            var rest = text[...]
            while !rest.isEmpty {
                rest = rest.drop { $0 == " " || $0 == "," }
                guard let equals = rest.firstIndex(of: "=") else { break }
                let key = rest[..<equals].trimmingCharacters(in: " ").lowercased()
                rest = rest[rest.index(after: equals)...]
                var value = ""
                if rest.first == "\"" {
                    rest = rest.dropFirst()
                    let close = rest.firstIndex(of: "\"") ?? rest.endIndex
                    value = String(rest[..<close])
                    rest = close < rest.endIndex ? rest[rest.index(after: close)...] : rest[rest.endIndex...]
                } else {
                    let comma = rest.firstIndex(of: ",") ?? rest.endIndex
                    value = rest[..<comma].trimmingCharacters(in: " ")
                    rest = rest[comma...]
                }
                result[key] = value
            }
            return result
        }
    }

    public let username: String
    let password: String
    public private(set) var challenge: Challenge?
    private var count = 0

    public init(login: MinerLogin) {
        self.username = login.username
        self.password = login.password
    }

    /// Takes a new challenge (after a 401); the nonce count starts again.
    public mutating func accept(_ challenge: Challenge) {
        self.challenge = challenge
        count = 0
    }

    /// The `Authorization` header for `method` on `uri`, or `nil` before any challenge.
    public mutating func header(method: String, uri: String, cnonce: String) -> String? {
        guard let challenge else { return nil }
        count += 1
        let nc = String(count, radix: 16).leftPadded(to: 8)
        let ha1 = Self.md5("\(username):\(challenge.realm):\(password)")
        let ha2 = Self.md5("\(method):\(uri)")
        let response =
            challenge.qop == nil
            ? Self.md5("\(ha1):\(challenge.nonce):\(ha2)") : Self.md5("\(ha1):\(challenge.nonce):\(nc):\(cnonce):auth:\(ha2)")
        var header = "Digest username=\"\(username)\", realm=\"\(challenge.realm)\", nonce=\"\(challenge.nonce)\", uri=\"\(uri)\""
        if challenge.qop != nil { header += ", qop=auth, nc=\(nc), cnonce=\"\(cnonce)\"" }
        header += ", response=\"\(response)\""
        if let opaque = challenge.opaque { header += ", opaque=\"\(opaque)\"" }
        return header
    }

    /// Lower-case hex MD5 of `text`.
    public static func md5(_ text: String) -> String {
        Insecure.MD5.hash(data: Array(text.utf8)).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
