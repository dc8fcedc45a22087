public import CurtailCore
public import CurtailWire

/// The ERCOT price feed's logic, with no I/O and no clock: prices read from the API go in, the
/// messages to publish come out.
///
/// What it guarantees:
/// - a SCED price is published as the *provisional* price of the 15-minute interval it ran in,
///   once per SCED run; the settlement point price as the interval's *final* price; a settlement
///   price that changes after it was published as *corrected*;
/// - `revision` is the number of seconds after the interval's start at which the price was known
///   (the SCED run; the feed's receipt of a final or corrected price), so it only grows, even
///   across a restart of the feed;
/// - an interval older than one already published is never published after it, except as its
///   final or corrected price (the final price of an interval always arrives after the next
///   interval's first SCED price); such a late final is published without `retain`, so the
///   retained price stays the newest interval;
/// - the first answer after start seeds the feed: only its newest interval is published;
/// - once no new interval has arrived for ``staleAfter``, the feed says `stale` on the status
///   topic, and `ok` again when one arrives.
public struct ERCOTFeedCore: Sendable {
    /// What to do.
    public enum Action: Equatable, Sendable {
        /// Publish a price (`retain`: it is the newest interval).
        case publishPrice(PricePayload, retain: Bool)
        /// Publish the feed's status (retained).
        case publishStatus(PriceFeedStatusPayload)
        /// Something worth a log line.
        case note(String)
    }

    private struct Published {
        var status: PriceStatus
        var price: Double
        var revision: Int
        /// For provisional prices: the newest SCED run published.
        var scedAt: Timestamp?
    }

    /// Intervals remembered for corrections and duplicates (two operating days and some).
    public static let memory = 300
    /// No new interval for this long makes the feed stale (two 15-minute intervals).
    public let staleAfter: Duration
    private var published: [Int64: Published] = [:]
    /// The newest interval published, of any status, and of final prices.
    public private(set) var newestInterval: Timestamp?
    /// The newest interval published with its final (or corrected) price.
    public private(set) var newestFinal: Timestamp?
    private var newestArrivedAt: Timestamp?
    private var startedAt: Timestamp?
    private var seededSettlement = false
    private var seededSCED = false
    /// What the status topic says now (`nil`: nothing said yet).
    public private(set) var state: PriceFeedStatusPayload.State?
    /// Counts of what was not published: older provisional or final prices that arrived after a
    /// newer interval, and rows skipped at start-up.
    public private(set) var skippedLate = 0

    public init(staleAfter: Duration = .seconds(1800)) {
        self.staleAfter = staleAfter
    }

    /// Takes in prices read at `now` from one report.
    public mutating func receive(_ prices: [ERCOTPrice], source: ERCOTPrice.Source, at now: Timestamp) -> [Action] {
        if startedAt == nil { startedAt = now }
        var actions: [Action] = []
        var batch = prices.filter { $0.source == source }
        batch.sort { ($0.intervalStart, $0.scedAt ?? $0.intervalStart) < ($1.intervalStart, $1.scedAt ?? $1.intervalStart) }
        let seeding: Bool
        switch source {
        case .settlement:
            seeding = !seededSettlement
            seededSettlement = true
        case .sced:
            seeding = !seededSCED
            seededSCED = true
        }
        if seeding, let newest = batch.last?.intervalStart {
            // Start-up: remember what is older than the newest interval without publishing it.
            for price in batch where price.intervalStart < newest {
                remember(price, status: source == .settlement ? .final : .provisional, revision: 0)
            }
            batch.removeAll { $0.intervalStart < newest }
        }
        for price in batch { take(price, at: now, into: &actions) }
        actions += tick(at: now)
        return actions
    }

