import CurtailCore
import CurtailWire

/// An obligation as the retained state carries it, and back: both directions in one place, so a
/// field added to the bookkeeping cannot be published and then lost on resume.
extension StatePayload.Event {
    /// The obligation's state entry (target and baseline rounded for display, bookkeeping exact).
    init(_ o: Obligation) {
        self.init(
            id: o.event.id,
            program: o.event.program,
            start: o.event.start,
            end: o.event.end,
            targetMW: ControllerCore.rounded(o.targetMW) ?? 0,
            baselineMW: ControllerCore.rounded(o.baselineMW) ?? 0,
            acknowledgedAt: o.acknowledgedAt,
            reachedAt: o.reachedAt,
            measuredMWSeconds: o.measuredMWSeconds,
            measuredSeconds: o.measuredSeconds,
            wholeMWSeconds: o.wholeMWSeconds,
            wholeSeconds: o.wholeSeconds,
            reachedMWSeconds: o.reachedMWSeconds,
            reachedSeconds: o.reachedSeconds
        )
    }
}

extension Obligation {
    /// The obligation a retained state entry describes, with its compliance so far.
    init(resuming e: StatePayload.Event) {
        self.init(
            event: GridEvent(id: e.id, program: e.program, start: e.start, end: e.end, target: .maximum(Megawatts(e.targetMW))),
            responseSeconds: GridProgram.named(e.program)?.responseSeconds ?? 600,
            baselineMW: e.baselineMW,
            targetMW: e.targetMW,
            acknowledgedAt: e.acknowledgedAt
        )
        reachedAt = e.reachedAt
        measuredMWSeconds = e.measuredMWSeconds
        measuredSeconds = e.measuredSeconds
        wholeMWSeconds = e.wholeMWSeconds
        wholeSeconds = e.wholeSeconds
        reachedMWSeconds = e.reachedMWSeconds
        reachedSeconds = e.reachedSeconds
    }
}
