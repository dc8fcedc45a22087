internal import CMosquitto

/// Topic name and filter checks, done locally before anything is sent.
public enum Topic: Sendable {
    /// Throws unless `topic` is a valid topic name to publish to (non-empty UTF-8, no wildcards).
    public static func validateName(_ topic: String) throws(MQTTError) {
        guard !topic.isEmpty else { throw MQTTError(.invalidTopic, "topic is empty; publish to a topic such as 'grid/ercot/HB_WEST/price'") }
        guard topic.utf8.count <= 65_535 else { throw MQTTError(.invalidTopic, "topic is longer than 65535 bytes") }
        guard !topic.utf8.contains(0) else { throw MQTTError(.invalidTopic, "topic '\(topic)' contains a NUL character") }
        guard mosquitto_pub_topic_check(topic) == MOSQ_ERR_SUCCESS.rawValue else {
            throw MQTTError(.invalidTopic, "topic '\(topic)' contains '+' or '#'; wildcards are only allowed in subscriptions")
        }
    }

    /// Throws unless `filter` is a valid subscription filter (`+` a whole level, `#` only last).
    public static func validateFilter(_ filter: String) throws(MQTTError) {
        guard !filter.isEmpty else { throw MQTTError(.invalidTopicFilter, "topic filter is empty; use e.g. 'grid/#'") }
        guard filter.utf8.count <= 65_535 else { throw MQTTError(.invalidTopicFilter, "topic filter is longer than 65535 bytes") }
        guard !filter.utf8.contains(0) else { throw MQTTError(.invalidTopicFilter, "topic filter '\(filter)' contains a NUL character") }
        guard mosquitto_sub_topic_check(filter) == MOSQ_ERR_SUCCESS.rawValue else {
            throw MQTTError(
                .invalidTopicFilter,
                "topic filter '\(filter)' is invalid: '+' must fill a whole level and '#' must be the last level (e.g. 'site/+/groups/#')"
            )
        }
    }

    /// `true` when `topic` matches the subscription `filter` (wildcards `+` and `#`).
    public static func matches(_ topic: String, filter: String) -> Bool {
        var result = false
        guard mosquitto_topic_matches_sub(filter, topic, &result) == MOSQ_ERR_SUCCESS.rawValue else { return false }
        return result
    }
}
