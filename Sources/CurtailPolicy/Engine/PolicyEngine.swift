public import CurtailCore

/// The decision engine: a policy bound to a site. Feed it one ``DecisionInput`` per tick and it
/// returns per-group targets with the rules that fired.
///
/// Pure and deterministic: no clock (time comes in the input), no I/O, no allocation per tick
/// once warm. Live control, replay and tuning all drive this type.
public struct PolicyEngine: Sendable {
    public let policy: Policy
    public let site: Site
    /// Current parameter values, in policy order.
    public private(set) var parameterValues: [Double]

    private var dispatcher: Dispatcher
    private var context: ExpressionContext
    /// What ancillary offers read (parameters and the day-before figures).
    private var offerContext: ExpressionContext
    /// The offers flattened: per offer its product's bit and whether it has a floor, and its
    /// condition, MW and floor in one program set (3 programs per offer, the MW standing in for a
    /// missing floor and never read), so an hour's offers touch no reference-counted storage.
    private let offerBits: [UInt8]
    private let offerHasFloor: [Bool]
    private let offerPrograms: ProgramSet
    private let siteSleepMW: Double
    private var directives: DispatchDirectives
    private var windows: [PriceWindow]
    private let aggregateWindow: [Int]
    /// Every rule's actions flattened, with their value expressions in one program set and
    /// their group selections in one index array: applying a rule touches no reference-counted
    /// storage.
    private let actions: [FlatAction]
    private let ruleActions: [Range<Int>]
    private let actionPrograms: ProgramSet
    /// Values of the action programs that read only parameters, computed when parameters change
    /// (NaN for the others, which are evaluated when their rule fires).
    private var fixedActionValues: [Double] = []
    private let selectedGroups: [Int]
    private let needsLocalTime: Bool
    private let needsEvents: Bool
    private var lastPriceInterval: Int64?
    /// The price the windows hold for `lastPriceInterval` (a revision of it replaces it).
    private var lastPriceValue = Double.nan
    private var eventBaselines: [String: Double] = [:]
    private var firedScratch: [Int] = []
    private var conditionValues: [Double] = []
    // Settings resolved from the parameters (by applyParameters), not per tick.
    private var breakEvenPerHashPrice: (max: Double, min: Double) = (.nan, .nan)
    private var energyAdder = 0.0
    private var stalePriceAfter = 0.0
    private var brokerLostAfter = 0.0
    /// Rule conditions, flattened, in priority order.
    private let conditions: ProgramSet
    private let finalRules: [Bool]

