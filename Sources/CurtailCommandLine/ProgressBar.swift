import CurtailCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A one-line progress bar with an ETA on stderr, redrawn at most ten times a second; silent
/// when stderr is not a terminal (CI logs, pipes).
package final class ProgressBar: Sendable {
    private struct State {
        var stage = ""
        var stageStarted = ContinuousClock.now
        var lastDraw = ContinuousClock.now - .seconds(1)
        var drawn = false
    }

    private let state = Mutex(State())
    package let enabled: Bool

    package init(enabled: Bool = isatty(2) != 0) {
        self.enabled = enabled
    }

    /// Shows `done` of `total` in `stage`.
    package func update(stage: String, done: Int, total: Int) {
        guard enabled else { return }
        let now = ContinuousClock.now
        state.withLock { state in
            if state.stage != stage {
                state.stage = stage
                state.stageStarted = now
            }
            guard now - state.lastDraw >= .milliseconds(100) || done == total else { return }
            state.lastDraw = now
            state.drawn = true
            let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
            let elapsed = now - state.stageStarted
            let seconds = elapsed.inSeconds
            let eta = fraction > 0 ? seconds * (1 - fraction) / fraction : 0
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let line = "\r\(stage) [\(bar)] \(done)/\(total) \(Int(fraction * 100))% ETA \(Int(eta.rounded()))s\u{1B}[K"
            StandardStreams.errRaw(line)
        }
    }

    /// Clears the line.
    package func finish() {
        guard enabled else { return }
        state.withLock { state in
            if state.drawn { StandardStreams.errRaw("\r\u{1B}[K") }
            state.drawn = false
        }
    }
}
