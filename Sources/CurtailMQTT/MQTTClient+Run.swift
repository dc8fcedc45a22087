internal import CMosquitto
import Logging
import ServiceLifecycle
import Synchronization

extension MQTTClient {
    /// Runs the connection until graceful shutdown or cancellation.
    ///
    /// 1. Connects, retrying with ``MQTTConfiguration/reconnect`` backoff while the broker is
    ///    not reachable (libmosquitto does not retry a first connection by itself).
    /// 2. Keeps the connection: libmosquitto's network thread reconnects after a loss; on every
    ///    accepted connection the subscriptions the broker does not hold are sent again.
    /// 3. On graceful shutdown or cancellation: disconnects cleanly (no will), stops the network
    ///    thread, fails every waiting call with `clientStopped`, and finishes ``messages`` and
    ///    ``events``. Returns normally.
    ///
    /// - Throws: ``MQTTError`` `connectionRefused` when the broker refuses for a reason retrying
    ///   cannot fix (bad credentials, not authorised, banned, client id rejected); `alreadyRunning`
    ///   when called twice.
    public func run() async throws {
        try await run(stopOnGracefulShutdown: true)
    }

    /// Runs the connection until the task is cancelled, ignoring graceful shutdown.
    ///
    /// For an owner that must still publish after shutdown begins (a controller's last
    /// `offline` status): it runs the client with this in a child task, publishes, then cancels
    /// the child. Otherwise the same as ``run()``.
    public func runUntilCancelled() async throws {
        try await run(stopOnGracefulShutdown: false)
    }

    private func run(stopOnGracefulShutdown: Bool) async throws {
        guard !hasRun.exchange(true, ordering: .relaxed) else {
            throw MQTTError(.alreadyRunning, "MQTTClient.run() was called twice; a client runs once, create a new one to start over")
        }
        let controls = sink.controls
        do {
            if stopOnGracefulShutdown {
                try await withTaskCancellationOrGracefulShutdownHandler {
                    try await self.connectAndServe(stopOnGracefulShutdown: true)
                } onCancelOrGracefulShutdown: {
                    controls.yield(.stop)
                }
            } else {
                try await withTaskCancellationHandler {
                    try await self.connectAndServe(stopOnGracefulShutdown: false)
                } onCancel: {
                    controls.yield(.stop)
                }
            }
        } catch {
            shutDown(reason: error as? MQTTError)
            throw error
        }
        shutDown(reason: nil)
    }

    private enum ServeOutcome {
        case stopped
        case retryWithV311
    }