    /// Binds a policy to a site.
    ///
    /// - Parameters:
    ///   - parameters: values overriding the policy's defaults, by name.
    /// - Throws: ``PolicyError`` when a rule names a group the site lacks, or a parameter is
    ///   unknown or out of range.
    public init(policy: Policy, site: Site, parameters: [String: Double] = [:]) throws(PolicyError) {
        self.policy = policy
        self.site = site
        var values = policy.parameters.map(\.value)
        for (name, value) in parameters {
            guard let index = policy.parameterIndex(name) else {
                throw .unknownParameter(name, known: policy.parameters.map(\.name))
            }
            guard policy.parameters[index].range.contains(value) else {
                throw .outOfRange(name, value, policy.parameters[index].range)
            }
            values[index] = value
        }
        parameterValues = values
        let names = site.groups.map(\.name)
        var selections: [[[Int]]] = []
        for rule in policy.rules {
            var perAction: [[Int]] = []
            for action in rule.actions {
                switch action {
                case .forceOn(let selection), .forceOff(let selection), .hold(let selection):
                    switch selection {
                    case .all:
                        perAction.append(Array(names.indices))
                    case .groups(let list):
                        var indices: [Int] = []
                        for name in list {
                            guard let index = names.firstIndex(of: name) else {
                                throw .unknownGroup(name, rule: rule.name, known: names)
                            }
                            indices.append(index)
                        }
                        perAction.append(indices)
                    }
                default:
                    perAction.append([])
                }
            }
            selections.append(perAction)
        }
        var actions: [FlatAction] = []
        var ruleActions: [Range<Int>] = []
        var programs: [CompiledExpression] = []
        var selectedGroups: [Int] = []
        for (r, rule) in policy.rules.enumerated() {
            let start = actions.count
            for (a, action) in rule.actions.enumerated() {
                var flat = FlatAction(kind: .immediate, program: -1, groups: 0..<0)
                switch action {
                case .capSite(let e): flat.kind = .capSite; flat.program = programs.count; programs.append(e)
                case .floorSite(let e): flat.kind = .floorSite; flat.program = programs.count; programs.append(e)
                case .price(let e): flat.kind = .price; flat.program = programs.count; programs.append(e)
                case .priceOffset(let e): flat.kind = .priceOffset; flat.program = programs.count; programs.append(e)
                case .strike(let e): flat.kind = .strike; flat.program = programs.count; programs.append(e)
                case .strikeOffset(let e): flat.kind = .strikeOffset; flat.program = programs.count; programs.append(e)
                case .forceOn, .forceOff, .hold:
                    flat.kind = {
                        if case .forceOn = action { return .forceOn }; if case .forceOff = action { return .forceOff }; return .hold
                    }()
                    flat.groups = selectedGroups.count..<(selectedGroups.count + selections[r][a].count)
                    selectedGroups += selections[r][a]
                case .immediate: flat.kind = .immediate
                }
                actions.append(flat)
            }
            ruleActions.append(start..<actions.count)
        }
        self.actions = actions
        self.ruleActions = ruleActions
        self.actionPrograms = ProgramSet(programs)
        self.selectedGroups = selectedGroups
        conditions = ProgramSet(policy.rules.map(\.condition))
        finalRules = policy.rules.map(\.isFinal)
        let environment = policy.environment
        var windowSeconds: [Double] = []
        var aggregateWindow: [Int] = []
        for aggregate in environment.aggregates {
            if let index = windowSeconds.firstIndex(of: aggregate.windowSeconds) {
                aggregateWindow.append(index)
            } else {
                windowSeconds.append(aggregate.windowSeconds)
                aggregateWindow.append(windowSeconds.count - 1)
            }
        }
        self.aggregateWindow = aggregateWindow
        windows = windowSeconds.enumerated().map { index, seconds in
            let ordered = environment.aggregates.indices.contains { aggregateWindow[$0] == index && environment.aggregates[$0].kind != .average }
            return PriceWindow(seconds: seconds, keepsOrder: ordered)
        }
        needsLocalTime = environment.usedVariables.contains { $0.needsLocalTime }
        needsEvents =
            !environment.eventPrograms.isEmpty || environment.usedVariables.contains(.eventActive)
            || environment.usedVariables.contains(.eventCapMW)
        context = ExpressionContext(
            parameterCount: policy.parameters.count,
            aggregateCount: environment.aggregates.count,
            eventCount: environment.eventPrograms.count
        )
        offerContext = ExpressionContext(parameterCount: policy.parameters.count, aggregateCount: 0, eventCount: 0)
        offerBits = policy.ancillaryOffers.map { UInt8(1) << UInt8($0.product.rawValue) }
        offerHasFloor = policy.ancillaryOffers.map { $0.minimumPrice != nil }
        offerPrograms = ProgramSet(
            policy.ancillaryOffers.flatMap { offer in [offer.condition, offer.megawatts, offer.minimumPrice ?? offer.megawatts] }
        )
        siteSleepMW = site.sleepPower.value
        directives = DispatchDirectives(price: .nan, hashPrice: 0, groupCount: site.groups.count)
        dispatcher = Dispatcher(site: site, settings: DispatchSettings())
        firedScratch.reserveCapacity(policy.rules.count)
        applyParameters()
    }

    /// The site's bid curve.
    public var bidCurve: BidCurve { dispatcher.curve }

    /// The dispatch settings in force (from the hysteresis section and parameters).
    public var dispatchSettings: DispatchSettings { dispatcher.settings }

    /// Sets one parameter.
    ///
    /// - Throws: ``PolicyError`` for an unknown name or a value outside the declared range.
    public mutating func set(parameter name: String, to value: Double) throws(PolicyError) {
        guard let index = policy.parameterIndex(name) else { throw .unknownParameter(name, known: policy.parameters.map(\.name)) }
        guard policy.parameters[index].range.contains(value) else { throw .outOfRange(name, value, policy.parameters[index].range) }
        parameterValues[index] = value
        applyParameters()
    }

