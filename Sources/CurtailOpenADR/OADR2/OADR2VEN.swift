public import CurtailController
import CurtailCore
public import CurtailFeeds
public import CurtailPolicyFiles
import Foundation
import Logging
import NIOHTTP1
import ServiceLifecycle

/// An OpenADR 2.0b VEN (simple HTTP, pull): registers, polls, answers events, sends telemetry.
///
/// - Registration: `oadrQueryRegistration`, then `oadrCreatePartyRegistration` (with the
///   registration id it already has, if any), then `oadrRegisterReport` offering
///   TELEMETRY_USAGE (site load, kW) and TELEMETRY_STATUS, then `oadrRequestEvent`. A VTN's
///   `oadrRequestReregistration` or `oadrCancelPartyRegistration`, or a refused poll, starts it
///   again; the events already accepted are kept.
/// - Polling: `oadrPoll` at the frequency the VTN requested (else `openadr.poll_interval`), each
///   wait moved by up to ±10 % at random so a fleet of VENs does not poll in step.
/// - Events: every `oadrDistributeEvent` goes through ``VENCore``; the answers go back in one
///   `oadrCreatedEvent`.
/// - Reports: each report the VTN requests is sampled at its granularity and sent with
///   `oadrUpdateReport` every report-back duration.
public struct OADR2VEN: Sendable {
    /// The report this VEN offers, by specifier id.
    static let usageSpecifier = "curtail-telemetry-usage"
    static let statusSpecifier = "curtail-telemetry-status"
    static let usageRID = "site-load"
    static let statusRID = "site-status"

    let settings: OpenADRSettings
    let http: FeedHTTP
    let contract: VENContract
    let clock: any SiteClock

    public init(settings: OpenADRSettings, http: FeedHTTP, contract: VENContract, clock: any SiteClock) {
        self.settings = settings
        self.http = http
        self.contract = contract
        self.clock = clock
    }

    struct Registration {
        var venID: String
        var registrationID: String
        var pollSeconds: Double
    }

    struct ReportRequest {
        var requestID: String
        var specifierID: String
        var rIDs: [String]
        var granularity: Double
        var reportBack: Double
        var nextSample: Timestamp
        var nextSend: Timestamp
        var samples: [(Timestamp, String, OADR2Outgoing.UpdateReport.ReportPayload)] = []
    }

    /// Runs until cancelled.
    func run() async throws {
        var logger = contract.logger
        logger[metadataKey: "vtn"] = "\(FeedHTTP.withoutQuery(settings.vtnURL))"
        var registration: Registration?
        var reports: [String: ReportRequest] = [:]
        var nextPoll = clock.now
        var failures = 0
        while !Task.isCancelled {
            let now = clock.now
            contract.step { $0.tick(at: now) }
            if registration == nil, now >= nextPoll {
                do {
                    registration = try await register(previous: nil, reports: &reports)
                    failures = 0
                    nextPoll = clock.now
                } catch {
                    failures += 1
                    let wait = min(300, settings.pollSeconds * Double(1 << min(failures, 5)))
                    logger.warning("registration failed (\(error)); trying again in \(Int(wait)) s")
                    nextPoll = clock.now.adding(seconds: wait)
                }
            }
            if let current = registration, now >= nextPoll {
                do {
                    let again = try await poll(current, reports: &reports)
                    if again { registration = nil }
                    failures = 0
                } catch {
                    failures += 1
                    logger.warning("poll failed: \(error)")
                }
                let jitter = Double.random(in: 0.9...1.1)
                nextPoll = clock.now.adding(seconds: (registration?.pollSeconds ?? settings.pollSeconds) * jitter)
            }
            if let current = registration { await serveReports(&reports, venID: current.venID) }
            try await clock.sleep(until: clock.now.advanced(by: .milliseconds(500)), tolerance: nil)
        }
    }

    // MARK: - Registration

