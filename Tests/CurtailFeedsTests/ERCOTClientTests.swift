import AsyncHTTPClient
import CurtailCore
import CurtailFeeds
import CurtailTestSupport
import FakeGridAPIs
import Foundation
import NIOCore
import NIOPosix
import SimulatedHTTP
import Testing

/// The API client against the fake ERCOT API over real HTTP, and the credentials file.
@Suite("ERCOT client")
struct ERCOTClientTests {
    static func withAPI(tokenClock: ManualClock? = nil, _ body: (FakeERCOTAPI, ERCOTClient) async throws -> Void) async throws {
        let ercot = FakeERCOTAPI(settlementPoint: "HB_WEST", series: FeedRig.hbWest, now: { Timestamp(iso8601: "2023-09-06T18:00:00Z")! })
        let channel = try await SimulatedHTTPServer.bind(group: MultiThreadedEventLoopGroup.singleton, host: "127.0.0.1", port: 0) {
            ercot.answer($0)
        }
        let base = "http://127.0.0.1:\(channel.localAddress!.port!)"
        let client = ERCOTClient(
            http: FeedHTTP(client: .shared, timeout: .seconds(10)),
            credentials: ERCOTCredentials(username: ercot.username, password: ercot.password, subscriptionKey: ercot.subscriptionKey),
            apiBase: base,
            tokenURL: base + "/token",
            tokenClock: tokenClock ?? ManualClock(start: Timestamp(iso8601: "2026-12-03T00:00:00Z")!)
        )
        do {
            try await body(ercot, client)
        } catch {
            try? await channel.close()
            throw error
        }
        try? await channel.close()
    }

    static let query = [("deliveryDateFrom", "2023-09-06"), ("deliveryDateTo", "2023-09-06"), ("settlementPoint", "HB_WEST")]

    @Test("the token is renewed a tenth of its life before it expires, without waiting for a 401")
    func renewsBeforeExpiry() async throws {
        let clock = ManualClock(start: Timestamp(iso8601: "2026-12-03T00:00:00Z")!)
        try await Self.withAPI(tokenClock: clock) { ercot, client in
            ercot.setTokenLifetime(seconds: 4)  // renewed after 3.6 s
            let pages = try await client.pages("np6-905-cd/spp_node_zone_hub", product: "NP6-905-CD", parameters: Self.query)
            #expect(pages.first?.rows.count == 51, "the intervals of 00:00-12:45 CDT, 2023-09-06: each visible a minute after it ends")
            clock.advance(by: .seconds(3.5))
            _ = try await client.pages("np6-905-cd/spp_node_zone_hub", product: "NP6-905-CD", parameters: Self.query)
            #expect(ercot.tokensIssued == 1)
            clock.advance(by: .seconds(0.2))
            _ = try await client.pages("np6-905-cd/spp_node_zone_hub", product: "NP6-905-CD", parameters: Self.query)
            #expect(ercot.tokensIssued == 2)
            #expect(!ercot.requests.contains { $0.status == 401 }, "renewed before any 401")
        }
    }

    @Test("a 401 drops the token (the next call fetches one); 429 carries Retry-After; a wrong password is credentials_refused")
    func errors() async throws {
        try await Self.withAPI { ercot, client in
            _ = try await client.pages("np6-905-cd/spp_node_zone_hub", product: "NP6-905-CD", parameters: Self.query)
            ercot.expireTokens()
            await #expect(throws: ERCOTAPIError.self) {
                try await client.pages("np6-905-cd/spp_node_zone_hub", product: "NP6-905-CD", parameters: Self.query)
            }
            _ = try await client.pages("np6-905-cd/spp_node_zone_hub", product: "NP6-905-CD", parameters: Self.query)
            #expect(ercot.tokensIssued == 2)
            ercot.inject(.status(429, retryAfterSeconds: 7), for: .settlement)
            do throws(ERCOTAPIError) {
                _ = try await client.pages("np6-905-cd/spp_node_zone_hub", product: "NP6-905-CD", parameters: Self.query)
                Issue.record("no error")
            } catch {
                #expect(error.kind == .rateLimited && error.retryAfter == .seconds(7))
            }
        }
        let ercot = FakeERCOTAPI(settlementPoint: "HB_WEST", series: FeedRig.hbWest, now: { Timestamp(iso8601: "2023-09-06T18:00:00Z")! })
        let channel = try await SimulatedHTTPServer.bind(group: MultiThreadedEventLoopGroup.singleton, host: "127.0.0.1", port: 0) {
            ercot.answer($0)
        }
        defer { channel.close(promise: nil) }
        let base = "http://127.0.0.1:\(channel.localAddress!.port!)"
        let wrong = ERCOTClient(
            http: FeedHTTP(client: .shared),
            credentials: ERCOTCredentials(username: ercot.username, password: "wrong-password-789", subscriptionKey: ercot.subscriptionKey),
            apiBase: base,
            tokenURL: base + "/token"
        )
        do throws(ERCOTAPIError) {
            _ = try await wrong.pages("np6-905-cd/spp_node_zone_hub", product: "NP6-905-CD", parameters: Self.query)
            Issue.record("no error")
        } catch {
            #expect(error.kind == .credentialsRefused && !error.message.contains("wrong-password-789"))
        }
    }

    @Test("credentials files: every key required, unknown keys refused at their line, no value ever echoed")
    func credentialsFile() throws {
        let directory = FileManager.default.temporaryDirectory
        func load(_ text: String) throws -> ERCOTCredentials {
            let url = directory.appending(path: "ercot-credentials-test-\(UInt32.random(in: 0...UInt32.max)).yaml")
            try text.write(to: url, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: url) }
            return try ERCOTCredentials.load(path: url.path)
        }
        let good = try load("username: a@b.c\npassword: p4ss\nsubscription_key: k3y\n")
        #expect(good.username == "a@b.c" && good.password == "p4ss" && good.subscriptionKey == "k3y")
        #expect(!good.description.contains("p4ss") && !good.description.contains("k3y"))
        #expect(throws: ERCOTCredentials.Problem.self) { try load("username: a@b.c\npassword: p4ss\n") }
        do {
            _ = try load("username: a@b.c\npassword: s3cret-value\nsubscription_key: k3y\napi_key: other-s3cret\n")
            Issue.record("unknown key taken")
        } catch let error as ERCOTCredentials.Problem {
            #expect(error.description.contains(":4:") && error.description.contains("api_key"), "\(error)")
            #expect(!error.description.contains("s3cret"))
        }
        let environment = ["ERCOT_API_USERNAME": "u", "ERCOT_API_PASSWORD": "p"]
        do throws(ERCOTCredentials.Problem) {
            _ = try ERCOTCredentials.fromEnvironment(environment)
            Issue.record("missing key taken")
        } catch {
            #expect(error.description.contains("ERCOT_API_SUBSCRIPTION_KEY"))
        }
    }
}
