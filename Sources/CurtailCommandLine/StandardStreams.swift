#if canImport(Glibc)
    import Glibc
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    import Darwin
    private let systemWrite = Darwin.write
#endif

/// Unbuffered writes to stdout/stderr (a piped stdout is block-buffered, and a parent process
/// that waits for a "ready" line must see it at once).
package enum StandardStreams {
    package static func out(_ text: String) { write(1, text) }
    package static func err(_ text: String) { write(2, text) }
    /// Stderr without the trailing newline (progress lines redrawn with `\r`).
    package static func errRaw(_ text: String) { write(2, text, newline: false) }

    private static func write(_ descriptor: Int32, _ text: String, newline: Bool = true) {
        var bytes = Array(text.utf8)
        if newline && bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            offset += written
        }
    }
}
