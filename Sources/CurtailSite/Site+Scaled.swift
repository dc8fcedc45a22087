public import CurtailCore

extension Site {
    /// This site grown or shrunk to `groups` groups of 100 miners each, cycling through its own
    /// groups' models (named `NAME-1`, `NAME-2`, ...); import limit and ramp rate scale with the
    /// nameplate. For the demo's `--groups` and the benchmarks' large sites.
    public func scaled(groups: Int) -> Site {
        var scaled = self
        scaled.groups = (0..<groups).map { index in
            var group = self.groups[index % self.groups.count]
            group.name = "\(group.name)-\(index + 1)"
            group.count = 100
            return group
        }
        scaled.maxImport = Megawatts(scaled.nameplatePower.value * 1.05)
        scaled.rampUpMWPerMinute = rampUpMWPerMinute.map { $0 * scaled.nameplatePower.value / max(nameplatePower.value, 0.001) }
        return scaled
    }
}
