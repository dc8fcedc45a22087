"""`curtail run`'s live page in a real browser: Debian's chromium, headless, driven over the
Chrome DevTools Protocol (websocket-client, pinned in requirements.txt).

mosquitto and an active/standby pair of `curtail run` run as processes on loopback; this test
publishes the grid inputs and miner statuses (as `curtail agent` does) with mosquitto_pub. It
opens the active's page, waits for live updates, and checks the DOM: a row per group, the price,
a new price within a second or two, the agent's miners per group and those needing attention, a
grid event appearing and clearing, a refused input with its reason; then the standby's page
(its role, the active's groups, price and a new event); and that the browser console shows no error. It saves a
screenshot to .build/test-output/live-page.png.

Without chromium it is skipped, except in CI (CI=true), where that is a failure.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import websocket

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("CURTAIL_BIN", ROOT / ".build" / "debug"))
SITE = ROOT / "Policies" / "sites" / "example-west-texas.yaml"
OUTPUT = ROOT / ".build" / "test-output"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Browser:
    """One headless chromium tab over the DevTools protocol; collects console errors."""

    def __init__(self, work):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--remote-debugging-port={self.port}",
             f"--user-data-dir={work / 'chromium'}", "--window-size=1280,1700", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        version = wait_for(lambda: self._get("/json/version"), 30, "chromium's DevTools endpoint")
        assert "Browser" in version
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/json/new?about:blank", method="PUT")
        target = json.loads(urllib.request.urlopen(request, timeout=5).read())
        self.ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=10, suppress_origin=True)
        self.next_id = 0
        self.errors = []
        for domain in ("Runtime", "Log", "Page"):
            self.call(f"{domain}.enable")

    def _get(self, path):
        try:
            return json.loads(urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=1).read())
        except OSError:
            return None

    def _note(self, message):
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            self.errors.append(params["exceptionDetails"].get("exception", {}).get("description", "exception"))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            self.errors.append(params["entry"].get("text", "") + " " + params["entry"].get("url", ""))

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._note(message)

    def js(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def close(self):
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


@pytest.fixture
def rig():
    if shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing (apt install chromium)")
        pytest.skip("chromium is not installed here (apt install chromium); the live-page browser test is skipped")
    for tool in ("mosquitto", "mosquitto_pub"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing (apt install mosquitto mosquitto-clients)")
    work = Path(tempfile.mkdtemp(prefix="curtail-live-"))
    broker_port, http_port, standby_port = free_port(), free_port(), free_port()
    (work / "mosquitto.conf").write_text(f"listener {broker_port} 127.0.0.1\nallow_anonymous true\n")
    processes = []
    log = open(work / "curtail.log", "w")

    def publish(topic, payload, retain=False):
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(broker_port), "-t", topic, "-m", payload]
                       + (["-r"] if retain else []), check=True, timeout=10)

    browser = None
    try:
        processes.append(subprocess.Popen(["mosquitto", "-c", str(work / "mosquitto.conf")],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(0.3)
        processes.append(subprocess.Popen(
            [str(BIN / "curtail"), "run", "--config", str(SITE), "--broker", f"mqtt://127.0.0.1:{broker_port}", "--no-audit",
             "--metrics", f"127.0.0.1:{http_port}", "--log-level", "error"], stdout=log, stderr=log))
        # The second instance of the pair starts once the first holds the lease: it stands by.
        wait_for(lambda: ": active (term" in _body(http_port, "/healthz"), 30, "curtail run to take the lease")
        processes.append(subprocess.Popen(
            [str(BIN / "curtail"), "run", "--config", str(SITE), "--broker", f"mqtt://127.0.0.1:{broker_port}", "--no-audit",
             "--instance", "2", "--metrics", f"127.0.0.1:{standby_port}", "--log-level", "error"], stdout=log, stderr=log))

        wait_for(lambda: _status(standby_port, "/healthz") is not None, 30, "the standby's HTTP endpoint")
        browser = Browser(work)
        yield browser, publish, http_port, standby_port, processes
    finally:
        if browser:
            browser.close()
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        shutil.rmtree(work, ignore_errors=True)


def _body(port, path):
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1).read().decode()
    except urllib.error.HTTPError as error:  # 503 while unhealthy: the body says why
        return error.read().decode()
    except OSError:
        return ""


def _status(port, path):
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1).status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def price(publish, value, now):
    start = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 15 + 15)
    publish("grid/ercot/HB_WEST/price", json.dumps(
        {"interval_start": iso(start), "interval_minutes": 15, "price_usd_per_mwh": value}), retain=True)


def test_live_page_follows_the_controller(rig):
    browser, publish, port, standby_port, processes = rig
    now = datetime.now(timezone.utc)
    publish("mining/hashprice", json.dumps({"ts": iso(now), "usd_per_th_day": 0.06}), retain=True)
    price(publish, 30, now)
    browser.call("Page.navigate", url=f"http://127.0.0.1:{port}/")

    # A row per group and the price, from the live stream.
    wait_for(lambda: browser.js("document.querySelectorAll('#groups tr').length") == 3, 20, "three group rows")
    wait_for(lambda: browser.js("document.getElementById('price').textContent") == "30.00", 10, "the price")
    groups = browser.js("[...document.querySelectorAll('#groups tr')].map(r => r.cells[0].textContent)")
    assert groups == ["s19jpro", "s19xp", "s21"]
    assert wait_for(lambda: browser.js("document.querySelectorAll('#commands tr').length") >= 3, 10, "the first commands")
    assert wait_for(lambda: browser.js("document.getElementById('health').textContent") == "ok", 10, "health ok")
    assert browser.js("document.getElementById('role').textContent") == "active"

    # A new interval's price: on the page within a second or so (SSE, no reload).
    sent = time.monotonic()
    price(publish, 95, now + timedelta(minutes=15))
    wait_for(lambda: browser.js("document.getElementById('price').textContent") == "95.00", 5, "the new price")
    latency = time.monotonic() - sent
    # The commands go out at once; the state that carries the price at most once a second.
    assert latency < 3.0, f"the page took {latency:.2f} s to show the new price"
    reasons = browser.js("[...document.querySelectorAll('#groups tr')].map(r => r.cells[5].textContent)")
    assert any("break-even" in r for r in reasons), reasons

    # curtail agent's miners (published as the agent does, retained): counts per group and the
    # miners that need a person, within the page's once-a-second summary.
    publish("site/west-texas-1/agent/status", "online", retain=True)
    for group, address, state, error in [("s21", "10.0.3.1:4028", "ok", None), ("s21", "10.0.3.2:4028", "ok", None),
                                         ("s21", "10.0.3.3:4028", "unreachable", "timeout: no answer in 5 s"),
                                         ("s19xp", "10.0.2.1:4028", "mismatch", "said OK and did not apply sleep")]:
        status = {"ts": iso(now), "address": address, "firmware": "luxos", "state": state}
        if error:
            status["last_error"] = error
        publish(f"site/west-texas-1/groups/{group}/miners/{address}/status", json.dumps(status), retain=True)
    publish("site/west-texas-1/groups/s21/miners/10.0.3.9:4028/status", '{"state": "dancing"}')  # unreadable: not shown
    wait_for(lambda: browser.js("document.querySelectorAll('#attention tr').length") == 2, 10, "two miners needing attention")
    miners = browser.js("[...document.querySelectorAll('#miners tr')].map(r => [...r.cells].map(c => c.textContent))")
    assert miners == [["s19xp", "0", "0", "0", "0", "0", "1"], ["s21", "2", "0", "0", "1", "0", "0"]], miners
    assert browser.js("document.getElementById('agent').textContent") == "online"
    attention = browser.js("[...document.querySelectorAll('#attention tr')].map(r => r.cells[1].textContent + ' ' + r.cells[3].textContent)")
    assert attention == ["10.0.2.1:4028 mismatch", "10.0.3.3:4028 unreachable"], attention

    # A grid event appears, then clears when cancelled.
    event = {"id": "ERS-LIVE-1", "program": "ERS-10", "start": iso(now), "end": iso(now + timedelta(hours=1)),
             "target": {"max_mw": 0.5}}
    publish("grid/ercot/events", json.dumps(event))
    wait_for(lambda: "ERS-LIVE-1" in (browser.js("document.getElementById('events').textContent") or ""), 10, "the event")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    (OUTPUT / "live-page.png").write_bytes(__import__("base64").b64decode(shot["data"]))
    publish("grid/ercot/events", json.dumps({"id": "ERS-LIVE-1", "status": "cancelled"}))
    wait_for(lambda: browser.js("document.querySelectorAll('#events tr').length") == 0, 10, "the event to clear")

    # A refused input, with its reason.
    publish("grid/ercot/HB_WEST/price", '{"interval_start": "x"}')
    wait_for(lambda: "interval_start" in (browser.js("document.getElementById('rejected').textContent") or ""), 10,
             "the refused price")

    # Read-only and robust: other methods and paths are refused, never a crash.
    request = urllib.request.Request(f"http://127.0.0.1:{port}/events", method="POST", data=b"x")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert 400 <= refused.value.code < 500
    assert _status(port, "/healthz") == 200

    # The standby's page: its own role, and the site as the active controller publishes it.
    browser.call("Page.navigate", url=f"http://127.0.0.1:{standby_port}/")
    wait_for(lambda: browser.js("document.getElementById('role').textContent") == "standby", 10, "the standby's role")
    wait_for(lambda: browser.js("document.querySelectorAll('#groups tr').length") == 3, 10, "the active's groups on the standby's page")
    assert browser.js("document.getElementById('price').textContent") == "95.00"
    event = dict(event, id="ERS-LIVE-2")
    publish("grid/ercot/events", json.dumps(event))
    wait_for(lambda: "ERS-LIVE-2" in (browser.js("document.getElementById('events').textContent") or ""), 5,
             "the active's new event on the standby's page")
    assert browser.js("document.querySelectorAll('#attention tr').length") == 2

    assert browser.errors == [], f"console errors: {browser.errors}"

    # SIGTERM with pages open (the browser on the standby, a stream on the active): both stop.
    stream = urllib.request.urlopen(f"http://127.0.0.1:{port}/events", timeout=5)
    assert stream.readline().startswith(b"event: ")
    for process in (processes[1], processes[2]):
        process.terminate()
        process.wait(10)  # raises TimeoutExpired if an open page held the process up
    stream.close()
    print(f"live page: new price shown {latency * 1000:.0f} ms after it was published; screenshot {OUTPUT / 'live-page.png'}")
