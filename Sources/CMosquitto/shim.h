#ifndef CURTAIL_CMOSQUITTO_SHIM_H
#define CURTAIL_CMOSQUITTO_SHIM_H

#include <mosquitto.h>
#include <mqtt_protocol.h>

/// The libmosquitto version the headers describe (computed macros are not imported by Swift).
static inline int CMosquitto_compiledVersionNumber(void) {
    return LIBMOSQUITTO_VERSION_NUMBER;
}

#endif
