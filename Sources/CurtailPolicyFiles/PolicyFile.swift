import CurtailCore
public import CurtailPolicy
import Foundation
import Yams

/// Loads policy files (`Policies/*.yaml`) strictly: unknown keys, wrong types, undefined names,
/// type errors and out-of-range values are all reported with `file:line:col`.
public enum PolicyFile: Sendable {
    static let topKeys = ["policy", "description", "site", "economics", "hysteresis", "failsafe", "parameters", "tuning", "rules", "ancillary"]

    /// Loads a policy from disk.
    ///
    /// - Throws: ``FileDiagnostics`` with every problem found.
    public static func load(path: String) throws(FileDiagnostics) -> Policy {
        try parse(try FileText.read(path), file: path)
    }

    /// Parses policy YAML; `file` is used in diagnostics.
    public static func parse(_ text: String, file: String) throws(FileDiagnostics) -> Policy {
        try parseWithReferences(text, file: file).policy
    }

    static func parseWithReferences(_ text: String, file: String) throws(FileDiagnostics) -> (
        policy: Policy, groups: [(name: String, line: Int, column: Int)]
    ) {
        var reader = YAMLReader(file: file, text: text)
        guard let root = reader.compose(text) else { throw FileDiagnostics(reader.diagnostics) }
        let policy = read(root, &reader)
        guard reader.diagnostics.isEmpty, let policy else { throw FileDiagnostics(reader.diagnostics) }
        return (policy, reader.groupReferences)
    }

