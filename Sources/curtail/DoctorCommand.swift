import ArgumentParser
import CurtailCommandLine
import CurtailCore
import CurtailDoctor
import CurtailMQTT
import CurtailSite
import Foundation
import Logging

/// `curtail doctor`: is this site ready to go live? A checklist against the real broker.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check what a site needs before it goes live; prints a checklist with what to do for each failure, exit 1 if any fails.",
        discussion: """
            Checks: the site and policy files; the broker reachable; its TLS certificate trusted and not expiring \
            within 30 days; the credentials accepted; the ACL (the controller reads and writes its topics, and a write \
            to another site's topics is refused); a fresh retained price and hash price; the clock against the grid \
            feed's timestamps; the audit database's directory writable with at least 1 GiB free (and the database \
            opening, if it exists); the lease record of the controller pair. A check that cannot run says why. \
            See docs/operations.md.
            """
    )

    @Option(help: "Site file (YAML), as curtail run reads it.")
    var config: String

    @Option(help: "The miner inventory (YAML); adds the checks that need it.")
    var miners: String?

    @Option(help: "Broker address, mqtt://HOST:PORT or mqtts://; overrides the site file's mqtt.broker.")
    var broker: String?

    @Option(name: .customLong("audit-db"), help: "Where curtail run keeps its audit database (default: as curtail run).")
    var auditDB: String?

    @OptionGroup var mqttUser: MQTTUserOptions

    @OptionGroup var logging: LogLevelOptions

    func run() async throws {
        try logging.bootstrap()
        var logger = Logger(label: "curtail.doctor")
        // The checklist is the output; the MQTT client's connection notices are not.
        logger.logLevel = max(logger.logLevel, .warning)
        var setup: SiteSetup
        do {
            setup = try SiteSetup.loadForCommand(sitePath: config, policyPath: nil, assignments: [])
        } catch {
            print(
                DoctorCheck("site and policy files", .failed, "\(error)", fix: "fix the file at the position given; curtail validate checks it").text
            )
            print("\nnot ready: the site file must load before anything else can be checked")
            throw ExitCode(1)
        }
        mqttUser.apply(to: &setup)
        var checks = [DoctorCheck("site and policy files", .passed, "\(setup.sitePath) and \(setup.policyPath) are valid")]
        let mqtt: MQTTConfiguration
        do {
            mqtt = try setup.mqttConfiguration(broker: broker, instance: "doctor")
        } catch {
            checks.append(DoctorCheck("broker settings", .failed, "\(error)", fix: "correct the mqtt: section of \(setup.sitePath)"))
            Self.report(checks)
            throw ExitCode(1)
        }
        let doctor = SiteDoctor(
            setup: setup,
            mqtt: mqtt,
            auditPath: auditDB ?? RunCommand.defaultAuditPath(site: setup.site.id, instance: "1"),
            minersPath: miners,
            logger: logger
        )
        checks += await doctor.run()
        Self.report(checks)
        if checks.contains(where: { $0.outcome == .failed }) { throw ExitCode(1) }
    }

    static func report(_ checks: [DoctorCheck]) {
        for check in checks { print(check.text) }
        let failed = checks.filter { $0.outcome == .failed }.count
        let notRun = checks.filter { $0.outcome == .notRun }.count
        print("")
        print(
            failed == 0
                ? "ready: \(checks.count - notRun) checks passed" + (notRun > 0 ? ", \(notRun) not run (see why above)" : "")
                : "not ready: \(failed) of \(checks.count) checks failed"
        )
    }
}
