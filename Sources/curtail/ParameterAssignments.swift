import ArgumentParser
import Foundation

/// `--set NAME=VALUE` options (replay and tune) as a dictionary.
enum ParameterAssignments {
    static func parse(_ settings: [String]) throws -> [String: Double] {
        var parameters: [String: Double] = [:]
        for setting in settings {
            let parts = setting.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Double(parts[1].trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--set takes NAME=VALUE with a number, found '\(setting)'")
            }
            parameters[String(parts[0])] = value
        }
        return parameters
    }
}