    /// Sets every parameter at once (policy order), applying them once.
    ///
    /// - Throws: ``PolicyError`` for a value outside its declared range, or a count that is not
    ///   the number of parameters.
    public mutating func set(parameters values: [Double]) throws(PolicyError) {
        guard values.count == policy.parameters.count else {
            throw PolicyError("\(values.count) parameter values given, the policy declares \(policy.parameters.count)")
        }
        for (parameter, value) in zip(policy.parameters, values) where !parameter.range.contains(value) {
            throw .outOfRange(parameter.name, value, parameter.range)
        }
        guard values != parameterValues else { return }
        parameterValues = values
        applyParameters()
    }

    /// Resumes from targets that were already commanded (after a restart), so the next decision
    /// moves on from them instead of starting from scratch: hysteresis, confirmations and ramp
    /// limits then see the state the miners are really in. `nil` leaves a group as it is.
    public mutating func restore(_ targets: [GroupTarget?], at time: Timestamp) {
        dispatcher.restore(targets, at: time)
    }

    /// Replaces the price the windows hold for the earlier interval starting at `intervalStart`
    /// (its final or corrected price arrived after a newer interval's price). An interval the
    /// windows no longer hold, or never held, is ignored. Returns whether a value changed.
    @discardableResult
    public mutating func revisePrice(intervalStart: Timestamp, to price: USDPerMWh) -> Bool {
        let start = intervalStart.millisecondsSinceEpoch
        guard price.isFinite else { return false }
        if start == lastPriceInterval { lastPriceValue = price.value }
        var changed = false
        for index in windows.indices { changed = windows[index].revise(time: start, value: price.value) || changed }
        if changed { refreshAggregates() }
        return changed
    }

    private mutating func refreshAggregates() {
        for (slot, aggregate) in policy.environment.aggregates.enumerated() {
            context.aggregates[slot] = windows[aggregateWindow[slot]].value(of: aggregate)
        }
    }

    /// Forgets all history (dispatch state, price windows, event baselines).
    public mutating func reset() {
        dispatcher.reset()
        for index in windows.indices { windows[index].clear() }
        lastPriceInterval = nil
        lastPriceValue = .nan
        eventBaselines.removeAll()
    }

    private mutating func applyParameters() {
        let p = parameterValues
        for index in p.indices {
            context.parameters[index] = p[index]
            offerContext.parameters[index] = p[index]
        }
        fixedActionValues = (0..<actionPrograms.count).map { program in
            actionPrograms.dependsOnlyOnParameters[program] ? actionPrograms.evaluate(program, in: context) : .nan
        }
        let h = policy.hysteresis
        dispatcher.update(
            settings: DispatchSettings(
                poolFee: policy.economics.poolFee.resolve(p),
                priceBand: h.priceBand.resolve(p),
                confirmIntervalsDown: max(1, Int(h.confirmIntervalsDown.resolve(p).rounded())),
                confirmIntervalsUp: max(1, Int(h.confirmIntervalsUp.resolve(p).rounded())),
                minimumOnSeconds: h.minimumOn.resolve(p),
                minimumOffSeconds: h.minimumOff.resolve(p)
            )
        )
        // Break-even is inversely proportional to J/TH: per unit of hash price, the most efficient
        // group gives the highest. Scaled by the hash price each tick.
        let fee = policy.economics.poolFee.resolve(p)
        let efficiencies = site.groups.map(\.model.nominalEfficiency.value)
        let factor = BreakEven.revenuePerMWhFactor(hashPrice: USDPerTerahashDay(1), poolFee: fee)
        breakEvenPerHashPrice = (factor / (efficiencies.min() ?? .nan), factor / (efficiencies.max() ?? .nan))
        energyAdder = policy.economics.energyAdder.resolve(p)
        stalePriceAfter = policy.failsafe.stalePriceAfter.resolve(p)
        brokerLostAfter = policy.failsafe.brokerLostAfter.resolve(p)
        context[.maxImportMW] = site.maxImport.value
        context[.nameplateMW] = site.nameplatePower.value
        offerContext[.maxImportMW] = site.maxImport.value
        offerContext[.nameplateMW] = site.nameplatePower.value
    }

