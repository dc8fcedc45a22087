"""The simulator's fake miners as real clients see them.

pyasic (the de-facto Python library for ASIC management) and luxos (Luxor's own client) drive
`gridsim miners` over the real ports (4028, 80) on loopback addresses 127.0.60.N. What they report
must match the fake's own state, read from its control port (GET /miners).

Run with `make conformance` (part of `make test`), which builds the throwaway virtual environment.
"""

import asyncio
import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GRIDSIM = Path(os.environ.get("GRIDSIM", ROOT / ".build" / "debug" / "gridsim"))
SITE = ROOT / "Policies" / "sites" / "example-west-texas-lab.yaml"
CONTROL = ("127.0.0.1", 19470)
LUXOS, LUXOS_B, ANTMINER = "127.0.60.1", "127.0.60.2", "127.0.60.3"


def wait_for_port(host, port, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {host}:{port}")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    if os.geteuid() != 0 and not os.environ.get("CI"):
        pytest.skip("the fakes listen on ports 80 and 4028, as pyasic expects: run as root (CI does)")
    if not GRIDSIM.exists():
        pytest.fail(f"{GRIDSIM} is missing: build first (swift build --build-tests)")
    inventory = tmp_path_factory.mktemp("fleet") / "miners.yaml"
    inventory.write_text(
        "miners:\n"
        f"  - {{address: {LUXOS}, group: s19xp, firmware: luxos}}\n"
        f"  - {{address: {LUXOS_B}, group: s19xp, firmware: luxos}}\n"
        f"  - {{address: {ANTMINER}, group: s19jpro, firmware: antminer}}\n"
    )
    process = subprocess.Popen(
        [str(GRIDSIM), "miners", "--config", str(SITE), "--inventory", str(inventory), "--speed", "20",
         "--control", f"{CONTROL[0]}:{CONTROL[1]}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_for_port(*CONTROL)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def fake(host):
    with urllib.request.urlopen(f"http://{CONTROL[0]}:{CONTROL[1]}/miners", timeout=5) as response:
        miners = json.load(response)["miners"]
    return next(m for m in miners if m["host"] == host)


def eventually(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def run(coroutine):
    return asyncio.run(coroutine)


def test_pyasic_detects_and_reads_luxos(fleet):
    import pyasic

    miner = run(pyasic.get_miner(LUXOS))
    assert type(miner).__name__ == "LUXMinerS19XP"
    data = run(miner.get_data())
    state = fake(LUXOS)
    assert data.wattage == state["power_w"]
    assert abs(float(data.hashrate) - state["hashrate_th"]) < 0.01
    assert data.wattage_limit == state["power_target_w"]
    assert data.is_mining


def test_pyasic_stops_resumes_and_limits_luxos(fleet):
    import pyasic

    miner = run(pyasic.get_miner(LUXOS))
    assert run(miner.stop_mining())
    assert eventually(lambda: fake(LUXOS)["mode"] == "sleeping")
    assert fake(LUXOS)["power_w"] == 25
    assert run(miner.resume_mining())
    assert eventually(lambda: fake(LUXOS)["mode"] == "mining")
    assert run(miner.set_power_limit(2500))
    state = fake(LUXOS)
    # pyasic picks the highest profile at or below the limit.
    assert 2400 <= state["power_target_w"] <= 2500
    data = run(miner.get_data())
    assert data.wattage_limit == state["power_target_w"]


def test_pyasic_detects_reads_and_sleeps_stock_antminer(fleet):
    import pyasic

    miner = run(pyasic.get_miner(ANTMINER))
    assert "S19jPro" in type(miner).__name__
    data = run(miner.get_data())
    state = fake(ANTMINER)
    assert abs(float(data.hashrate) - state["hashrate_th"]) < 0.01
    assert data.is_mining
    assert run(miner.stop_mining())
    assert eventually(lambda: fake(ANTMINER)["mode"] == "sleeping")
    assert not run(miner.get_data()).is_mining
    assert run(miner.resume_mining())
    assert eventually(lambda: fake(ANTMINER)["mode"] in ("waking", "mining"))


def test_luxos_client_sessions_and_curtail(fleet):
    from luxos import asyncops

    config = run(asyncops.rexec(LUXOS_B, 4028, "config"))
    assert config["CONFIG"][0]["CurtailMode"] == "None"
    # rexec logs on, sends the command with the session id, logs off: the one-session rule holds.
    reply = run(asyncops.rexec(LUXOS_B, 4028, "curtail", "sleep"))
    assert reply["STATUS"][0]["Code"] == 335
    assert eventually(lambda: fake(LUXOS_B)["mode"] == "sleeping")
    assert run(asyncops.rexec(LUXOS_B, 4028, "config"))["CONFIG"][0]["CurtailMode"] != "None"
    run(asyncops.rexec(LUXOS_B, 4028, "curtail", "wakeup"))
    assert eventually(lambda: fake(LUXOS_B)["mode"] == "mining")
