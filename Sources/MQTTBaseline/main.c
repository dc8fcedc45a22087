/*
 * mqtt-baseline: a bare C libmosquitto relay and pinger, the floor that `curtail bench mqtt`
 * measures the Swift client against, through the same broker in the same run.
 *
 *   mqtt-baseline relay HOST PORT IN_TOPIC OUT_TOPIC [FANOUT]
 *       Subscribes to IN_TOPIC (QoS 1); for every message publishes it FANOUT times (default 1)
 *       to OUT_TOPIC (QoS 1). Prints "ready" once subscribed. Stops on SIGTERM/SIGINT.
 *
 *   mqtt-baseline ping HOST PORT OUT_TOPIC IN_TOPIC COUNT [WARMUP] [EXPECT]
 *       Publishes COUNT+WARMUP messages to OUT_TOPIC (QoS 1), one at a time, and waits for
 *       EXPECT replies (default 1) on IN_TOPIC before sending the next. Prints one round-trip
 *       time in nanoseconds per line (warm-up excluded).
 *
 * Both use MQTT 5 and TCP_NODELAY, like the Swift client's defaults.
 */
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct mosquitto *client;
static const char *in_topic;
static const char *out_topic;
static int fanout = 1;

/* ping state */
static long total, warmup, sent, expect = 1, replies;
static long long started_ns;
static long long *samples;

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_signal(int sig) {
    (void)sig;
    mosquitto_disconnect(client);
}

static void on_connect(struct mosquitto *m, void *ud, int rc, int flags, const mosquitto_property *p) {
    (void)ud; (void)flags; (void)p;
    if (rc != 0) {
        fprintf(stderr, "mqtt-baseline: connection refused: %s\n", mosquitto_reason_string(rc));
        exit(1);
    }
    mosquitto_subscribe_v5(m, NULL, in_topic, 1, 0, NULL);
}

static void send_ping(struct mosquitto *m) {
    char payload[32];
    int n = snprintf(payload, sizeof payload, "%ld", sent);
    replies = 0;
    started_ns = now_ns();
    mosquitto_publish_v5(m, NULL, out_topic, n, payload, 1, false, NULL);
    sent++;
}

static void relay_on_subscribe(struct mosquitto *m, void *ud, int mid, int count, const int *granted, const mosquitto_property *p) {
    (void)m; (void)ud; (void)mid; (void)count; (void)granted; (void)p;
    printf("ready\n");
    fflush(stdout);
}

static void relay_on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg, const mosquitto_property *p) {
    (void)ud; (void)p;
    for (int i = 0; i < fanout; i++) {
        mosquitto_publish_v5(m, NULL, out_topic, msg->payloadlen, msg->payload, 1, false, NULL);
    }
}

static void ping_on_subscribe(struct mosquitto *m, void *ud, int mid, int count, const int *granted, const mosquitto_property *p) {
    (void)ud; (void)mid; (void)count; (void)granted; (void)p;
    send_ping(m);
}

static void ping_on_message(struct mosquitto *m, void *ud, const struct mosquitto_message *msg, const mosquitto_property *p) {
    (void)ud; (void)msg; (void)p;
    if (++replies < expect) return;
    long long elapsed = now_ns() - started_ns;
    long index = sent - 1 - warmup;
    if (index >= 0) samples[index] = elapsed;
    if (sent == total + warmup) {
        mosquitto_disconnect(m);
        return;
    }
    send_ping(m);
}

static int usage(void) {
    fprintf(stderr,
            "usage: mqtt-baseline relay HOST PORT IN OUT [FANOUT]\n"
            "       mqtt-baseline ping HOST PORT OUT IN COUNT [WARMUP] [EXPECT]\n");
    return 2;
}

int main(int argc, char **argv) {
    if (argc < 6) return usage();
    int is_relay = strcmp(argv[1], "relay") == 0;
    if (!is_relay && strcmp(argv[1], "ping") != 0) return usage();
    const char *host = argv[2];
    int port = atoi(argv[3]);
    if (is_relay) {
        in_topic = argv[4];
        out_topic = argv[5];
        if (argc > 6) fanout = atoi(argv[6]);
    } else {
        if (argc < 7) return usage();
        out_topic = argv[4];
        in_topic = argv[5];
        total = atol(argv[6]);
        warmup = argc > 7 ? atol(argv[7]) : 100;
        expect = argc > 8 ? atol(argv[8]) : 1;
        samples = calloc((size_t)total, sizeof *samples);
        if (!samples || total <= 0) return usage();
    }

    mosquitto_lib_init();
    char id[64];
    snprintf(id, sizeof id, "baseline-%s-%ld", argv[1], (long)getpid());
    client = mosquitto_new(id, true, NULL);
    if (!client) return 1;
    mosquitto_int_option(client, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
    mosquitto_int_option(client, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_connect_v5_callback_set(client, on_connect);
    if (is_relay) {
        mosquitto_subscribe_v5_callback_set(client, relay_on_subscribe);
        mosquitto_message_v5_callback_set(client, relay_on_message);
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
    } else {
        mosquitto_subscribe_v5_callback_set(client, ping_on_subscribe);
        mosquitto_message_v5_callback_set(client, ping_on_message);
    }
    int rc = mosquitto_connect(client, host, port, 30);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "mqtt-baseline: cannot connect to %s:%d: %s\n", host, port, mosquitto_strerror(rc));
        return 1;
    }
    mosquitto_loop_forever(client, -1, 1);
    if (!is_relay) {
        for (long i = 0; i < total; i++) printf("%lld\n", samples[i]);
    }
    mosquitto_destroy(client);
    mosquitto_lib_cleanup();
    return 0;
}