    static func read(_ root: Node, _ r: inout YAMLReader) -> Policy? {
        guard let top = r.mapping(root, "a policy file", allowed: topKeys, required: ["policy"]) else { return nil }
        let name = top["policy"].flatMap { r.identifier($0, "policy name") } ?? "policy"
        let summary = top["description"].flatMap { r.string($0, "description") } ?? ""
        let site = top["site"].flatMap { r.string($0, "site") }

        // Parameters first: settings and rules refer to them.
        var environment = ExpressionEnvironment()
        var parameters: [Parameter] = []
        var parameterNodes: [String: Node] = [:]
        if let node = top["parameters"], let entries = node.mapping {
            for (key, value) in entries {
                guard let parameterName = key.scalar?.string else { continue }
                guard parameterName.first.map({ $0.isLetter || $0 == "_" }) == true,
                    parameterName.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
                else {
                    r.report(key, "parameter name '\(parameterName)' must be letters, digits and '_', starting with a letter")
                    continue
                }
                guard !ExpressionEnvironment.isReserved(parameterName) else {
                    r.report(key, "parameter name '\(parameterName)' is a built-in name; choose another")
                    continue
                }
                if let parameter = readParameter(parameterName, value, &r) {
                    environment.declareParameter(parameterName, dimension: parameter.dimension)
                    parameters.append(parameter)
                    parameterNodes[parameterName] = value
                }
            }
        } else if let node = top["parameters"] {
            r.report(node, "parameters must be a mapping of names to {default, min, max}, found \(r.kind(node))")
        }
        let settings = SettingReader(parameters: parameters)

        var economics = Policy.Economics()
        if let node = top["economics"],
            let map = r.mapping(
                node,
                "economics",
                allowed: ["price", "pool_fee", "energy_adder_usd_per_mwh", "contract_price_usd_per_mwh", "contract_mw"]
            )
        {
            if let n = map["price"], let text = r.choice(n, "economics.price", ["rt", "da"]) {
                economics.priceSource = Policy.PriceSource(rawValue: text) ?? .realTime
            }
            if let n = map["pool_fee"],
                let s = settings.read(n, "pool_fee", allowed: 0...0.999_999, rangeText: "0 to less than 1 (a fraction: 0.02 is 2 %)", &r)
            {
                economics.poolFee = s
            }
            if let n = map["energy_adder_usd_per_mwh"], let s = settings.read(n, "energy_adder_usd_per_mwh", allowed: -1000...1000, &r) {
                economics.energyAdder = s
            }
            economics.contractPrice = map["contract_price_usd_per_mwh"].flatMap { r.number($0, "contract_price_usd_per_mwh", range: -1000...10_000) }
            economics.contractMW = map["contract_mw"].flatMap { r.number($0, "contract_mw", range: 0...100_000) }
        }

        var hysteresis = Policy.Hysteresis()
        if let node = top["hysteresis"],
            let map = r.mapping(
                node,
                "hysteresis",
                allowed: ["price_band_usd_per_mwh", "curtail_after_intervals", "resume_after_intervals", "min_on", "min_off"]
            )
        {
            if let n = map["price_band_usd_per_mwh"], let s = settings.read(n, "price_band_usd_per_mwh", allowed: 0...10_000, &r) {
                hysteresis.priceBand = s
            }
            if let n = map["curtail_after_intervals"], let s = settings.read(n, "curtail_after_intervals", allowed: 1...1000, integer: true, &r) {
                hysteresis.confirmIntervalsDown = s
            }
            if let n = map["resume_after_intervals"], let s = settings.read(n, "resume_after_intervals", allowed: 1...1000, integer: true, &r) {
                hysteresis.confirmIntervalsUp = s
            }
            if let n = map["min_on"], let s = settings.read(n, "min_on", allowed: 0...604_800, duration: true, &r) {
                hysteresis.minimumOn = s
            }
            if let n = map["min_off"], let s = settings.read(n, "min_off", allowed: 0...604_800, duration: true, &r) {
                hysteresis.minimumOff = s
            }
        }

        var failsafe = Policy.Failsafe()
        if let node = top["failsafe"],
            let map = r.mapping(node, "failsafe", allowed: ["stale_price_after", "on_stale_price", "broker_lost_after", "on_broker_lost"])
        {
            let actions = FailsafeAction.allCases.map(\.rawValue)
            if let n = map["stale_price_after"], let s = settings.read(n, "stale_price_after", allowed: 1...604_800, duration: true, &r) {
                failsafe.stalePriceAfter = s
            }
            if let n = map["on_stale_price"], let text = r.choice(n, "on_stale_price", actions) {
                failsafe.onStalePrice = FailsafeAction(rawValue: text) ?? .hold
            }
            if let n = map["broker_lost_after"], let s = settings.read(n, "broker_lost_after", allowed: 0...604_800, duration: true, &r) {
                failsafe.brokerLostAfter = s
            }
            if let n = map["on_broker_lost"], let text = r.choice(n, "on_broker_lost", actions) {
                failsafe.onBrokerLost = FailsafeAction(rawValue: text) ?? .hold
            }
        }

        var tuning = TuningPenalties()
        if let node = top["tuning"],
            let map = r.mapping(
                node,
                "tuning",
                allowed: ["cycle_penalty_usd", "max_cycles_per_day", "over_max_cycle_penalty_usd", "unmet_obligation_penalty_usd"]
            )
        {
            tuning.cycleUSD = map["cycle_penalty_usd"].flatMap { r.number($0, "cycle_penalty_usd", range: 0...1e9) } ?? 0
            tuning.maxCyclesPerDay = map["max_cycles_per_day"].flatMap { r.number($0, "max_cycles_per_day", range: 0...1000) }
            tuning.overLimitCycleUSD = map["over_max_cycle_penalty_usd"].flatMap { r.number($0, "over_max_cycle_penalty_usd", range: 0...1e9) } ?? 0
            tuning.unmetObligationUSD =
                map["unmet_obligation_penalty_usd"].flatMap { r.number($0, "unmet_obligation_penalty_usd", range: 0...1e9) } ?? 0
            if let n = map["over_max_cycle_penalty_usd"], tuning.maxCyclesPerDay == nil {
                r.report(n, "over_max_cycle_penalty_usd needs max_cycles_per_day: the daily cycles above which it is charged")
            }
        }

        var rules: [Rule] = []
        if let node = top["rules"], let list = r.sequence(node, "rules") {
            var names: Set<String> = []
            for item in list {
                guard let rule = readRule(item, &environment, &r) else { continue }
                if !names.insert(rule.name).inserted {
                    r.report(item, "a rule named '\(rule.name)' already exists; rule names must be unique")
                }
                rules.append(rule)
            }
        }
        let offers = top["ancillary"].map { readAncillary($0, parameters: parameters, &r) } ?? []
        return Policy(
            name: name,
            summary: summary,
            siteReference: site,
            economics: economics,
            hysteresis: hysteresis,
            failsafe: failsafe,
            parameters: parameters,
            tuning: tuning,
            rules: rules,
            ancillaryOffers: offers,
            environment: environment
        )
    }

