package import ArgumentParser

#if canImport(Glibc)
    import Glibc
    private let processExit = Glibc.exit
#elseif canImport(Darwin)
    import Darwin
    private let processExit = Darwin.exit
#endif

/// Runs a command-line tool with Curtail's exit codes: usage errors exit 2 (argument-parser's
/// default is 64), every other failure 1, with the message on stderr.
package enum CommandLineMain {
    /// Parses the arguments for `root`, runs the chosen command and exits.
    package static func run<Root: ParsableCommand>(_ root: Root.Type) async -> Never {
        do {
            var command = try root.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            processExit(0)
        } catch {
            let code = root.exitCode(for: error)
            let message = root.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { StandardStreams.out(message) }
                processExit(0)
            }
            if !message.isEmpty { StandardStreams.err(message) }
            processExit(code == .validationFailure ? 2 : (code.rawValue == 0 ? 1 : code.rawValue))
        }
    }
}
