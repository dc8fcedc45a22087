public import CurtailCore

/// A window of history made ready to replay for one site: the decision input of every interval
/// and what each interval settles at, built once.
///
/// ``Replay`` builds one per run; the tuner builds one per window and replays thousands of
/// candidates over it, so a candidate costs only the engine and the ledger.
public struct ReplayPlan: Sendable {
    /// The window.
    public let window: ReplayWindow
    /// Interval length, seconds.
    public let intervalSeconds: Int
    /// Start of every settled interval (intervals with a price).
    public let times: [Timestamp]
    /// What the decision at the start of each settled interval sees.
    public let decisionInputs: [DecisionInput]
    /// Settled market price of each interval (USD/MWh, before the policy's adders).
    public let marketPrice: [Double]
    /// Hash price the decision used (previous UTC day) and the one it settles at (its own day).
    public let decisionHashPrice: [Double]
    public let settlementHashPrice: [Double]
    /// Transmission charge per MW held through each interval (USD/MW; 4CP intervals only).
    public let transmissionPerMW: [Double]
    /// Whether the interval is one of the official 4CP intervals (a grid obligation: the site
    /// should be asleep), when a 4CP calendar was given.
    public let obligation: [Bool]
    /// Indices where a contiguous run of data starts (after a gap the engine starts afresh).
    public let segmentStarts: [Int]
    /// Gaps in the price data inside the window.
    public let gaps: [TimeSeries.Gap]
    /// What the reader must know about how the window was settled.
    public let notes: [String]
    /// The price column (`price_usd_per_mwh` for a single-node file).
    public let priceColumn: String
    /// EEA level of each interval (0 without a grid-events file).
    public let eeaLevel: [Int]
    /// The ancillary side, when clearing prices were given and the site qualifies.
    public let reserve: ReservePlan?

