/// Why a controller could not start. The message says what to fix.
public struct ControllerError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong and what to change.
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
