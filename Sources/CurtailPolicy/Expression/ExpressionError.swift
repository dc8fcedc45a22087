/// A problem in an expression, with the position it refers to.
public struct ExpressionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Offset of the problem in the expression text, in Unicode scalars from 0.
    public var offset: Int
    /// What is wrong and what was expected.
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "column \(offset + 1): \(message)" }
}
