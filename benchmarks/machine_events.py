# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: one poll cycle of the machine_events source over a large site, against the simulator.

Run from the repository root: python benchmarks/machine_events.py [--machines 20000] [--latency-ms 0] [--cycles 3]

Reports per cycle the pages read (from the simulator's request log), the wall time of the read and of the
comparison, and the memory the source keeps between polls (the snapshot and the timers, measured with tracemalloc).
The second and later cycles change some machines through the simulator's control endpoints, so the comparison has
events to produce.
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from urllib.request import Request, urlopen

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from tests.simulator.launcher import start  # noqa: E402 pylint: disable=wrong-import-position
SOURCE = os.path.join(REPO, "extensions", "eda", "plugins", "event_source", "machine_events.py")
CREDENTIALS = dict(customer_id="democustomer", client_id="0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b",
                   client_secret="sim-client-secret-3f9a7c")


def call(url, body=None, method=None):
    data = None if body is None else json.dumps(body).encode()
    request = Request(url, data=data, method=method or ("POST" if data else "GET"),
                      headers={"Content-Type": "application/json"})
    with urlopen(request, timeout=120) as response:
        return json.loads(response.read().decode() or "null")


def load_source():
    """The source module, importing the collection's client from this checkout."""
    collections = tempfile.mkdtemp()
    os.makedirs(os.path.join(collections, "ansible_collections", "citrix_cloud"))
    os.symlink(REPO, os.path.join(collections, "ansible_collections", "citrix_cloud", "daas"))
    sys.path.insert(0, collections)
    spec = importlib.util.spec_from_file_location("machine_events", SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_scenario(workdir, machines):
    """A generated site of `machines` machines in one catalog, half of them idle."""
    text = subprocess.check_output([sys.executable, "-m", "tests.simulator.scenario", "--machines", str(machines),
                                    "--catalogs", "1", "--idle-share", "0.5", "--compact"], cwd=REPO)
    path = os.path.join(workdir, "scenario.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(yaml.safe_load(text), handle)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machines", type=int, default=20000)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--cycles", type=int, default=3)
    args = parser.parse_args()
    source = load_source()
    workdir = tempfile.mkdtemp()
    simulator = start(scenario=write_scenario(workdir, args.machines), latency_ms=args.latency_ms)
    base = simulator.url
    try:
        settings = source.parse_args(dict(CREDENTIALS, api_url=base, auth_url=base, interval=30,
                                          unregistered_minutes=10, idle_minutes=30), {})
        client = source._import_client()[0](source.connection_of(settings))
        client.sign_in()
        client.site_id  # discovered once, outside the measured cycles
        watcher = source.Watcher(settings)
        names = [m["Name"] for m in call(base + "/_sim/state")["machines"]]
        print("machine_events poll cycle: %d machines, interval 30 s, latency %d ms per request"
              % (len(names), args.latency_ms))
        for cycle in range(1, args.cycles + 1):
            if cycle > 1:  # some machines change between polls: sessions start and end
                for name in names[cycle * 7:cycle * 7 + 50]:
                    path = "/_sim/machines/%s/sessions" % name.replace("\\", "%7C")
                    try:
                        call(base + path, {"user": "DEMOLAB\\bench"})
                    except OSError:
                        call(base + path, method="DELETE")
            call(base + "/_sim/requests", method="DELETE")
            tracemalloc.start()
            started = time.perf_counter()
            current = source.read_machines(client, settings)
            read = time.perf_counter() - started
            events = watcher.update(current, time.time())
            compared = time.perf_counter() - started - read
            del current
            kept, _peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            pages = [entry for entry in call(base + "/_sim/requests")["requests"]
                     if entry["path"].lower() == "/cvad/manage/machines"]
            print("cycle %d: %d pages (limit=%s, fields=%d names), read %.2f s, compare %.3f s, %d events, "
                  "state kept %.1f MiB (%.0f bytes per machine)"
                  % (cycle, len(pages), pages[0]["query"].get("limit"), len(pages[0]["query"].get("fields", "").split(",")),
                     read, compared, len(events), kept / 2 ** 20, kept / max(len(watcher.machines), 1)))
        client.close()
    finally:
        simulator.stop()


if __name__ == "__main__":
    main()