    func register(previous: Registration?, reports: inout [String: ReportRequest]) async throws -> Registration {
        let query = try await exchange("EiRegisterParty", "oadrQueryRegistration", OADR2Outgoing.QueryRegistration(requestID: Self.newID()))
        guard let created = query.oadrSignedObject.oadrCreatedPartyRegistration else {
            throw OADR2InputError(description: "oadrQueryRegistration got no oadrCreatedPartyRegistration")
        }
        let knownVEN = created.venID.flatMap { $0.isEmpty ? nil : $0 }
        let knownRegistration = created.registrationID.flatMap { $0.isEmpty ? nil : $0 }
        let answer = try await exchange(
            "EiRegisterParty",
            "oadrCreatePartyRegistration",
            OADR2Outgoing.CreatePartyRegistration(
                requestID: Self.newID(),
                registrationID: knownRegistration,
                venID: knownVEN,
                venName: settings.venName
            )
        )
        guard let registered = answer.oadrSignedObject.oadrCreatedPartyRegistration else {
            throw OADR2InputError(description: "oadrCreatePartyRegistration got no oadrCreatedPartyRegistration")
        }
        guard registered.eiResponse.responseCode == "200", let venID = registered.venID, !venID.isEmpty,
            let registrationID = registered.registrationID, !registrationID.isEmpty
        else {
            throw OADR2InputError(
                description:
                    "the VTN refused registration: \(registered.eiResponse.responseCode) \(registered.eiResponse.responseDescription ?? "")"
            )
        }
        var pollSeconds = settings.pollSeconds
        if let text = registered.oadrRequestedOadrPollFreq?.duration {
            if let seconds = ISODuration.seconds(text), seconds >= 1, seconds <= 86_400 {
                pollSeconds = seconds
            } else {
                contract.refuse("requested poll frequency '\(text)' is not a duration of 1 s to 24 h; polling every \(Int(settings.pollSeconds)) s")
            }
        }
        contract.logger.notice(
            "registered with VTN \(registered.vtnID ?? "?") as VEN \(venID) (registration \(registrationID)); polling every \(pollSeconds) s"
        )
        let registration = Registration(venID: venID, registrationID: registrationID, pollSeconds: pollSeconds)
        reports = [:]
        try await registerReports(registration, reports: &reports)
        let events = try await exchange(
            "EiEvent",
            "oadrRequestEvent",
            OADR2Outgoing.RequestEvent(body: .init(requestID: Self.newID(), venID: venID))
        )
        try await handle(events, registration, reports: &reports)
        return registration
    }

    func registerReports(_ registration: Registration, reports: inout [String: ReportRequest]) async throws {
        let created = clock.now.iso8601
        let sampling = OADR2Outgoing.RegisterReport.SamplingRate(minPeriod: "PT10S", maxPeriod: "PT1H")
        let source = OADR2Outgoing.RegisterReport.Source(resourceID: settings.venName)
        let message = OADR2Outgoing.RegisterReport(
            requestID: Self.newID(),
            reports: [
                .init(
                    duration: .init(duration: "PT1H"),
                    descriptions: [
                        .init(
                            rID: Self.usageRID,
                            source: source,
                            reportType: "usage",
                            powerReal: .init(),
                            readingType: "Direct Read",
                            samplingRate: sampling
                        )
                    ],
                    reportSpecifierID: Self.usageSpecifier,
                    reportName: "METADATA_TELEMETRY_USAGE",
                    createdDateTime: created
                ),
                .init(
                    duration: .init(duration: "PT1H"),
                    descriptions: [
                        .init(
                            rID: Self.statusRID,
                            source: source,
                            reportType: "x-resourceStatus",
                            readingType: "x-notApplicable",
                            samplingRate: sampling
                        )
                    ],
                    reportSpecifierID: Self.statusSpecifier,
                    reportName: "METADATA_TELEMETRY_STATUS",
                    createdDateTime: created
                ),
            ],
            venID: registration.venID
        )
        let answer = try await exchange("EiReport", "oadrRegisterReport", message)
        guard let registered = answer.oadrSignedObject.oadrRegisteredReport else {
            throw OADR2InputError(description: "oadrRegisterReport got no oadrRegisteredReport")
        }
        let accepted = add(registered.oadrReportRequest ?? [], to: &reports)
        try await send(
            "EiReport",
            "oadrCreatedReport",
            OADR2Outgoing.Acknowledgement(
                eiResponse: .ok(registered.eiResponse.requestID),
                pendingReports: .init(ids: accepted),
                venID: registration.venID
            )
        )
    }