    static func readParameter(_ name: String, _ node: Node, _ r: inout YAMLReader) -> Parameter? {
        guard
            let map = r.mapping(
                node,
                "parameter '\(name)'",
                allowed: ["default", "min", "max", "step", "unit", "integer", "tune"],
                required: ["default", "min", "max"]
            )
        else {
            return nil
        }
        var dimension = Dimension.none
        if let n = map["unit"] {
            guard let text = n.scalar?.string, let d = Dimension(unitName: text) else {
                r.report(n, "unit of parameter '\(name)' must be one of \(Dimension.unitNames.joined(separator: ", "))")
                return nil
            }
            dimension = d
        }
        let isInteger = map["integer"].flatMap { r.boolean($0, "integer") } ?? false
        let read: (Node, String, inout YAMLReader) -> Double? = { node, key, r in
            dimension == .duration ? r.duration(node, "\(key) of '\(name)'") : r.number(node, "\(key) of '\(name)'")
        }
        guard let defaultNode = map["default"], let minNode = map["min"], let maxNode = map["max"],
            let value = read(defaultNode, "default", &r), let low = read(minNode, "min", &r), let high = read(maxNode, "max", &r)
        else { return nil }
        guard low <= high else {
            r.report(minNode, "min of '\(name)' (\(YAMLReader.format(low))) is above its max (\(YAMLReader.format(high)))")
            return nil
        }
        guard (low...high).contains(value) else {
            r.report(
                defaultNode,
                "default of '\(name)' = \(YAMLReader.format(value)) is outside its range \(YAMLReader.format(low))...\(YAMLReader.format(high))"
            )
            return nil
        }
        if isInteger, value != value.rounded() {
            r.report(defaultNode, "default of '\(name)' must be a whole number (integer: true)")
            return nil
        }
        var step: Double?
        if let n = map["step"] {
            guard let s = read(n, "step", &r), s > 0 else {
                r.report(n, "step of '\(name)' must be a positive number")
                return nil
            }
            step = s
        }
        let tunable = map["tune"].flatMap { r.boolean($0, "tune") } ?? true
        return Parameter(name: name, value: value, range: low...high, step: step, dimension: dimension, isInteger: isInteger, isTunable: tunable)
    }

    static let actionKeys = [
        "cap_site_mw", "floor_site_mw", "price", "price_offset", "strike", "strike_offset", "force_on", "force_off", "hold", "immediate",
    ]

    static func readRule(_ node: Node, _ environment: inout ExpressionEnvironment, _ r: inout YAMLReader) -> Rule? {
        guard let map = r.mapping(node, "a rule", allowed: ["name", "priority", "when", "then", "final"], required: ["name", "when", "then"]) else {
            return nil
        }
        let name = map["name"].flatMap { r.string($0, "rule name") }
        let priority = map["priority"].flatMap { r.integer($0, "priority", range: -1_000_000...1_000_000) } ?? 0
        let isFinal = map["final"].flatMap { r.boolean($0, "final") } ?? false
        let label = "rule '\(name ?? "?")'"
        let condition = map["when"].flatMap { r.expression($0, "\(label) when", expecting: .boolean, in: &environment) }
        var actions: [RuleAction] = []
        if let thenNode = map["then"], let then = r.mapping(thenNode, "\(label) then", allowed: actionKeys) {
            if then.isEmpty { r.report(thenNode, "\(label) has no actions; add one of \(actionKeys.joined(separator: ", "))") }
            // Keep file order for a stable trace.
            let ordered = thenNode.mapping.map { $0.compactMap { $0.key.scalar?.string }.filter { then[$0] != nil } } ?? []
            for key in ordered {
                guard let value = then[key] else { continue }
                let what = "\(label) \(key)"
                switch key {
                case "cap_site_mw":
                    if let e = r.expression(value, what, expecting: .number(.power), in: &environment) { actions.append(.capSite(e)) }
                case "floor_site_mw":
                    if let e = r.expression(value, what, expecting: .number(.power), in: &environment) { actions.append(.floorSite(e)) }
                case "price":
                    if let e = r.expression(value, what, expecting: .number(.price), in: &environment) { actions.append(.price(e)) }
                case "price_offset":
                    if let e = r.expression(value, what, expecting: .number(.price), in: &environment) { actions.append(.priceOffset(e)) }
                case "strike":
                    if let e = r.expression(value, what, expecting: .number(.price), in: &environment) { actions.append(.strike(e)) }
                case "strike_offset":
                    if let e = r.expression(value, what, expecting: .number(.price), in: &environment) { actions.append(.strikeOffset(e)) }
                case "force_on", "force_off", "hold":
                    guard let selection = readSelection(value, what, &r) else { continue }
                    actions.append(key == "force_on" ? .forceOn(selection) : key == "force_off" ? .forceOff(selection) : .hold(selection))
                default:
                    if let flag = r.boolean(value, what), flag { actions.append(.immediate) }
                }
            }
        }
        guard let name, let condition else { return nil }
        return Rule(name: name, priority: priority, condition: condition, actions: actions, isFinal: isFinal)
    }

