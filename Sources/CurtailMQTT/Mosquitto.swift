internal import CMosquitto

/// Facts about the libmosquitto the client runs on.
public enum Mosquitto: Sendable {
    /// The libmosquitto version linked at run time, e.g. `"2.0.11"`.
    public static var libraryVersion: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var revision: Int32 = 0
        _ = mosquitto_lib_version(&major, &minor, &revision)
        return "\(major).\(minor).\(revision)"
    }

    /// The libmosquitto version the client was compiled against.
    public static var headerVersion: String {
        let number = CMosquitto_compiledVersionNumber()
        return "\(number / 1_000_000).\(number / 1000 % 1000).\(number % 1000)"
    }

    /// `mosquitto_lib_init` is not thread-safe: a global `let` runs it exactly once.
    static let initialized: Void = {
        _ = mosquitto_lib_init()
    }()
}
