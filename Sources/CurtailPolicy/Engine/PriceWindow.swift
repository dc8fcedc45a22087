/// Recent prices within a time window, with running statistics updated as prices arrive.
///
/// The sum is kept incrementally and the values are also kept sorted (binary-search insert
/// and remove), so average, lowest, highest and percentiles cost O(1) to read and O(window)
/// to update at worst, once per price interval.
struct PriceWindow: Sendable {
    let milliseconds: Int64
    private var times: [Int64] = []
    private var values: [Double] = []
    private var head = 0
    private var sum = 0.0
    private var sorted: [Double] = []
    private var count = 0
    /// Whether an order statistic (lowest, highest, percentile) is read: only then is a sorted
    /// copy kept.
    let keepsOrder: Bool

    init(seconds: Double, keepsOrder: Bool = true) {
        milliseconds = Int64(seconds * 1000)
        self.keepsOrder = keepsOrder
    }

    /// Adds the price of the interval starting at `time`, dropping those that started
    /// `window` or more before it.
    mutating func push(time: Int64, value: Double) {
        times.append(time)
        values.append(value)
        sum += value
        count += 1
        if keepsOrder { sorted.insert(value, at: insertionIndex(value)) }
        while head < times.count, times[head] <= time - milliseconds {
            let old = values[head]
            sum -= old
            count -= 1
            if keepsOrder { sorted.remove(at: insertionIndex(old) - 1) }
            head += 1
        }
        if head > 256, head * 2 > times.count {
            times.removeFirst(head)
            values.removeFirst(head)
            head = 0
            // Re-sum now and then so rounding cannot drift.
            sum = values.reduce(0, +)
        }
    }

    /// Replaces the value of the interval starting at `time`, if the window holds it (a later
    /// revision of that interval's price). Returns whether it did.
    @discardableResult
    mutating func revise(time: Int64, value: Double) -> Bool {
        // Intervals are pushed in time order, and revisions are nearly always of the newest.
        var index = times.count - 1
        while index >= head, times[index] > time { index -= 1 }
        guard index >= head, times[index] == time else { return false }
        let old = values[index]
        guard old != value else { return false }
        values[index] = value
        sum += value - old
        if keepsOrder {
            sorted.remove(at: insertionIndex(old) - 1)
            sorted.insert(value, at: insertionIndex(value))
        }
        return true
    }

    private func insertionIndex(_ value: Double) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    func value(of aggregate: Aggregate) -> Double {
        guard count > 0 else { return .nan }
        switch aggregate.kind {
        case .average: return sum / Double(count)
        case .lowest: return sorted[0]
        case .highest: return sorted[sorted.count - 1]
        case .percentile:
            // Linear interpolation between closest ranks.
            let rank = aggregate.percentile / 100 * Double(sorted.count - 1)
            let low = Int(rank.rounded(.down))
            let high = min(low + 1, sorted.count - 1)
            let t = rank - Double(low)
            return sorted[low] + (sorted[high] - sorted[low]) * t
        }
    }

    mutating func clear() {
        times.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        sorted.removeAll(keepingCapacity: true)
        head = 0
        sum = 0
        count = 0
    }
}