    /// Prepares `window` of `inputs` for `site`.
    ///
    /// - Throws: ``HistoryError`` when the Bitcoin file does not cover the window (including the
    ///   day before it), or the window holds no price at all.
    public init(inputs: ReplayInputs, window: ReplayWindow, site: Site) throws(HistoryError) {
        let prices = inputs.prices
        let intervalSeconds = prices.intervalSeconds
        let intervalMs = Int64(intervalSeconds) * 1000
        let minutes = intervalSeconds / 60
        guard let first = prices.index(containing: window.from), window.to > window.from else {
            throw HistoryError(file: prices.file, "the window \(window) is outside the data")
        }
        let count = Int((window.to.millisecondsSinceEpoch - window.from.millisecondsSinceEpoch) / intervalMs)
        guard first + count <= prices.values.count else {
            throw HistoryError(file: prices.file, "the window \(window) ends after the data (\(prices.end.iso8601))")
        }

        // Bitcoin coverage: the day before the window (first decision) to its last day.
        let firstDay = Replay.utcDay(window.from) - 1
        var lastDay = Replay.utcDay(window.to.adding(seconds: -1))
        var notes: [String] = []
        // A US market's local year ends hours into the next UTC day, which a daily file ending on
        // 31 December lacks: settle those hours at the file's last day, and say so.
        if lastDay == inputs.bitcoin.lastDay + 1 {
            let carriedDay = lastDay
            lastDay -= 1
            let hoursInto = Double(window.to.millisecondsSinceEpoch - Int64(carriedDay) * 86_400_000) / 3_600_000
            notes.append(
                "\(inputs.bitcoin.file) has no hash price for \(CivilDate(daysSinceEpoch: carriedDay)); the window's last \(Number.grouped(hoursInto, 2)) h settle at \(CivilDate(daysSinceEpoch: lastDay))'s"
            )
        }
        if let missing = inputs.bitcoin.firstMissingDay(in: firstDay...lastDay) {
            let covered = "\(CivilDate(daysSinceEpoch: inputs.bitcoin.firstDay))..\(CivilDate(daysSinceEpoch: inputs.bitcoin.lastDay))"
            throw HistoryError(
                file: inputs.bitcoin.file,
                "no hash price for \(CivilDate(daysSinceEpoch: missing)) (the file covers \(covered)); the window \(window) needs \(CivilDate(daysSinceEpoch: firstDay))..\(CivilDate(daysSinceEpoch: lastDay)), decisions reading the day before"
            )
        }

        let rate = site.transmissionUSDPerKWYear ?? 0
        var fourCP = Set<Int64>()
        if let calendar = inputs.fourCP {
            for interval in calendar.intervals { fourCP.insert(interval.millisecondsSinceEpoch) }
        }

        var times: [Timestamp] = []
        var decisionInputs: [DecisionInput] = []
        var marketPrice: [Double] = []
        var decisionHashPrice: [Double] = []
        var settlementHashPrice: [Double] = []
        var transmission: [Double] = []
        var obligation: [Bool] = []
        var segmentStarts: [Int] = []
        var eeaLevels: [Int] = []
        times.reserveCapacity(count)
        decisionInputs.reserveCapacity(count)
        marketPrice.reserveCapacity(count)
        decisionHashPrice.reserveCapacity(count)
        settlementHashPrice.reserveCapacity(count)
        transmission.reserveCapacity(count)
        obligation.reserveCapacity(count)
        var inGap = true
        for i in 0..<count {
            let price = prices.values[first + i]
            if price.isNaN {
                inGap = true
                continue
            }
            if inGap {
                segmentStarts.append(times.count)
                inGap = false
            }
            let time = Timestamp(millisecondsSinceEpoch: window.from.millisecondsSinceEpoch + Int64(i) * intervalMs)
            let day = Replay.utcDay(time)
            times.append(time)
            marketPrice.append(price)
            settlementHashPrice.append(inputs.bitcoin.hashPrice(onDay: min(day, lastDay)) ?? .nan)
            let is4CP = fourCP.contains(time.millisecondsSinceEpoch)
            transmission.append(is4CP && rate > 0 ? rate * 1000 / 4 : 0)
            obligation.append(is4CP)

            // The decision at the start of the interval: the previous interval's price, if any.
            var observation: PriceObservation?
            if first + i > 0 {
                let known = prices.values[first + i - 1]
                if !known.isNaN {
                    observation = PriceObservation(
                        intervalStart: Timestamp(millisecondsSinceEpoch: time.millisecondsSinceEpoch - intervalMs),
                        intervalMinutes: minutes,
                        price: USDPerMWh(known),
                        publishedAt: time
                    )
                }
            }
            let hashPrice = inputs.bitcoin.hashPrice(onDay: day - 1) ?? .nan
            decisionHashPrice.append(hashPrice)
            var alerts: [GridAlert] = []
            if let model = inputs.peakAlerts, let alert = model.alert(at: time) { alerts.append(alert) }
            let eea = inputs.gridEvents?.level(at: time) ?? 0
            eeaLevels.append(eea)
            decisionInputs.append(
                DecisionInput(
                    time: time,
                    realTimePrice: observation,
                    dayAheadPrice: inputs.dayAhead?.value(at: time).map(USDPerMWh.init),
                    hashPrice: USDPerTerahashDay(hashPrice),
                    alerts: alerts,
                    eeaLevel: eea,
                    localTime: site.timeZone.localTime(at: time)
                )
            )
        }
        guard !times.isEmpty else {
            throw HistoryError(file: prices.file, "the window \(window) has no prices: it lies entirely in a gap of the data")
        }
        self.window = window
        self.intervalSeconds = intervalSeconds
        self.times = times
        self.decisionInputs = decisionInputs
        self.marketPrice = marketPrice
        self.decisionHashPrice = decisionHashPrice
        self.settlementHashPrice = settlementHashPrice
        self.transmissionPerMW = transmission
        self.obligation = obligation
        self.segmentStarts = segmentStarts
        self.gaps = prices.gaps.filter { $0.to > window.from && $0.from < window.to }.map { gap in
            var clipped = gap
            clipped.from = max(gap.from, window.from)
            clipped.to = min(gap.to, window.to)
            clipped.intervals = Int((clipped.to.millisecondsSinceEpoch - clipped.from.millisecondsSinceEpoch) / intervalMs)
            return clipped
        }
        if let events = inputs.gridEvents {
            let used = events.alerts.filter { $0.end > window.from && $0.start < window.to }
            notes.append(
                "\(events.file): \(used.count) EEA period(s) in the window\(used.isEmpty ? "" : " (lines " + used.map { String($0.line) }.joined(separator: ", ") + ")"); \(events.skipped.count) row(s) skipped: "
                    + events.skipped.map(\.description).joined(separator: "; ")
            )
        }
        var reserve: ReservePlan?
        if let ancillary = inputs.ancillary {
            if let qualification = site.ancillary, !qualification.products.isEmpty {
                reserve = ReservePlan(
                    plan: times,
                    decisionInputs: decisionInputs,
                    intervalSeconds: intervalSeconds,
                    decisionHashPrice: decisionHashPrice,
                    eeaLevel: eeaLevels,
                    prices: ancillary,
                    dayAhead: inputs.dayAhead,
                    site: site,
                    qualification: qualification,
                    deployments: inputs.deployments
                )
                for product in qualification.products {
                    let hours = reserve?.clearingPrice.filter { $0[product].isNaN }.count ?? 0
                    if hours > 0 {
                        notes.append(
                            "\(ancillary.file): no \(product.name) clearing price for \(hours) hour(s) of the window; nothing is awarded in them"
                        )
                    }
                }
            } else {
                notes.append("--ancillary given but the site file has no ancillary: section with a product; nothing is offered")
            }
        }
        self.notes = notes
        self.priceColumn = prices.column
        self.eeaLevel = eeaLevels
        self.reserve = reserve
    }

    /// Settled intervals.
    public var count: Int { times.count }

    /// The ancillary market the oracle co-optimises with, when the window has one.
    public var reserveMarket: ReserveMarket? {
        reserve.map {
            ReserveMarket(
                hourSlot: $0.hourSlot,
                clearingPrice: $0.clearingPrice,
                qualification: $0.qualification.maximumMW,
                capacityMW: $0.capacityMW
            )
        }
    }

    /// Interval length in hours.
    public var intervalHours: Double { Double(intervalSeconds) / 3600 }

    /// Days covered by the settled intervals.
    public var days: Double { Double(count) * intervalHours / 24 }

    /// What each interval costs and earns under a pool fee and an energy adder (the policy's
    /// economics, which parameters may set).
    public func settlementSeries(poolFee: Double, energyAdder: Double) -> SettlementSeries {
        let hours = intervalHours
        return SettlementSeries(
            intervalSeconds: Double(intervalSeconds),
            energyPrice: marketPrice.map { $0 + energyAdder },
            revenuePerTerahash: settlementHashPrice.map { $0 * (1 - poolFee) * hours / 24 },
            transmissionPerMW: transmissionPerMW,
            segmentStarts: segmentStarts
        )
    }
}