    /// Adds the VTN's report requests; returns the ids accepted.
    func add(_ requests: [OADR2Incoming.ReportRequest], to reports: inout [String: ReportRequest]) -> [String] {
        var accepted: [String] = []
        let now = clock.now
        for request in requests {
            let specifier = request.reportSpecifier
            guard specifier.reportSpecifierID == Self.usageSpecifier || specifier.reportSpecifierID == Self.statusSpecifier else {
                contract.refuse(
                    "report request \(request.reportRequestID) names specifier '\(specifier.reportSpecifierID)', which this VEN did not offer"
                )
                continue
            }
            let granularity = specifier.granularity.flatMap { ISODuration.seconds($0.duration) } ?? 60
            let back = specifier.reportBackDuration.flatMap { ISODuration.seconds($0.duration) } ?? granularity
            guard granularity >= 1, back >= 1, back <= 86_400 else {
                contract.refuse("report request \(request.reportRequestID): granularity \(granularity) s / report-back \(back) s out of range")
                continue
            }
            reports[request.reportRequestID] = ReportRequest(
                requestID: request.reportRequestID,
                specifierID: specifier.reportSpecifierID,
                rIDs: specifier.specifierPayload.map(\.rID),
                granularity: max(granularity, 1),
                reportBack: back,
                nextSample: now,
                nextSend: now.adding(seconds: back)
            )
            contract.logger.info(
                "VTN requested report \(specifier.reportSpecifierID): a sample every \(Int(granularity)) s, sent every \(Int(back)) s"
            )
            accepted.append(request.reportRequestID)
        }
        return accepted
    }

    // MARK: - Polling

    /// One `oadrPoll`; returns whether the VEN must register again.
    func poll(_ registration: Registration, reports: inout [String: ReportRequest]) async throws -> Bool {
        let answer = try await exchange("OadrPoll", "oadrPoll", OADR2Outgoing.Poll(venID: registration.venID))
        return try await handle(answer, registration, reports: &reports)
    }

    /// Acts on what the VTN sent; returns whether the VEN must register again.
    @discardableResult
    func handle(_ answer: OADR2Incoming, _ registration: Registration, reports: inout [String: ReportRequest]) async throws -> Bool {
        let signed = answer.oadrSignedObject
        if let distribute = signed.oadrDistributeEvent {
            try await distributed(distribute, registration)
        } else if signed.oadrRequestReregistration != nil {
            contract.logger.notice("the VTN asked this VEN to register again")
            try await send("EiRegisterParty", "oadrResponse", OADR2Outgoing.Acknowledgement(eiResponse: .ok(nil), venID: registration.venID))
            return true
        } else if let cancel = signed.oadrCancelPartyRegistration {
            contract.logger.notice("the VTN cancelled this VEN's registration; registering again")
            try await send(
                "EiRegisterParty",
                "oadrCanceledPartyRegistration",
                OADR2Outgoing.Acknowledgement(
                    eiResponse: .ok(cancel.requestID),
                    registrationID: registration.registrationID,
                    venID: registration.venID
                )
            )
            return true
        } else if let create = signed.oadrCreateReport {
            let accepted = add(create.oadrReportRequest ?? [], to: &reports)
            try await send(
                "EiReport",
                "oadrCreatedReport",
                OADR2Outgoing.Acknowledgement(eiResponse: .ok(create.requestID), pendingReports: .init(ids: accepted), venID: registration.venID)
            )
        } else if let cancel = signed.oadrCancelReport {
            for id in cancel.reportRequestID ?? [] { reports[id] = nil }
            try await send(
                "EiReport",
                "oadrCanceledReport",
                OADR2Outgoing.Acknowledgement(eiResponse: .ok(cancel.requestID), pendingReports: .init(ids: []), venID: registration.venID)
            )
        } else if let register = signed.oadrRegisterReport {
            try await send(
                "EiReport",
                "oadrRegisteredReport",
                OADR2Outgoing.Acknowledgement(eiResponse: .ok(register.requestID), venID: registration.venID)
            )
        } else if let response = signed.oadrResponse?.eiResponse, response.responseCode != "200" {
            if response.responseCode == "463" { return true }  // not registered or authorised
            contract.refuse("the VTN answered \(response.responseCode) \(response.responseDescription ?? "")")
        }
        return false
    }

    func distributed(_ distribute: OADR2Incoming.DistributeEvent, _ registration: Registration) async throws {
        var events: [DREvent] = []
        var unreadable: [EventResponse] = []
        for item in distribute.oadrEvent ?? [] {
            do {
                events.append(try item.event())
            } catch {
                contract.refuse(error.description)
                let descriptor = item.eiEvent.eventDescriptor
                unreadable.append(
                    EventResponse(
                        eventID: descriptor.eventID,
                        modification: descriptor.modificationNumber,
                        optIn: false,
                        code: 454,
                        reason: error.description
                    )
                )
            }
        }
        let now = clock.now
        let required = Set(events.filter(\.responseRequired).map(\.id)).union(unreadable.map(\.eventID))
        let responses = (contract.step { $0.receive(events, at: now) } + unreadable).filter { required.contains($0.eventID) }
        guard !responses.isEmpty else { return }
        let message = OADR2Outgoing.CreatedEvent(
            body: .init(
                eiResponse: .ok(distribute.requestID),
                eventResponses: .init(
                    responses: responses.map {
                        .init(
                            responseCode: "\($0.code)",
                            responseDescription: $0.code == 200 ? "OK" : String($0.reason.prefix(200)),
                            requestID: distribute.requestID ?? "",
                            qualifiedEventID: .init(eventID: $0.eventID, modificationNumber: $0.modification),
                            optType: $0.optIn ? "optIn" : "optOut"
                        )
                    }
                ),
                venID: registration.venID
            )
        )
        try await send("EiEvent", "oadrCreatedEvent", message)
    }

