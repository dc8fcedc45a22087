import ArgumentParser
import CurtailAudit
import CurtailCommandLine
import CurtailController
import CurtailCore
import Foundation

/// `curtail log`: what the audit database recorded in a time range, as a table or CSV.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Print or export what the controller's audit database recorded (commands, decisions, inputs, events, notes).",
        discussion: """
            Times are the controller's clock, ISO-8601 UTC. Example, the commands of one evening as CSV:
              curtail log --db curtail-audit-west-texas-1.sqlite --table commands --from 2023-09-06T23:00:00Z --to 2023-09-07T03:00:00Z --csv
            """
    )

    @Option(help: "The audit database written by `curtail run`.")
    var db: String

    @Option(help: "What to list: \(AuditLog.Table.allCases.map(\.rawValue).joined(separator: ", ")).")
    var table = "commands"

    @Option(help: "From this time (inclusive; default: the beginning).")
    var from: String?

    @Option(help: "To this time (exclusive; default: the end).")
    var to: String?

    @Flag(help: "Print CSV (RFC 4180) instead of an aligned table.")
    var csv = false

    func run() throws {
        guard let kind = AuditLog.Table(rawValue: table) else {
            throw ValidationError("--table must be one of \(AuditLog.Table.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func time(_ text: String?, _ fallback: Int64, _ name: String) throws -> Timestamp {
            guard let text else { return Timestamp(millisecondsSinceEpoch: fallback) }
            guard let time = Timestamp(iso8601: text) else {
                throw ValidationError("--\(name) must be an ISO-8601 time such as 2023-09-06T23:00:00Z")
            }
            return time
        }
        let range = (try time(from, .min / 2, "from"), try time(to, .max / 2, "to"))
        guard FileManager.default.fileExists(atPath: db) else { throw InvalidInput("\(db): no such audit database") }
        let log: AuditLog
        do { log = try AuditLog(path: db) } catch { throw InvalidInput("\(error)") }
        let (columns, rows): ([String], [[String]])
        do { (columns, rows) = try log.rows(kind, from: range.0, to: range.1) } catch { throw InvalidInput("\(error)") }
        if csv {
            print(([columns] + rows).map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\n"))
            return
        }
        guard !columns.isEmpty else {
            print("no \(kind.rawValue) recorded in that range")
            return
        }
        let widths = columns.indices.map { c in min(60, max(columns[c].count, rows.map { $0[c].count }.max() ?? 0)) }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                let text = cell.count > 60 ? String(cell.prefix(59)) + "…" : cell
                return text + String(repeating: " ", count: max(0, widths[c] - text.count))
            }.joined(separator: "  ")
        }
        print(line(columns))
        for row in rows { print(line(row)) }
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
