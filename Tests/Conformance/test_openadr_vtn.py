"""`curtail openadr` (OpenADR 2.0b VEN) against a real VTN: openleadr 0.5.36's OpenADRServer.

The whole loop runs for real on loopback: mosquitto (started here), `gridsim play` at speed 1
with the simulated clock starting now (the site's miner controllers and its meter), `curtail run`
(the controller), `curtail openadr` (the VEN), and openleadr's VTN in this process. The VTN sends
a level-2 SIMPLE event, modifies it to level 3, cancels it; then sends a second event and is
restarted in the middle of it.

Run with `make conformance` (part of `make test`).
"""

import asyncio
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from openleadr import OpenADRServer, utils as oadr_utils

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("CURTAIL_BIN", ROOT / ".build" / "debug"))
SITE = ROOT / "Policies" / "sites" / "example-west-texas.yaml"
POLICY = ROOT / "Policies" / "breakeven.yaml"
LEVEL2_MW, LEVEL3_MW = 6.0, 3.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout, what, interval=0.2, context=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}" + (f"; last state: {context()}" if context else ""))


class VTN:
    """openleadr's VTN on its own event loop thread; survives restarts (same port, fresh state)."""

    def __init__(self, port):
        self.port = port
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.registrations = []
        self.reports = []  # (datetime, kW)
        self.opts = []  # (event_id, opt)
        self.server = None

    def call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def start(self):
        async def start():
            vens = {}
            server = OpenADRServer(vtn_id="test-vtn", http_host="127.0.0.1", http_port=self.port,
                                   requested_poll_freq=timedelta(seconds=1),
                                   ven_lookup=lambda ven_id: vens.get(ven_id))

            async def on_create_party_registration(info):
                ven_id = f"ven-{len(self.registrations) + 1}"
                vens[ven_id] = {"ven_id": ven_id, "ven_name": info["ven_name"], "registration_id": f"reg-{ven_id}"}
                self.registrations.append(info["ven_name"])
                return ven_id, f"reg-{ven_id}"

            async def on_register_report(ven_id, resource_id, measurement, unit, scale, min_sampling_interval,
                                         max_sampling_interval):
                if measurement == "Status":
                    return None
                return (lambda values: self.reports.extend(values)), timedelta(seconds=2), timedelta(seconds=4)

            server.add_handler("on_create_party_registration", on_create_party_registration)
            server.add_handler("on_register_report", on_register_report)
            await server.run()
            self.server = server
        self.call(start())

    def stop(self):
        self.call(self.server.stop())
        self.server = None

    def ven_id(self):
        return f"ven-{len(self.registrations)}"

    def add_event(self, level, start, minutes):
        def on_response(ven_id, event_id, opt_type):
            self.opts.append((event_id, opt_type))

        async def add():
            return self.server.add_event(ven_id=self.ven_id(), signal_name="simple", signal_type="level",
                                         intervals=[{"dtstart": start, "duration": timedelta(minutes=minutes),
                                                     "signal_payload": float(level)}],
                                         callback=on_response, market_context="oadr://utility.example/dr")
        return self.call(add())

    def modify(self, event_id, level):
        async def modify():
            ven = self.ven_id()
            event = oadr_utils.find_by(self.server.events[ven], "event_descriptor.event_id", event_id)
            for signal in event.event_signals:
                for interval in signal.intervals:
                    interval["signal_payload"] = float(level)
            oadr_utils.increment_event_modification_number(event)
            self.server.events_updated[ven] = True
        self.call(modify())

    def cancel(self, event_id):
        async def cancel():
            self.server.cancel_event(self.ven_id(), event_id)
        self.call(cancel())


