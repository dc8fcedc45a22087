import CurtailOpenADR
import Foundation
import Testing

@Suite("OpenADR 3.1 credentials")
struct OADR3CredentialsTests {
    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appending(path: "openadr-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func readsTheFileAndNeverShowsTheSecret() throws {
        let path = try Self.file("client_id: site-ven\nclient_secret: s3cret\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let credentials = try OADR3Credentials.load(path: path)
        #expect(credentials.clientID == "site-ven" && credentials.clientSecret == "s3cret")
        #expect(!"\(credentials)".contains("s3cret"))
    }

    @Test(
        arguments: [
            ("client_id: a\nclient_secret: b\nclient_secrte: c\n", ":3:1: unknown key 'client_secrte'"),
            ("client_id: a\n", "'client_secret' is missing"),
            ("client_id: a\nclient_secret: ''\n", ":2:16: 'client_secret' must be a non-empty string"),
        ]
    )
    func mistakesAreNamedWithoutValues(text: String, message: String) throws {
        let path = try Self.file(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try OADR3Credentials.load(path: path)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test func theEnvironmentGivesBothOrNeither() throws {
        #expect(try OADR3Credentials.fromEnvironment([:]) == nil)
        #expect(try OADR3Credentials.fromEnvironment(["OPENADR_CLIENT_ID": "a", "OPENADR_CLIENT_SECRET": "b"])?.clientID == "a")
        #expect(throws: OADR2InputError.self) { try OADR3Credentials.fromEnvironment(["OPENADR_CLIENT_ID": "a"]) }
    }
}