    /// Checks for a stall; call it every few seconds.
    public mutating func tick(at now: Timestamp) -> [Action] {
        if startedAt == nil { startedAt = now }
        let since = newestArrivedAt ?? startedAt ?? now
        guard since.duration(to: now) > staleAfter, state != .stale else { return [] }
        state = .stale
        let detail =
            newestInterval.map {
                "no new interval since \($0) (\(Int(since.duration(to: now) / .seconds(60))) min); the controller treats the price as stale"
            }
            ?? "no price read since the feed started"
        return [.publishStatus(PriceFeedStatusPayload(ts: now, state: .stale, lastIntervalStart: newestInterval, detail: detail)), .note(detail)]
    }

    private mutating func take(_ price: ERCOTPrice, at now: Timestamp, into actions: inout [Action]) {
        let key = price.intervalStart.millisecondsSinceEpoch
        let known = published[key]
        let isNewest = newestInterval.map { price.intervalStart >= $0 } ?? true
        switch price.source {
        case .sced:
            guard let scedAt = price.scedAt else { return }
            if let known {
                if known.status != .provisional { return }  // the final price is known
                if let last = known.scedAt, scedAt <= last { return }  // this run or an older one
            }
            guard isNewest else {
                skippedLate += 1
                return
            }
            let revision = max(0, Int(price.intervalStart.duration(to: scedAt) / .seconds(1)))
            if let known, known.price == price.price {
                // Same price from a later run: nothing new to say, but remember the run.
                published[key]?.scedAt = scedAt
                return
            }
            publish(price, status: .provisional, revision: revision, retain: true, scedAt: scedAt, at: now, into: &actions)
        case .settlement:
            let revision = max(0, Int(price.intervalStart.duration(to: now) / .seconds(1)))
            if let known, known.status != .provisional {
                guard known.price != price.price else { return }
                actions.append(.note("ERCOT corrected \(price.intervalStart): \(known.price) → \(price.price) $/MWh"))
                publish(
                    price,
                    status: .corrected,
                    revision: max(revision, known.revision + 1),
                    retain: isNewest,
                    scedAt: nil,
                    at: now,
                    into: &actions
                )
                return
            }
            if let newestFinal, price.intervalStart < newestFinal {
                // A final price for an interval older than one already final: never out of order.
                skippedLate += 1
                actions.append(.note("final price for \(price.intervalStart) arrived after the final price for \(newestFinal); not published"))
                return
            }
            publish(
                price,
                status: .final,
                revision: max(revision, (known?.revision ?? 0) + 1),
                retain: isNewest,
                scedAt: nil,
                at: now,
                into: &actions
            )
        }
    }

    private mutating func publish(
        _ price: ERCOTPrice,
        status: PriceStatus,
        revision: Int,
        retain: Bool,
        scedAt: Timestamp?,
        at now: Timestamp,
        into actions: inout [Action]
    ) {
        remember(price, status: status, revision: revision, scedAt: scedAt)
        if status != .provisional, newestFinal.map({ price.intervalStart > $0 }) ?? true { newestFinal = price.intervalStart }
        if newestInterval.map({ price.intervalStart > $0 }) ?? true {
            newestInterval = price.intervalStart
            newestArrivedAt = now
            if state != .ok {
                state = .ok
                actions.append(.publishStatus(PriceFeedStatusPayload(ts: now, state: .ok, lastIntervalStart: price.intervalStart)))
            }
        }
        let payload = PricePayload(
            intervalStart: price.intervalStart,
            intervalMinutes: 15,
            priceUSDPerMWh: price.price,
            kind: .realTime,
            status: status,
            revision: revision
        )
        actions.append(.publishPrice(payload, retain: retain))
    }

    private mutating func remember(_ price: ERCOTPrice, status: PriceStatus, revision: Int, scedAt: Timestamp? = nil) {
        let key = price.intervalStart.millisecondsSinceEpoch
        published[key] = Published(status: status, price: price.price, revision: revision, scedAt: scedAt ?? price.scedAt)
        if published.count > Self.memory {
            for old in published.keys.sorted().prefix(published.count - Self.memory) { published[old] = nil }
        }
    }
}
