internal import CZlib

#if canImport(Glibc)
    import Glibc
    private let systemRead = Glibc.read
#elseif canImport(Musl)
    import Musl
    private let systemRead = Musl.read
#elseif canImport(Darwin)
    import Darwin
    private let systemRead = Darwin.read
#endif

/// Reads a whole file into memory, inflating it when it is gzip-compressed (by its magic bytes,
/// whatever its name).
enum FileBytes {
    static func read(_ path: String) throws(HistoryError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw HistoryError(file: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            throw HistoryError(file: path, "cannot read: \(String(cString: strerror(errno)))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw HistoryError(file: path, "is a directory, not a CSV file") }
        var bytes = [UInt8](repeating: 0, count: max(0, Int(info.st_size)))
        var filled = 0
        while filled < bytes.count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                systemRead(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw HistoryError(file: path, "cannot read: \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            filled += got
        }
        bytes.removeSubrange(filled...)
        if bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b {
            return try inflate(bytes, path: path)
        }
        return bytes
    }

    /// Inflates gzip data (all members).
    static func inflate(_ input: [UInt8], path: String) throws(HistoryError) -> [UInt8] {
        var output = [UInt8]()
        output.reserveCapacity(input.count * 6)
        var stream = z_stream()
        // 15 + 16: gzip wrapper only.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw HistoryError(file: path, "cannot start gzip decompression")
        }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var status: Int32 = Z_OK
        var consumed = 0
        input.withUnsafeBufferPointer { source in
            chunk.withUnsafeMutableBufferPointer { buffer in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress!)
                stream.avail_in = UInt32(source.count)
                while true {
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    output.append(contentsOf: buffer[0..<(buffer.count - Int(stream.avail_out))])
                    if status == Z_STREAM_END {
                        // Concatenated gzip members: continue with the next one.
                        consumed = source.count - Int(stream.avail_in)
                        if stream.avail_in > 0 && inflateReset(&stream) == Z_OK { continue }
                        break
                    }
                    if status != Z_OK { break }
                    if stream.avail_in == 0 && stream.avail_out != 0 { break }
                }
            }
        }
        guard status == Z_STREAM_END else {
            let reason = status == Z_BUF_ERROR ? "the file is truncated" : "the data is corrupt (zlib status \(status))"
            throw HistoryError(file: path, "cannot decompress gzip after \(consumed) bytes: \(reason)")
        }
        return output
    }
}
