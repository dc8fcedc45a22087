internal import CMosquitto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension MQTTClient {
    /// Applies the configuration to the fresh libmosquitto handle and installs the callbacks.
    func configure() throws(MQTTError) {
        func check(_ rc: Int32, _ what: String) throws(MQTTError) {
            guard rc == MOSQ_ERR_SUCCESS.rawValue else { throw MQTTError.library(rc, what) }
        }
        let configuration = self.configuration
        // No mosquitto_threaded_set: mosquitto_loop_start refuses a handle already marked threaded.
        if case .v5 = configuration.protocolVersion {
            try check(mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5), "selecting MQTT 5")
        }
        try check(mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, configuration.tcpNoDelay ? 1 : 0), "setting TCP_NODELAY")
        let reconnect = configuration.reconnect
        try check(
            mosquitto_reconnect_delay_set(
                handle,
                UInt32(clamping: reconnect.initialDelay.components.seconds),
                UInt32(clamping: reconnect.maximumDelay.components.seconds),
                reconnect.exponential
            ),
            "setting the reconnect delay"
        )
        if let credentials = configuration.credentials {
            try check(mosquitto_username_pw_set(handle, credentials.username, credentials.password), "setting user name and password")
        }
        if let will = configuration.will {
            var properties: OpaquePointer? = nil
            if let expiry = will.messageExpiry, case .v5 = configuration.protocolVersion {
                let seconds = UInt32(clamping: max(expiry.components.seconds, 1))
                _ = mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), seconds)
            }
            // On success libmosquitto takes ownership of the property list.
            let rc = will.payload.withUnsafeBytes { bytes in
                mosquitto_will_set_v5(handle, will.topic, Int32(bytes.count), bytes.baseAddress, Int32(will.qos.rawValue), will.retain, properties)
            }
            if rc != MOSQ_ERR_SUCCESS.rawValue { mosquitto_property_free_all(&properties) }
            try check(rc, "setting the will message on '\(will.topic)'")
        }
        if let tls = configuration.tls {
            let caPath: String? = tls.caFile == nil ? "/etc/ssl/certs" : nil
            let rc = mosquitto_tls_set(handle, tls.caFile, caPath, tls.certificateFile, tls.keyFile, nil)
            guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                throw MQTTError(
                    .tlsFileUnreadable,
                    "TLS setup failed (\(String(cString: mosquitto_strerror(rc)))); check that the CA, certificate and key files are PEM and belong together"
                )
            }
        }
        mosquitto_connect_v5_callback_set(handle, mqttOnConnect)
        mosquitto_disconnect_v5_callback_set(handle, mqttOnDisconnect)
        mosquitto_publish_v5_callback_set(handle, mqttOnPublish)
        mosquitto_subscribe_v5_callback_set(handle, mqttOnSubscribe)
        mosquitto_unsubscribe_v5_callback_set(handle, mqttOnUnsubscribe)
        mosquitto_message_v5_callback_set(handle, mqttOnMessage)
        mosquitto_log_callback_set(handle, mqttOnLog)
    }

    /// Fails early, with the path, when a TLS file cannot be read (libmosquitto only says "invalid").
    static func checkReadable(_ tls: MQTTConfiguration.TLS) throws(MQTTError) {
        let files: [(String, String?)] = [
            ("CA file", tls.caFile), ("client certificate", tls.certificateFile), ("client key", tls.keyFile),
        ]
        for case (let role, let path?) in files {
            guard access(path, R_OK) == 0 else {
                let reason = String(cString: strerror(errno))
                throw MQTTError(.tlsFileUnreadable, "TLS \(role) '\(path)' cannot be read: \(reason)")
            }
        }
        if (tls.certificateFile == nil) != (tls.keyFile == nil) {
            throw MQTTError(.invalidConfiguration, "TLS client certificate and key go together: set both or neither")
        }
    }
}
