/// The demand-response programs the controller accepts deployments for, with the time the
/// grid operator allows to reach the target.
///
/// ERCOT: Emergency Response Service with 10- and 30-minute ramp (ERS-10, ERS-30), ERCOT
/// Contingency Reserve Service (ECRS, 10 minutes) and Responsive Reserve Service (RRS, 10
/// minutes when deployed by instruction; its under-frequency relay part is the controller's
/// frequency trip), Non-Spinning Reserve (NSPIN, 30 minutes). A deployment of a product the site
/// holds an award for lifts that award's floor while it lasts. `OpenADR`: events a utility or aggregator sent through `curtail openadr`
/// (10 minutes; the VEN moves the start earlier by the event's ramp-up). Any other program name
/// is refused.
public struct GridProgram: Hashable, Sendable {
    /// The program as named in event messages, e.g. `ERS-10`.
    public var name: String
    /// Seconds from the event start allowed to reach the target.
    public var responseSeconds: Double

    /// The accepted programs.
    public static let known: [GridProgram] = [
        GridProgram(name: "ERS-10", responseSeconds: 600),
        GridProgram(name: "ERS-30", responseSeconds: 1800),
        GridProgram(name: "ECRS", responseSeconds: 600),
        GridProgram(name: "RRS", responseSeconds: 600),
        GridProgram(name: "NSPIN", responseSeconds: 1800),
        GridProgram(name: "OpenADR", responseSeconds: 600),
    ]

    /// The program called `name`, or `nil`.
    public static func named(_ name: String) -> GridProgram? { known.first { $0.name == name } }
}
