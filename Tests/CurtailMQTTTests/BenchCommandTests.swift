import CurtailCommandLine
import CurtailTestSupport
import Foundation
import LocalBroker
import Subprocess
import SystemPackage
import Testing

struct LatencySummaryTests {
    @Test func nearestRankPercentiles() throws {
        let samples: [Int64] = (1...100).reversed().map { Int64($0) }
        let summary = try #require(LatencySummary(samples))
        let figures: [Int64] = [Int64(summary.count), summary.p50, summary.p90, summary.p99, summary.max]
        #expect(figures == [100, 50, 90, 99, 100])
        #expect(LatencySummary([]) == nil)
        #expect(LatencySummary([7])?.p99 == 7)
    }
}

@Suite("curtail-bench mqtt", .enabled(if: brokerAvailable, "needs the mosquitto broker"), .timeLimit(.minutes(2)))
struct BenchCommandTests {
    @Test func printsBothRelaysAndTheirRatio() async throws {
        let result = try await Subprocess.run(
            .path(FilePath(try CurtailProcess.benchExecutable())),
            arguments: ["mqtt", "--count", "300", "--warmup", "50", "--rounds", "1"],
            output: .string(limit: 1 << 20),
            error: .string(limit: 1 << 20)
        )
        #expect(result.terminationStatus.isSuccess, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        let c = try #require(lines.first { $0.hasPrefix("C libmosquitto relay") })
        let swift = try #require(lines.first { $0.hasPrefix("Swift CurtailMQTT relay") })
        #expect(lines.contains { $0.hasPrefix("Swift / C") })
        #expect(lines.contains { $0.hasPrefix("goal: Swift p99 within 2x of C p99:") })
        // Four positive latencies per relay row.
        for row in [c, swift] {
            let numbers = row.split(separator: " ").compactMap { Double($0) }
            #expect(numbers.count == 4 && numbers.allSatisfy { $0 > 0 }, "\(row)")
        }
    }

    @Test func rejectsNonsenseOptions() async throws {
        let result = try await Subprocess.run(
            .path(FilePath(try CurtailProcess.benchExecutable())),
            arguments: ["mqtt", "--count", "0"],
            output: .discarded,
            error: .string(limit: 1 << 16)
        )
        #expect(result.terminationStatus == .exited(2))
        #expect(result.standardError.contains("--count, --rounds and --fanout must be positive"))
    }
}
