import Foundation

/// The shipped Grafana dashboard (`docs/grafana/curtail.json`), read for the metric names its
/// queries use, so a test can check them against what the code exports.
public enum GrafanaDashboard: Sendable {
    public static let path = TestRepository.path("docs/grafana/curtail.json")

    /// Every `curtail_…` metric a panel query or template variable names, without the
    /// histogram suffixes (`_bucket`, `_sum`, `_count`).
    public static func metricNames() throws -> Set<String> {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var queries: [String] = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                for (key, item) in object {
                    if (key == "expr" || key == "query"), let text = item as? String { queries.append(text) }
                    collect(item)
                }
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(try JSONSerialization.jsonObject(with: data))
        let pattern = try NSRegularExpression(pattern: "curtail_[a-z_]+")
        var names = Set<String>()
        for query in queries {
            for match in pattern.matches(in: query, range: NSRange(query.startIndex..., in: query)) {
                guard let range = Range(match.range, in: query) else { continue }
                var name = String(query[range])
                for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) { name = String(name.dropLast(suffix.count)) }
                names.insert(name)
            }
        }
        return names
    }
}
