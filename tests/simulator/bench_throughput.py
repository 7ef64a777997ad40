"""Measure simple GETs per second: start the simulator with no latency and run 50 concurrent keep-alive clients.

Run from the repository root: ``python3 tests/simulator/bench_throughput.py [--clients 50] [--seconds 10]``.
Each client has its own connection and repeats ``GET /cvad/manage/Machines/{name}``.
"""

import argparse
import asyncio
import os
import sys
import time

import aiohttp

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, REPO_ROOT)
from tests.simulator.launcher import running  # noqa: E402 pylint: disable=wrong-import-position

CLIENT_ID = "0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b"
CLIENT_SECRET = "sim-client-secret-3f9a7c"
SITE_ID = "70360961-e0f1-4ce9-9371-d590efb5c04f"


async def client_loop(url, headers, stop_at, counts):
    """One client: its own keep-alive connection, GETs until ``stop_at``."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1), headers=headers) as session:
        while time.monotonic() < stop_at:
            async with session.get(url) as response:
                await response.read()
                counts[response.status] = counts.get(response.status, 0) + 1


async def measure(base_url, clients, seconds):
    """Sign in, then run the clients; returns ``(requests_per_second, status_counts)``."""
    async with aiohttp.ClientSession() as session:
        async with session.post(base_url + "/cctrustoauth2/root/tokens/clients", data={
                "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}) as response:
            token = (await response.json())["access_token"]
    headers = {"Authorization": "CwsAuth Bearer=" + token, "Accept": "application/json",
               "Citrix-CustomerId": "democustomer", "Citrix-InstanceId": SITE_ID}
    url = base_url + "/cvad/manage/Machines/DEMOLAB%7CFIN-001"
    counts = {}
    started = time.monotonic()
    await asyncio.gather(*(client_loop(url, headers, started + seconds, counts) for _client in range(clients)))
    elapsed = time.monotonic() - started
    return sum(counts.values()) / elapsed, counts


def main():
    """Start the simulator, measure, print the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with running(scenario="integration") as server:
        rate, counts = asyncio.run(measure(server.url, args.clients, args.seconds))
    print("%d clients, %.0f s: %.0f GET/s (statuses %s)" % (args.clients, args.seconds, rate, counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
