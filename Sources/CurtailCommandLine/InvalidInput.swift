/// Input that parsed as arguments but is wrong (an unknown model, a value out of range, a
/// broken file): exits 1 with the message, unlike usage errors, which exit 2.
package struct InvalidInput: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
