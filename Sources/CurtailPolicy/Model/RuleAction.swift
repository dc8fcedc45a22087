/// What a rule does when its condition holds.
public enum RuleAction: Hashable, Sendable {
    /// Cap the site at this many MW (the tightest cap of all fired rules wins).
    case capSite(CompiledExpression)
    /// Keep the site at or above this many MW (the highest floor wins; caps win over floors).
    case floorSite(CompiledExpression)
    /// Use this as the effective price (the highest-priority fired rule wins).
    case price(CompiledExpression)
    /// Add this to the effective price (offsets of all fired rules add up).
    case priceOffset(CompiledExpression)
    /// Use this strike for every step instead of its break-even (highest priority wins).
    case strike(CompiledExpression)
    /// Add this to every step's strike (offsets add up).
    case strikeOffset(CompiledExpression)
    /// Force groups on (highest priority per group wins).
    case forceOn(GroupSelection)
    /// Force groups to sleep.
    case forceOff(GroupSelection)
    /// Keep groups where they are.
    case hold(GroupSelection)
    /// Apply economic changes at once, skipping N-interval confirmation.
    case immediate

    /// The key used in policy files.
    public var key: String {
        switch self {
        case .capSite: return "cap_site_mw"
        case .floorSite: return "floor_site_mw"
        case .price: return "price"
        case .priceOffset: return "price_offset"
        case .strike: return "strike"
        case .strikeOffset: return "strike_offset"
        case .forceOn: return "force_on"
        case .forceOff: return "force_off"
        case .hold: return "hold"
        case .immediate: return "immediate"
        }
    }
}

/// Which groups an action applies to.
public enum GroupSelection: Hashable, Sendable, CustomStringConvertible {
    case all
    case groups([String])

    public var description: String {
        switch self {
        case .all: return "all"
        case .groups(let names): return names.joined(separator: ", ")
        }
    }
}