    /// The policy's ancillary offers for one hour: MW and lowest accepted clearing price per
    /// product (0 MW and NaN where it offers nothing). Reads only what is known the day before.
    public mutating func ancillaryOffers(_ input: OfferInput) -> (megawatts: ProductValues, minimumPrice: ProductValues) {
        var megawatts = ProductValues.zero
        var minimumPrice = ProductValues.unknown
        guard !policy.ancillaryOffers.isEmpty else { return (megawatts, minimumPrice) }
        let local = input.localTime ?? site.timeZone.localTime(at: input.hour)
        let breakEven = breakEvenPerHashPrice
        offerContext[.daPrice] = input.dayAheadPrice
        offerContext[.hashPrice] = input.hashPrice
        offerContext[.breakEvenMax] = breakEven.max * input.hashPrice
        offerContext[.breakEvenMin] = breakEven.min * input.hashPrice
        offerContext[.hour] = Double(local.hour)
        offerContext[.weekday] = Double(local.weekday)
        offerContext[.month] = Double(local.month)
        offerContext[.day] = Double(local.day)
        offerContext[.rrsPrice] = input.clearingPrice.rrs
        offerContext[.ecrsPrice] = input.clearingPrice.ecrs
        offerContext[.nonSpinPrice] = input.clearingPrice.nonSpin
        offerContext[.regulationUpPrice] = input.clearingPrice.regulationUp
        var decided: UInt8 = 0
        for index in offerBits.indices {
            let bit = offerBits[index]
            guard decided & bit == 0, offerPrograms.evaluate(3 * index, in: offerContext) != 0 else { continue }
            decided |= bit
            let product = AncillaryProduct(rawValue: bit.trailingZeroBitCount)!
            let mw = offerPrograms.evaluate(3 * index + 1, in: offerContext)
            megawatts[product] = mw.isFinite ? max(0, mw) : 0
            minimumPrice[product] = offerHasFloor[index] ? offerPrograms.evaluate(3 * index + 2, in: offerContext) : .nan
        }
        return (megawatts, minimumPrice)
    }

    /// Decides one tick, overwriting `decision` (reuse one value across ticks to avoid allocation).
    public mutating func decide(_ input: borrowing DecisionInput, into decision: inout Decision) {
        decideTick(input, reserve: input.reserve, into: &decision)
    }

    /// The same decision for an input the caller owns in place (replay's prepared inputs): passed
    /// by address, so the input is never copied. The input is not changed.
    package mutating func decide(inPlace input: inout DecisionInput, into decision: inout Decision) {
        decideTick(input, reserve: input.reserve, into: &decision)
    }

    /// The same, with the reserve obligation given apart (replay's awards depend on the policy,
    /// the prepared inputs do not).
    package mutating func decide(inPlace input: inout DecisionInput, reserve: ReserveObligation, into decision: inout Decision) {
        decideTick(input, reserve: reserve, into: &decision)
    }

