/// A policy rule: when the condition holds, the actions apply.
///
/// Every rule whose condition is true fires, in priority order (highest first; equal
/// priorities keep file order). Conflicts resolve per action: the tightest cap, the highest
/// floor, the highest-priority override, offsets summed. A `final` rule that fires stops
/// the rules below it.
public struct Rule: Hashable, Sendable {
    public var name: String
    public var priority: Int
    public var condition: CompiledExpression
    public var actions: [RuleAction]
    public var isFinal: Bool

    public init(name: String, priority: Int, condition: CompiledExpression, actions: [RuleAction], isFinal: Bool = false) {
        self.name = name
        self.priority = priority
        self.condition = condition
        self.actions = actions
        self.isFinal = isFinal
    }
}
