/// `site/{site}/controller/status` (retained, and the controller's MQTT will): the bare text
/// `online` or `offline`, not JSON.
public enum ControllerStatus: String, WirePayload, Hashable, CaseIterable {
    case online
    case offline

    public static var payloadName: String { "controller status" }

    public init(decoding payload: [UInt8]) throws(Rejection) {
        let text = String(decoding: payload, as: UTF8.self)
        guard let status = ControllerStatus(rawValue: text) else {
            throw Rejection(.unknownKind, "controller status must be \"online\" or \"offline\", found \"\(text.prefix(40))\"")
        }
        self = status
    }

    public func encode() -> [UInt8] { Array(rawValue.utf8) }
}
