import CurtailWire
import Logging

/// Logs refused inputs (or any repeated problem) at most once per kind per minute, with how
/// many were not logged.
struct OncePerMinuteLog {
    private var last: [String: (at: ContinuousClock.Instant, suppressed: Int)] = [:]

    mutating func log(_ rejection: Rejection, topic: String, at now: ContinuousClock.Instant, logger: Logger) {
        log(
            key: rejection.kind.rawValue,
            level: .warning,
            "input refused: \(rejection.reason)",
            metadata: ["mqtt.topic": "\(topic)", "reason": "\(rejection.kind.rawValue)"],
            at: now,
            logger: logger
        )
    }

    mutating func log(
        key: String,
        level: Logger.Level,
        _ message: @autoclosure () -> String,
        metadata: Logger.Metadata = [:],
        at now: ContinuousClock.Instant,
        logger: Logger
    ) {
        if let entry = last[key], entry.at.duration(to: now) < .seconds(60) {
            last[key] = (entry.at, entry.suppressed + 1)
            return
        }
        let suppressed = last[key]?.suppressed ?? 0
        last[key] = (now, 0)
        var metadata = metadata
        metadata["suppressed_since_last"] = "\(suppressed)"
        logger.log(level: level, "\(message())", metadata: metadata)
    }
}