    private func connectAndServe(stopOnGracefulShutdown: Bool) async throws(MQTTError) {
        var iterator = controls.makeAsyncIterator()
        while true {
            guard try await connectFirst(stopOnGracefulShutdown: stopOnGracefulShutdown) else { return }
            switch try await serve(&iterator) {
            case .stopped:
                return
            case .retryWithV311:
                stopLoop()
                _ = mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311)
                sink.state.withLock { $0.usesV5 = false }
            }
        }
    }

    /// Makes the first TCP connection, retrying with backoff. Returns `false` when asked to stop.
    private func connectFirst(stopOnGracefulShutdown: Bool) async throws(MQTTError) -> Bool {
        let host = configuration.host
        let port = configuration.port
        let keepAlive = Int32(clamping: configuration.keepAlive.components.seconds)
        var failures = 0
        sink.state.withLock { $0.phase = .connecting }
        while true {
            if Task.isCancelled || (stopOnGracefulShutdown && Task.isShuttingDownGracefully) { return false }
            sink.state.withLock { $0.lastLibraryProblem = nil }
            let rc = connectOnce(host: host, port: Int32(port), keepAlive: keepAlive)
            if rc == MOSQ_ERR_SUCCESS.rawValue { break }
            let error = MQTTError.library(rc, "connecting to the MQTT broker at \(host):\(port)")
            guard error.code == .connectionFailed || error.code == .notConnected else { throw error }
            // The return code says only "a TLS error"; what libmosquitto logged during this attempt
            // (e.g. OpenSSL's "certificate verify failed") says which, whichever came first.
            sink.state.withLock { state in
                state.lastConnectionError = state.lastLibraryProblem.map { "\(error.message): \($0)" } ?? error.message
            }
            let delay = configuration.reconnect.delay(afterFailures: failures)
            failures += 1
            logger.log(
                level: failures == 1 ? .warning : .info,
                "MQTT broker not reachable yet; retrying",
                metadata: ["mqtt.error": "\(error)", "mqtt.retry_in": "\(delay)", "mqtt.attempt": "\(failures)"]
            )
            if stopOnGracefulShutdown {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            } else {
                try? await Task.sleep(for: delay)
            }
        }
        let rc = mosquitto_loop_start(handle)
        guard rc == MOSQ_ERR_SUCCESS.rawValue else { throw MQTTError.library(rc, "starting the MQTT network thread") }
        loopRunning.store(true, ordering: .relaxed)
        return true
    }

    /// One connection attempt. An MQTT 5 persistent session needs a Session Expiry Interval in
    /// CONNECT (without it the broker ends the session at disconnect), and only libmosquitto's
    /// blocking `connect_bind_v5` takes CONNECT properties; it keeps them for the network thread's
    /// reconnects. Its TCP connect blocks this thread briefly (a refused loopback or LAN port
    /// fails at once). Every other case uses the non-blocking connect.
    private func connectOnce(host: String, port: Int32, keepAlive: Int32) -> Int32 {
        guard usesMQTT5, !configuration.cleanSession else {
            return mosquitto_connect_bind_async(handle, host, port, keepAlive, nil)
        }
        var properties: OpaquePointer? = nil
        defer { mosquitto_property_free_all(&properties) }
        let expiry = UInt32(clamping: configuration.sessionExpiry.components.seconds)
        _ = mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), expiry)
        return mosquitto_connect_bind_v5(handle, host, port, keepAlive, nil, properties)
    }

    /// Handles what the network thread reports until asked to stop.
    private func serve(_ iterator: inout AsyncStream<Control>.Iterator) async throws(MQTTError) -> ServeOutcome {
        var everConnected = false
        while let control = await iterator.next(isolation: #isolation) {
            switch control {
            case .stop:
                return .stopped

            case .connack(let reason, let sessionPresent) where reason == .success:
                everConnected = true
                let resubscribe = sink.state.withLock { $0.connected(sessionPresent: sessionPresent) }
                logger.notice(
                    "connected to the MQTT broker",
                    metadata: [
                        "mqtt.broker": "\(configuration.host):\(configuration.port)",
                        "mqtt.session_present": "\(sessionPresent)",
                        "mqtt.protocol": "\(usesMQTT5 ? "5" : "3.1.1")",
                    ]
                )
                // Report the connection once the subscriptions are back, so whoever reacts to it
                // (republishing state, publishing a request) does not race the re-subscription.
                await resubscribeAll(resubscribe)
                for waiter in sink.state.withLock({ $0.restored() }) { waiter.resume(returning: .success(())) }
                sink.events.yield(.connected(sessionPresent: sessionPresent))

            case .connack(let reason, _)
            where reason == .unsupportedProtocolVersion && !everConnected && usesMQTT5
                && configuration.protocolVersion == .v5(fallbackToV311: true):
                logger.notice("the MQTT broker does not speak MQTT 5; falling back to MQTT 3.1.1")
                return .retryWithV311

            case .connack(let reason, _):
                sink.state.withLock { $0.lastConnectionError = "the broker refused the connection: \(reason)" }
                sink.events.yield(.connectionRefused(reason))
                if reason.isPermanentConnectFailure {
                    throw MQTTError(.connectionRefused, Self.refusalMessage(reason, configuration), reasonCode: reason)
                }
                logger.warning("the MQTT broker refused the connection; retrying", metadata: ["mqtt.reason": "\(reason)"])

            case .connectionLost(let why):
                logger.warning("lost the MQTT connection; reconnecting", metadata: ["mqtt.reason": "\(why)"])
                sink.events.yield(.disconnected(reason: why))
            }
        }
        return .stopped
    }

    private func resubscribeAll(_ subscriptions: [ClientState.Subscription]) async {
        for subscription in subscriptions {
            do {
                try await send(subscription)
            } catch {
                logger.error(
                    "could not re-subscribe after connecting",
                    metadata: ["mqtt.filter": "\(subscription.filter)", "mqtt.error": "\(error)"]
                )
                if let code = error.reasonCode {
                    sink.events.yield(.subscriptionRejected(filter: subscription.filter, code))
                }
            }
        }
    }

    /// Disconnects cleanly and stops the network thread, if it runs.
    private func stopLoop() {
        guard loopRunning.exchange(false, ordering: .relaxed) else { return }
        _ = mosquitto_disconnect_v5(handle, Int32(MQTT_RC_NORMAL_DISCONNECTION.rawValue), nil)
        _ = mosquitto_loop_stop(handle, false)
    }

    private func shutDown(reason: MQTTError?) {
        stopLoop()
        let (acknowledgements, connections, stopped, connectionOutcome) = sink.state.withLock { $0.stop(reason: reason) }
        for continuation in acknowledgements { continuation.resume(returning: .failure(stopped)) }
        for continuation in connections { continuation.resume(returning: .failure(connectionOutcome)) }
        sink.messages.finish()
        sink.events.finish()
        logger.info("MQTT client stopped")
    }

    static func refusalMessage(_ reason: MQTTReasonCode, _ configuration: MQTTConfiguration) -> String {
        let broker = "\(configuration.host):\(configuration.port)"
        switch reason {
        case .badUserNameOrPassword:
            return "the MQTT broker at \(broker) rejected the user name or password (\(reason)); check the credentials in the configuration"
        case .notAuthorized:
            return "the MQTT broker at \(broker) says this client is not authorised (\(reason)); check the credentials and the broker's ACL"
        case .clientIdentifierNotValid:
            return "the MQTT broker at \(broker) rejected client id '\(configuration.clientID)' (\(reason)); use a shorter id of letters and digits"
        case .banned:
            return "the MQTT broker at \(broker) has banned this client (\(reason)); ask the broker's operator"
        default:
            return "the MQTT broker at \(broker) refused the connection: \(reason)"
        }
    }
}
