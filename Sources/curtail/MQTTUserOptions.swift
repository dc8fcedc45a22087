import ArgumentParser
import CurtailPolicyFiles
import CurtailSite
import Foundation

/// `--mqtt-username` and `--mqtt-password-file`: the broker user of an edge process (agent, feeds)
/// when the broker's ACL gives it its own, instead of the site file's (the controller's).
struct MQTTUserOptions: ParsableArguments {
    @Option(help: "MQTT user name for this process (default: the site file's mqtt.username); the broker's ACL may give it its own.")
    var mqttUsername: String?

    @Option(help: "File whose first line is the password of --mqtt-username (default: the site file's mqtt.password_file).")
    var mqttPasswordFile: String?

    /// Puts the options into the site's MQTT settings (a password file relative to the working directory).
    func apply(to setup: inout SiteSetup) {
        if let mqttUsername { setup.settings.mqtt.username = mqttUsername }
        if let mqttPasswordFile { setup.settings.mqtt.passwordFile = URL(fileURLWithPath: mqttPasswordFile).path }
    }
}