    @inline(__always)
    private mutating func decideTick(_ input: borrowing DecisionInput, reserve: ReserveObligation, into decision: inout Decision) {
        let time = input.time

        // Prices and windows.
        var newInterval = false
        var rtPrice = Double.nan
        var priceAge = Double.infinity
        if let observation = input.realTimePrice, observation.price.isFinite {
            rtPrice = observation.price.value
            priceAge = input.priceFeedStalled ? .infinity : max(0, time.seconds(since: observation.publishedAt))
            let start = observation.intervalStart.millisecondsSinceEpoch
            if start != lastPriceInterval {
                newInterval = true
                lastPriceInterval = start
                lastPriceValue = rtPrice
                for index in windows.indices { windows[index].push(time: start, value: rtPrice) }
                refreshAggregates()
            } else if rtPrice != lastPriceValue {
                // A revision of the same interval (a later provisional price, or the final one):
                // it replaces the interval's value; it is not a new interval.
                lastPriceValue = rtPrice
                for index in windows.indices { windows[index].revise(time: start, value: rtPrice) }
                refreshAggregates()
            }
        }
        let daPrice = input.dayAheadPrice.map(\.value) ?? .nan
        let marketPrice = policy.economics.priceSource == .realTime ? rtPrice : daPrice
        let price = marketPrice + energyAdder

        // Variables, written in one pass over the context's storage.
        let hashPrice = input.hashPrice.value
        var cpProbability = 0.0
        var cpAlert = false
        if !input.alerts.isEmpty {
            for alert in input.alerts where alert.kind == .fourCP && alert.isActive(at: time) {
                cpAlert = true
                cpProbability = max(cpProbability, alert.probability)
            }
        }
        let local = needsLocalTime ? (input.localTime ?? site.timeZone.localTime(at: time)) : nil
        let siteMW = dispatcher.lastSitePower.value
        let breakEven = breakEvenPerHashPrice
        let eea = Double(input.eeaLevel)
        let frequency = input.frequency ?? .nan
        let measured = input.measuredSitePower?.value ?? .nan
        context.variables.withUnsafeMutableBufferPointer { v in
            v[Variable.price.rawValue] = price
            v[Variable.rtPrice.rawValue] = rtPrice
            v[Variable.daPrice.rawValue] = daPrice
            v[Variable.priceAge.rawValue] = priceAge
            v[Variable.hashPrice.rawValue] = hashPrice
            v[Variable.breakEvenMax.rawValue] = breakEven.max * hashPrice
            v[Variable.breakEvenMin.rawValue] = breakEven.min * hashPrice
            v[Variable.eea.rawValue] = eea
            v[Variable.frequency.rawValue] = frequency
            v[Variable.siteMW.rawValue] = siteMW
            v[Variable.measuredMW.rawValue] = measured
            if let local {
                v[Variable.hour.rawValue] = Double(local.hour)
                v[Variable.minute.rawValue] = Double(local.minute)
                v[Variable.weekday.rawValue] = Double(local.weekday)
                v[Variable.month.rawValue] = Double(local.month)
                v[Variable.day.rawValue] = Double(local.day)
            }
            v[Variable.cpAlert.rawValue] = cpAlert ? 1 : 0
            v[Variable.cpProbability.rawValue] = cpProbability
            v[Variable.rrsPrice.rawValue] = reserve.clearingPrice.rrs
            v[Variable.ecrsPrice.rawValue] = reserve.clearingPrice.ecrs
            v[Variable.nonSpinPrice.rawValue] = reserve.clearingPrice.nonSpin
            v[Variable.regulationUpPrice.rawValue] = reserve.clearingPrice.regulationUp
            v[Variable.awardedMW.rawValue] = reserve.awardedMW
        }
        // Grid obligations bind whatever the rules say: an active event's cap always applies.
        var obligationCap = Double.infinity
        if needsEvents || !input.events.isEmpty { obligationCap = updateEvents(input.events, at: time) }

        // Rules.
        directives.reset(price: price, hashPrice: hashPrice)
        var priceSet = false
        var strikeSet = false
        var priceOffset = 0.0
        firedScratch.removeAll(keepingCapacity: true)
        // Conditions are pure: evaluating them all at once is the same as one by one.
        conditions.evaluateAll(in: context, into: &conditionValues)
        for r in 0..<conditions.count {
            guard conditionValues[r] != 0 else { continue }
            firedScratch.append(r)
            apply(rule: r, priceSet: &priceSet, strikeSet: &strikeSet, priceOffset: &priceOffset)
            if finalRules[r] { break }
        }
        directives.price += priceOffset
        // Awarded reserve must stay running: no rule caps below it. Grid events and
        // deployments do.
        if reserve.heldMW > 0 {
            let floor = siteSleepMW + reserve.heldMW
            directives.reserveFloorMW = floor
            if directives.capMW < floor { directives.capMW = floor }
        }
        if obligationCap < directives.capMW { directives.capMW = obligationCap }
        if reserve.deploymentCapMW < directives.capMW { directives.capMW = reserve.deploymentCapMW }

        // Failsafes.
        var failsafeConstraint: SiteConstraints = []
        if let lost = input.brokerLostSince, time.seconds(since: lost) >= brokerLostAfter {
            directives.failsafe = policy.failsafe.onBrokerLost
            failsafeConstraint.insert(.brokerLost)
        }
        if marketPriceMissing(price: marketPrice, age: priceAge) {
            if directives.failsafe != .curtail { directives.failsafe = policy.failsafe.onStalePrice }
            failsafeConstraint.insert(.stalePrice)
        }

        dispatcher.dispatch(directives, at: time, newPriceInterval: newInterval, into: &decision)
        decision.constraints.formUnion(failsafeConstraint)
        // The scratch list becomes the decision's; the decision's old list is the next scratch.
        swap(&decision.firedRules, &firedScratch)
    }

