import CurtailAudit
import CurtailCore
import CurtailTestSupport
import Foundation
import Testing

/// Upgrades: an audit database written by an earlier release opens in this one, its schema
/// migrated forward and its records intact. The fixtures in `Tests/Fixtures/audit/` were written
/// by each schema (`audit-v2.sqlite` by `curtail run` itself, a few decisions at 95 $/MWh and one
/// refused input); add one whenever a migration is added.
@Suite("Audit database schema")
struct AuditSchemaTests {
    static func copy(_ fixture: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appending(path: "curtail-audit-\(UUID().uuidString).sqlite").path
        try FileManager.default.copyItem(atPath: TestRepository.path("Tests/Fixtures/audit/\(fixture)"), toPath: path)
        return path
    }

    static let all = (from: Timestamp(millisecondsSinceEpoch: 0), to: Timestamp(millisecondsSinceEpoch: 1 << 50))

    @Test("a v1 database (before leases) opens: migrated to v2, its commands read with term 0, nothing lost")
    func fromV1() throws {
        let path = try Self.copy("audit-v1.sqlite")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let audit = try AuditLog(path: path)
        let commands = try audit.rows(.commands, from: Self.all.from, to: Self.all.to)
        let term = try #require(commands.columns.firstIndex(of: "term"), "\(commands.columns)")
        #expect(commands.rows.count == 1)
        #expect(commands.rows.first?[term] == "0")
        #expect(try audit.rows(.inputs, from: Self.all.from, to: Self.all.to).rows.count == 1)
        #expect(try audit.rows(.notes, from: Self.all.from, to: Self.all.to).rows.first?.contains { $0.contains("v1 schema") } == true)
    }

    @Test("a database written by today's schema opens with every record, and a second open changes nothing")
    func current() throws {
        let path = try Self.copy("audit-v2.sqlite")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for _ in 0..<2 {
            let audit = try AuditLog(path: path)
            let commands = try audit.rows(.commands, from: Self.all.from, to: Self.all.to)
            #expect(commands.rows.count == 3)
            let term = try #require(commands.columns.firstIndex(of: "term"))
            #expect(commands.rows.allSatisfy { $0[term] == "1" })
            let inputs = try audit.rows(.inputs, from: Self.all.from, to: Self.all.to)
            #expect(inputs.rows.count == 4)
            #expect(try audit.rows(.decisions, from: Self.all.from, to: Self.all.to).rows.isEmpty == false)
        }
    }
}
