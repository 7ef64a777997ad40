# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: machine_power restarting N machines against the simulator with a fixed latency per request.

Run from the repository root: python benchmarks/machine_power.py [--machines 500] [--concurrency 20] [--latency-ms 50] [--runs 3]

The floor is what the latency alone allows: N machines x requests per machine x latency / concurrency. Power actions
are made (nearly) instant in the generated scenario, so that the measurement is about the module's request pattern
and concurrency rather than about how long a simulated reboot lasts. The wall time includes ansible-playbook's own
start-up; the span from the first to the last API request is the module's share.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from urllib.request import Request, urlopen

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from tests.simulator.launcher import start  # noqa: E402 pylint: disable=wrong-import-position
# Simulated seconds per phase of a power action: small enough for a reboot to end before the job's first poll.
INSTANT_TIMINGS = dict(pending=0.002, turning_off=0.002, powered_off=0.002, turning_on=0.002, registering=0.002)
PLAYBOOK = """---
- name: Benchmark machine_power
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Restart every machine
      citrix_cloud.daas.machine_power:
        api_url: "{{ sim_url }}"
        auth_url: "{{ sim_url }}"
        customer_id: democustomer
        client_id: 0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b
        client_secret: sim-client-secret-3f9a7c
        machines: "{{ machines }}"
        state: "{{ power_state }}"
        concurrency: "{{ concurrency }}"
      register: power

    - name: Every machine is done
      ansible.builtin.assert:
        that:
          - power.summary.done == machines | length
        quiet: true
"""


def call(url, method='GET'):
    with urlopen(Request(url, method=method), timeout=60) as response:
        return json.loads(response.read().decode('utf-8') or 'null')


def write_scenario(workdir, machines):
    """Generate an estate of idle machines that are On, with instant power actions."""
    text = subprocess.check_output([sys.executable, '-m', 'tests.simulator.scenario', '--machines', str(machines),
                                    '--catalogs', '1', '--idle-share', '1', '--compact'], cwd=REPO)
    scenario = yaml.safe_load(text)
    scenario['power_timings'] = INSTANT_TIMINGS
    path = os.path.join(workdir, 'scenario.yml')
    with open(path, 'w') as handle:
        yaml.safe_dump(scenario, handle)
    return path


def kind_of(entry):
    path = entry['path']
    if '/tokens/clients' in path:
        return 'sign-in'
    if path.endswith('/me'):
        return 'site discovery'
    if '/Jobs/' in path:
        return 'job poll'
    if entry['method'] == 'POST':
        return 'power action'
    return 'machine read'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--machines', type=int, default=500)
    parser.add_argument('--concurrency', type=int, default=20)
    parser.add_argument('--latency-ms', type=int, default=50)
    parser.add_argument('--state', default='restarted')
    parser.add_argument('--runs', type=int, default=3, help='runs of the playbook; the median counts')
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix='machine-power-bench-')
    collections_dir = os.path.join(workdir, 'collections', 'ansible_collections', 'citrix_cloud')
    os.makedirs(collections_dir)
    os.symlink(REPO, os.path.join(collections_dir, 'daas'))
    simulator = start(scenario=write_scenario(workdir, args.machines), latency_ms=args.latency_ms)
    sim_url = simulator.url
    try:
        names = [m['Name'] for m in call(sim_url + '/_sim/state')['machines'] if m['PowerState'] == 'On']
        with open(os.path.join(workdir, 'vars.json'), 'w') as handle:
            json.dump(dict(sim_url=sim_url, machines=names, power_state=args.state, concurrency=args.concurrency), handle)
        with open(os.path.join(workdir, 'bench.yml'), 'w') as handle:
            handle.write(PLAYBOOK)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(workdir, 'collections'), ANSIBLE_NOCOLOR='1',
                   ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), os.path.join(workdir, 'bench.yml'),
                   '-e', '@' + os.path.join(workdir, 'vars.json')]
        runs = [run_once(sim_url, command, env) for dummy in range(args.runs)]
    finally:
        simulator.stop()
        shutil.rmtree(workdir)
    report(args, len(names), runs)


def run_once(sim_url, command, env):
    """Run the playbook once; return (wall seconds, request log)."""
    call(sim_url + '/_sim/requests', 'DELETE')
    started = time.monotonic()
    run = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                         check=False)
    wall = time.monotonic() - started
    if run.returncode != 0:
        print(run.stdout[-3000:])
        sys.exit('ansible-playbook failed (exit %d)' % run.returncode)
    return wall, call(sim_url + '/_sim/requests')['requests']


def report(args, machines, runs):
    """Print the requests of the first run, each run's times and the median against the floor."""
    log = runs[0][1]
    kinds = collections.Counter(kind_of(entry) for entry in log)
    per_machine = sum(n for kind, n in kinds.items() if kind in ('machine read', 'power action', 'job poll')) / float(machines)
    floor = machines * per_machine * args.latency_ms / 1000.0 / args.concurrency
    print('machine_power state=%s: %d machines, concurrency %d, simulator latency %d ms per request'
          % (args.state, machines, args.concurrency, args.latency_ms))
    print('requests: %d in all; %s' % (len(log), ', '.join('%s %d' % item for item in sorted(kinds.items()))))
    print('requests per machine: %.2f' % per_machine)
    print('floor: %d x %.2f x %d ms / %d = %.2f s' % (machines, per_machine, args.latency_ms, args.concurrency, floor))
    walls = []
    for number, (wall, entries) in enumerate(runs, 1):
        span = entries[-1]['time'] - entries[0]['time'] if entries else 0.0
        walls.append(wall)
        print('run %d: ansible-playbook %.2f s (%.2fx the floor); first to last API request %.2f s (%.2fx)'
              % (number, wall, wall / floor, span, span / floor))
    median = sorted(walls)[len(walls) // 2]
    print('median wall time: %.2f s = %.2fx the floor; target within 1.5x: %s'
          % (median, median / floor, 'met' if median <= 1.5 * floor else 'NOT met'))


if __name__ == '__main__':
    main()
