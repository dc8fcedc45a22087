import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The instance number a `curtail run` takes on its host when no `--instance` is given: the
/// lowest `N` whose lock file `curtail-{site}-{N}.lock` no other process holds, held until the
/// process exits (an advisory `flock`, released by the kernel even on SIGKILL).
///
/// So a service unit and a manual start on the same box get instances 1 and 2, different client
/// ids and different audit databases, and a restarted service gets its number (and its
/// persistent MQTT session) back. The lock directory is `$CURTAIL_LOCK_DIR`, else `/run/lock`,
/// else the temporary directory. Processes must see the same directory to tell each other apart
/// (a systemd unit with `PrivateTmp=` still sees `/run/lock`).
package struct InstanceSlot: Sendable {
    /// The instance name: `1`, `2`, ...
    package let name: String

    /// Takes the lowest free slot for `site`.
    ///
    /// - Throws: ``InvalidInput`` when no lock file can be created.
    package init(site: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let directory = Self.directory(environment: environment)
        for n in 1...64 {
            let path = "\(directory)/curtail-\(site)-\(n).lock"
            // Read-only is enough for flock, and opens a lock file another user left behind.
            let fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw InvalidInput(
                    "cannot create the instance lock \(path): \(String(cString: strerror(errno))); set CURTAIL_LOCK_DIR to a writable directory, or give --instance"
                )
            }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                // The descriptor stays open (and locked) until the process exits.
                name = String(n)
                return
            }
            close(fd)
        }
        throw InvalidInput("64 curtail instances already run for site \(site) on this host (locks in \(directory)); give --instance")
    }

    private static func directory(environment: [String: String]) -> String {
        if let explicit = environment["CURTAIL_LOCK_DIR"], !explicit.isEmpty { return explicit }
        if access("/run/lock", W_OK) == 0 { return "/run/lock" }
        return FileManager.default.temporaryDirectory.path
    }
}
