/// How `curtail openadr` reaches its VTN and maps the VTN's events into the grid contract
/// (`openadr:` in the site file). See docs/openadr.md.
public struct OpenADRSettings: Hashable, Sendable {
    /// The OpenADR profile the VTN speaks.
    public enum Version: String, Hashable, Sendable, CaseIterable {
        /// OpenADR 2.0b: XML over HTTP(S), the VEN polls with `oadrPoll`.
        case v2_0b = "2.0b"
        /// OpenADR 3.1: REST/JSON with OAuth2 client credentials.
        case v3_1 = "3.1"
    }

    /// What a SIMPLE level (1–3) asks of the site.
    public enum LevelTarget: Hashable, Sendable, CustomStringConvertible {
        /// Hold the site at or below this many MW.
        case megawatts(Double)
        /// Hold the site at or below this share (0…1) of the load it runs when the event arrives.
        case fractionOfRunningLoad(Double)

        public var description: String {
            switch self {
            case .megawatts(let mw): "\(mw) MW"
            case .fractionOfRunningLoad(let f): "\(f * 100)% of the running load"
            }
        }
    }

    /// Which kind of price a PRICE signal becomes on `grid/{market}/{node}/price`.
    public enum PriceKind: String, Hashable, Sendable, CaseIterable {
        /// A day-ahead price (`"kind": "da"`), what a schedule sent ahead of time is.
        case dayAhead = "da"
        /// The real-time price: only for a site whose VTN is its price source.
        case realTime = "rt"
        /// Not published (logged only).
        case none
    }

    public var version: Version
    /// 2.0b: the VTN's base URL up to `.../OpenADR2/Simple/2.0b`; 3.1: the API base, e.g.
    /// `https://vtn.example/openadr3/3.1.0`.
    public var vtnURL: String
    /// This VEN's name at the VTN (default: the site id).
    public var venName: String
    /// Seconds between polls: 2.0b until the VTN requests a frequency, 3.1 always.
    public var pollSeconds: Double = 10
    /// 3.1: a YAML file with `client_id` and `client_secret` (default: the environment,
    /// `OPENADR_CLIENT_ID` and `OPENADR_CLIENT_SECRET`; none at all: unauthenticated).
    public var credentialsFile: String?
    /// CA certificate(s) for the VTN's TLS certificate (default: the system store).
    public var caFile: String?
    /// Client certificate and key (2.0b VTNs authenticate VENs by certificate).
    public var certFile: String?
    public var keyFile: String?
    /// 3.1: listen to the VTN's MQTT notifier when `/notifiers` offers one (polling goes on).
    public var mqttNotifier: Bool = true
    /// 3.1: the notifier broker to use instead of the one the VTN advertises (some VTNs advertise
    /// a URI without its port).
    public var mqttNotifierURL: String?
    /// SIMPLE levels 1–3 (0 is normal operation, no cap).
    public var levels: [Int: LevelTarget] = [1: .fractionOfRunningLoad(0.75), 2: .fractionOfRunningLoad(0.5), 3: .megawatts(0)]
    /// The program name the contract events carry (must be one the controller accepts).
    public var program: String = "OpenADR"
    /// Programs (2.0b market contexts, 3.1 program names or ids) the site may decline.
    public var voluntaryPrograms: [String] = []
    /// What a voluntary event pays per MWh shed, when the event itself carries no `BID_PRICE`.
    public var paymentUSDPerMWh: Double?
    /// PRICE signals become this kind of price.
    public var priceKind: PriceKind = .dayAhead
    /// ALERT_GRID_EMERGENCY becomes this EEA level on `grid/{market}/alerts` while it lasts.
    public var gridEmergencyEEALevel: Int = 2

    public init(version: Version, vtnURL: String, venName: String) {
        self.version = version
        self.vtnURL = vtnURL
        self.venName = venName
    }
}