    /// Applies the actions of a fired rule to the directives.
    private mutating func apply(rule r: Int, priceSet: inout Bool, strikeSet: inout Bool, priceOffset: inout Double) {
        for index in ruleActions[r] {
            let action = actions[index]
            switch action.kind {
            case .capSite:
                let value = actionValue(action.program)
                if !value.isNaN { directives.capMW = min(directives.capMW, max(0, value)) }
            case .floorSite:
                let value = actionValue(action.program)
                if value.isFinite { directives.floorMW = max(directives.floorMW, value) }
            case .price:
                if !priceSet {
                    directives.price = actionValue(action.program)
                    priceSet = true
                }
            case .priceOffset:
                priceOffset += actionValue(action.program)
            case .strike:
                if !strikeSet {
                    directives.strikeOverride = actionValue(action.program)
                    strikeSet = true
                }
            case .strikeOffset:
                directives.strikeOffset += actionValue(action.program)
            case .forceOn, .forceOff, .hold:
                let state: GroupOverride = action.kind == .forceOn ? .forceOn : (action.kind == .forceOff ? .forceOff : .hold)
                // Rules run highest priority first: the first to claim a group wins.
                for i in action.groups {
                    let g = selectedGroups[i]
                    if directives.overrides[g] == .none { directives.overrides[g] = state }
                }
            case .immediate:
                directives.immediate = true
            }
        }
    }

    /// The value of action program `program` now.
    @inline(__always)
    private func actionValue(_ program: Int) -> Double {
        actionPrograms.dependsOnlyOnParameters[program] ? fixedActionValues[program] : actionPrograms.evaluate(program, in: context)
    }

    /// Decides one tick and returns a new decision.
    public mutating func decide(_ input: DecisionInput) -> Decision {
        var decision = Decision(groupCount: site.groups.count)
        decide(input, into: &decision)
        return decision
    }

    private func marketPriceMissing(price: Double, age: Double) -> Bool {
        if price.isNaN { return true }
        if policy.economics.priceSource == .realTime { return age > stalePriceAfter }
        return false
    }

    /// Updates the event variables and returns the tightest cap of the active events (MW).
    private mutating func updateEvents(_ events: [GridEvent], at time: Timestamp) -> Double {
        var any = false
        var cap = Double.infinity
        for slot in context.events.indices { context.events[slot] = 0 }
        let baselineNow = dispatcher.lastSitePower.value
        for event in events where event.isActive(at: time) {
            any = true
            switch event.target {
            case .maximum(let mw):
                cap = min(cap, mw.value)
            case .reduction(let mw):
                let baseline = eventBaselines[event.id] ?? baselineNow
                eventBaselines[event.id] = baseline
                cap = min(cap, max(0, baseline - mw.value))
            }
            for (slot, program) in policy.environment.eventPrograms.enumerated() where program == event.program || program == event.id {
                context.events[slot] = 1
            }
        }
        if !eventBaselines.isEmpty {
            for id in eventBaselines.keys where !events.contains(where: { $0.id == id && $0.isActive(at: time) }) {
                eventBaselines[id] = nil
            }
        }
        context[.eventActive] = any ? 1 : 0
        context[.eventCapMW] = cap
        return cap
    }
}

/// One rule action, without payloads: what it does, which value program it reads, which groups
/// it selects.
private struct FlatAction: Sendable {
    enum Kind: UInt8, Sendable {
        case capSite, floorSite, price, priceOffset, strike, strikeOffset, forceOn, forceOff, hold, immediate
    }

    var kind: Kind
    /// Index in the engine's action programs (-1 when the action has no value).
    var program: Int
    /// Range in the engine's selected-group indices.
    var groups: Range<Int>
}