    // MARK: - Reports

    func serveReports(_ reports: inout [String: ReportRequest], venID: String) async {
        let now = clock.now
        let site = contract.site
        for id in reports.keys.sorted() {
            guard var report = reports[id] else { continue }
            while report.nextSample <= now {
                for rID in report.rIDs {
                    if rID == Self.usageRID, let mw = site.measuredMW {
                        report.samples.append((report.nextSample, rID, .init(rID: rID, float: .init(value: (mw * 1000 * 1000).rounded() / 1000))))
                    } else if rID == Self.statusRID {
                        report.samples.append(
                            (report.nextSample, rID, .init(rID: rID, status: .init(online: site.controllerOnline, manualOverride: false)))
                        )
                    }
                }
                report.nextSample = report.nextSample.adding(seconds: report.granularity)
                if report.nextSample < now.adding(seconds: -report.reportBack) { report.nextSample = now }
            }
            if report.nextSend <= now {
                report.nextSend = now.adding(seconds: report.reportBack)
                if !report.samples.isEmpty {
                    let name = report.specifierID == Self.usageSpecifier ? "TELEMETRY_USAGE" : "TELEMETRY_STATUS"
                    let message = OADR2Outgoing.UpdateReport(
                        requestID: Self.newID(),
                        reports: [
                            .init(
                                dtstart: .init(dateTime: report.samples[0].0.iso8601),
                                intervals: .init(intervals: report.samples.map { .init(dtstart: .init(dateTime: $0.0.iso8601), payload: $0.2) }),
                                reportID: Self.newID(),
                                reportRequestID: report.requestID,
                                reportSpecifierID: report.specifierID,
                                reportName: name,
                                createdDateTime: now.iso8601
                            )
                        ],
                        venID: venID
                    )
                    do {
                        try await send("EiReport", "oadrUpdateReport", message)
                        report.samples = []
                    } catch {
                        contract.logger.warning("report \(name) not sent: \(error); kept for the next try")
                        if report.samples.count > 10_000 { report.samples.removeFirst(report.samples.count - 10_000) }
                    }
                }
            }
            reports[id] = report
        }
    }

    // MARK: - Transport

    /// Posts `message` to the VTN's `service` and reads the answer.
    func exchange(_ service: String, _ name: String, _ message: some Encodable) async throws -> OADR2Incoming {
        let body = try OADR2Outgoing.payload(name, message)
        let response: FeedHTTP.Response
        do {
            response = try await http.send(.POST, "\(settings.vtnURL)/\(service)", body: ("application/xml", body))
        } catch {
            contract.count(name, "unreachable")
            throw error
        }
        guard response.status == 200 else {
            contract.count(name, "http \(response.status)")
            throw OADR2InputError(
                description: "\(name): the VTN answered HTTP \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))"
            )
        }
        if response.body.isEmpty {
            contract.count(name, "ok")
            return OADR2Incoming(oadrSignedObject: .init())
        }
        do {
            let answer = try OADR2Incoming.read(response.body)
            contract.count(name, "ok")
            return answer
        } catch {
            contract.count(name, "unreadable")
            contract.refuse("\(name): \(error.description)")
            throw error
        }
    }

    /// Posts `message`; the answer (an oadrResponse) is only checked for an error code.
    func send(_ service: String, _ name: String, _ message: some Encodable) async throws {
        let answer = try await exchange(service, name, message)
        if let code = answer.oadrSignedObject.oadrResponse?.eiResponse?.responseCode, code != "200" {
            contract.refuse("\(name): the VTN answered \(code) \(answer.oadrSignedObject.oadrResponse?.eiResponse?.responseDescription ?? "")")
        }
    }

    static func newID() -> String { UUID().uuidString.lowercased() }
}