    static func readSelection(_ node: Node, _ what: String, _ r: inout YAMLReader) -> GroupSelection? {
        if let text = node.scalar?.string {
            if text == "all" { return .all }
            guard let name = r.identifier(node, "\(what) group") else { return nil }
            r.groupReferences.append((name, node.mark?.line ?? 1, node.mark?.column ?? 1))
            return .groups([name])
        }
        guard let list = r.sequence(node, "\(what) (all, a group name or a list of group names)") else { return nil }
        var names: [String] = []
        for item in list {
            if let name = r.identifier(item, "\(what) group") {
                names.append(name)
                r.groupReferences.append((name, item.mark?.line ?? 1, item.mark?.column ?? 1))
            }
        }
        guard !names.isEmpty else {
            r.report(node, "\(what) names no group")
            return nil
        }
        return .groups(names)
    }
}

/// Reads a setting: a literal in range, or the name of a parameter whose range fits.
struct SettingReader {
    let parameters: [Parameter]

    func read(
        _ node: Node,
        _ key: String,
        allowed: ClosedRange<Double>,
        rangeText: String? = nil,
        integer: Bool = false,
        duration: Bool = false,
        _ r: inout YAMLReader
    ) -> Setting? {
        let text = node.scalar?.string ?? ""
        if let index = parameters.firstIndex(where: { $0.name == text }) {
            let parameter = parameters[index]
            guard allowed.contains(parameter.range.lowerBound), allowed.contains(parameter.range.upperBound) else {
                r.report(
                    node,
                    "\(key) refers to parameter '\(text)' whose range \(YAMLReader.format(parameter.range)) goes beyond what \(key) allows: \(rangeText ?? YAMLReader.format(allowed))"
                )
                return nil
            }
            if integer, !parameter.isInteger {
                r.report(node, "\(key) needs a whole number: declare parameter '\(text)' with integer: true")
                return nil
            }
            return .parameter(index, name: text)
        }
        if !duration, node.scalar != nil, YAMLReader.parseNumber(text) == nil {
            r.report(node, "\(key) must be a number or a declared parameter; '\(text)' is neither")
            return nil
        }
        let value: Double?
        if duration {
            value = r.duration(node, key)
        } else if integer {
            value = r.integer(node, key, range: Int(allowed.lowerBound)...Int(allowed.upperBound)).map(Double.init)
            return value.map { .value($0) }
        } else {
            value = r.number(node, key)
        }
        guard let value else { return nil }
        guard allowed.contains(value) else {
            r.report(node, "\(key) = \(YAMLReader.format(value)) is out of range; allowed: \(rangeText ?? YAMLReader.format(allowed))")
            return nil
        }
        return .value(value)
    }
}

/// Reads files as UTF-8 text, reporting failures as diagnostics.
package enum FileText {
    package static func read(_ path: String) throws(FileDiagnostics) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw FileDiagnostics([Diagnostic(file: path, line: 1, column: 1, message: exists ? "cannot read the file" : "no such file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FileDiagnostics([Diagnostic(file: path, line: 1, column: 1, message: "the file is not UTF-8 text")])
        }
        return text
    }
}