class Bus:
    """mosquitto_sub on the site's topics: every message, in order, with its arrival time."""

    def __init__(self, port):
        self.messages = []
        self.process = subprocess.Popen(
            ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-v", "-t", "grid/ercot/events",
             "-t", "site/west-texas-1/meter", "-t", "site/west-texas-1/state", "-t", "site/west-texas-1/events/+/report"],
            stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.process.stdout:
            topic, _, payload = line.strip().partition(" ")
            try:
                self.messages.append((time.time(), topic, json.loads(payload)))
            except ValueError:
                pass

    def on(self, topic):
        return [(t, p) for t, tp, p in list(self.messages) if tp == topic]

    def state(self):
        states = self.on("site/west-texas-1/state")
        return states[-1][1] if states else {}


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    for tool in ("mosquitto", "mosquitto_sub"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            pytest.fail(f"{tool} is missing (apt install mosquitto mosquitto-clients)")
    if not (BIN / "curtail").exists():
        pytest.fail(f"{BIN / 'curtail'} is missing: build first (swift build --build-tests)")
    work = tmp_path_factory.mktemp("openadr")
    broker_port, vtn_port = free_port(), free_port()
    (work / "mosquitto.conf").write_text(f"listener {broker_port} 127.0.0.1\nallow_anonymous true\n")
    site = SITE.read_text().replace("policy: ../breakeven.yaml", f"policy: {POLICY}")
    site += (f"openadr:\n  version: \"2.0b\"\n  vtn_url: http://127.0.0.1:{vtn_port}/OpenADR2/Simple/2.0b\n"
             f"  poll_interval: 2s\n  levels: {{1: 75%, 2: {LEVEL2_MW}, 3: {LEVEL3_MW}}}\n")
    (work / "site.yaml").write_text(site)
    start = datetime.now(timezone.utc).replace(microsecond=0)
    (work / "scenario.yaml").write_text(
        f"scenario: openadr-now\nsite: {work / 'site.yaml'}\nstart: {start.strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
        "duration: 2h\nspeed: 1\nseed: 7\nprices:\n  synthetic: {mean: 25, volatility: 0, spike_probability: 0, interval_minutes: 1}\n"
        "hashprice:\n  usd_per_th_day: 0.05\ntelemetry_interval: 2s\nfrequency_interval: 0\n"
        "miners:\n  sleep: 2s\n  retune: 2s\n  initial: running\n")
    broker_url = f"mqtt://127.0.0.1:{broker_port}"
    processes = []
    logs = {}

    def spawn(name, arguments):
        log = open(work / f"{name}.log", "w")
        logs[name] = work / f"{name}.log"
        processes.append(subprocess.Popen(arguments, stdout=log, stderr=subprocess.STDOUT))

    spawn("mosquitto", ["mosquitto", "-c", str(work / "mosquitto.conf")])
    time.sleep(0.5)
    bus = Bus(broker_port)
    vtn = VTN(vtn_port)
    vtn.start()
    spawn("gridsim", [str(BIN / "gridsim"), "play", "--scenario", str(work / "scenario.yaml"), "--broker", broker_url,
                      "--delay", "0"])
    spawn("controller", [str(BIN / "curtail"), "run", "--config", str(work / "site.yaml"), "--broker", broker_url,
                         "--sim-clock", "--no-audit", "--metrics", "off"])
    spawn("ven", [str(BIN / "curtail"), "openadr", "--config", str(work / "site.yaml"), "--broker", broker_url])
    try:
        yield vtn, bus, logs
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        bus.process.terminate()


def meter_mw(bus):
    meters = bus.on("site/west-texas-1/meter")
    return meters[-1][1]["power_kw"] / 1000 if meters else None


def test_events_shed_the_site_and_reports_match_the_meter(loop):
    vtn, bus, logs = loop
    wait_for(lambda: vtn.registrations, 30, "the VEN to register")
    wait_for(lambda: (meter_mw(bus) or 0) > 8, 60, "the site to run above 8 MW before the event")

    # A level-2 event starting now: the site goes to the mapped cap through the controller.
    event_id = vtn.add_event(2, datetime.now(timezone.utc) + timedelta(seconds=3), minutes=10)
    wait_for(lambda: (event_id, "optIn") in vtn.opts, 20, "the VEN's optIn")
    published = wait_for(lambda: [p for _, p in bus.on("grid/ercot/events") if p.get("id") == event_id], 20,
                         "the event on grid/ercot/events")
    assert published[-1]["target"] == {"max_mw": LEVEL2_MW}
    assert published[-1]["program"] == "OpenADR"
    wait_for(lambda: meter_mw(bus) is not None and meter_mw(bus) <= LEVEL2_MW, 90, f"the meter at or below {LEVEL2_MW} MW")

    # Modified to level 3: a lower cap, same event id.
    vtn.modify(event_id, 3)
    wait_for(lambda: any(p.get("target") == {"max_mw": LEVEL3_MW} for _, p in bus.on("grid/ercot/events")
                         if p.get("id") == event_id), 20, "the modified cap")
    wait_for(lambda: meter_mw(bus) <= LEVEL3_MW, 90, f"the meter at or below {LEVEL3_MW} MW")

    # Cancelled: the cap is lifted and the site comes back.
    vtn.cancel(event_id)
    wait_for(lambda: any(p.get("id") == event_id and p.get("status") == "cancelled" for _, p in bus.on("grid/ercot/events")),
             20, "the cancellation on grid/ercot/events")
    wait_for(lambda: any(p.get("status") == "cancelled" for _, p in bus.on(f"site/west-texas-1/events/{event_id}/report")),
             20, "the controller's cancelled report")
    # The site ramps back at its ramp_up_mw_per_min (2 MW/min): the cap is gone at once, the load follows.
    wait_for(lambda: bus.state().get("cap_mw") == 10 and (bus.state().get("target_mw") or 0) > LEVEL3_MW + 1, 60,
             "the cap lifted (back to max_import_mw) and the target rising",
             context=lambda: {k: bus.state().get(k) for k in ("target_mw", "measured_mw", "cap_mw", "constraints", "rules", "waiting_for")})
    wait_for(lambda: meter_mw(bus) > LEVEL3_MW + 1, 120, "the site's load rising again")

    # Reports: every value the VTN received is a meter reading the site published.
    assert len(vtn.reports) >= 5, f"only {len(vtn.reports)} report values arrived"
    readings = {round(p["power_kw"], 1) for _, p in bus.on("site/west-texas-1/meter")}
    states = {round(p["measured_mw"] * 1000, 1) for _, p in bus.on("site/west-texas-1/state") if p.get("measured_mw") is not None}
    for stamp, kw in vtn.reports:
        assert round(kw, 1) in readings | states, f"reported {kw} kW at {stamp} is no meter reading"
    shed = [kw for _, kw in vtn.reports if kw <= LEVEL3_MW * 1000]
    assert shed, "no report shows the shed load"


def test_a_vtn_restart_mid_event_keeps_the_event_until_its_end(loop):
    vtn, bus, logs = loop
    wait_for(lambda: meter_mw(bus) > LEVEL3_MW + 1, 180, "the site running above the level-3 cap before the second event")
    registrations = len(vtn.registrations)
    start = datetime.now(timezone.utc) + timedelta(seconds=2)
    event_id = vtn.add_event(3, start, minutes=1.5)
    wait_for(lambda: (event_id, "optIn") in vtn.opts, 20, "the VEN's optIn")
    wait_for(lambda: meter_mw(bus) <= LEVEL3_MW, 60, "the site shed for the second event")

    vtn.stop()
    time.sleep(4)
    vtn.start()
    wait_for(lambda: len(vtn.registrations) > registrations, 30, "the VEN to register again with the restarted VTN")
    assert not any(p.get("id") == event_id and p.get("status") == "cancelled" for _, p in bus.on("grid/ercot/events"))
    assert meter_mw(bus) <= LEVEL3_MW * 1.01  # the meter wanders by a few kW around the held load

    # The event ends on time: the controller completes it and the site may run again.
    end = start + timedelta(minutes=1.5)
    wait_for(lambda: any(p.get("status") == "completed" for _, p in bus.on(f"site/west-texas-1/events/{event_id}/report")),
             max(10, (end - datetime.now(timezone.utc)).total_seconds() + 20), "the controller's completed report")
    log = Path(logs["ven"]).read_text()
    assert "registered with VTN" in log and "cancelled" not in log.split(event_id)[-1]
