public import Foundation
import LocalBroker

/// Where the repository and the shared data are, for every test target.
public enum TestRepository: Sendable {
    /// The repository root.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// `$CURTAIL_DATA`, or `../shared/data` beside the repository (where CI has it).
    public static let data: URL =
        ProcessInfo.processInfo.environment["CURTAIL_DATA"].map { URL(fileURLWithPath: $0) }
        ?? root.deletingLastPathComponent().appending(path: "shared/data")

    /// A path inside the repository.
    public static func path(_ relative: String) -> String { root.appending(path: relative).path }
    /// A file of the shared data.
    public static func dataPath(_ name: String) -> String { data.appending(path: name).path }
    /// `Policies/sites/example-west-texas.yaml`.
    public static let exampleSite = path("Policies/sites/example-west-texas.yaml")
}

/// The broker suites run when mosquitto is installed, and always in CI (where a missing broker
/// must fail the run, not skip it).
public let brokerAvailable = MosquittoBroker.isInstalled || ProcessInfo.processInfo.environment["CI"] != nil
