# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: machine_power restarting N machines, waited for, against the simulator with a fixed latency per request.

Run from the repository root:
python benchmarks/machine_power.py [--machines 500] [--latency-ms 50] [--time-scale 30] [--runs 3]

The module reads the machines, sends the power actions and reads their jobs in `$batch` groups of 100, and polls every
machine in flight with one `Machines/$search`. Its floor is what that pattern allows at best: one sign-in, one site
discovery, the read, power and job-read groups and a single poll, each taking the simulator's latency, plus the
simulated length of a power action divided by the time scale. The wall time of ansible-playbook is compared with the
floor plus the start-up of an empty playbook, measured in the same run (median of the runs); beside it, the same task
with no machine and a playbook of one ping task tell how much of the difference any module task costs, and the
simulator's request log how much of the span the simulator spent working on the requests (`work_s`).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import collections
import json
import math
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
from tests.simulator.state import DEFAULT_TIMINGS  # noqa: E402 pylint: disable=wrong-import-position

# Calls per $batch request (the client's BATCH_ITEMS).
BATCH_ITEMS = 100
# The simulated seconds each action takes, phase by phase (tests/simulator/state.py).
ACTION_PHASES = {'restarted': ('pending', 'turning_off', 'powered_off', 'turning_on', 'registering'),
                 'stopped': ('pending', 'turning_off'),
                 'started': ('pending', 'turning_on', 'registering'),
                 'suspended': ('pending', 'suspending')}
TARGET = 1.2
MAX_REQUESTS = 40
CONNECTION = """
        api_url: "{{ sim_url }}"
        auth_url: "{{ sim_url }}"
        customer_id: democustomer
        client_id: 0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b
        client_secret: sim-client-secret-3f9a7c"""


def one_play(name, tasks):
    """A playbook of one play on localhost; `tasks` is its task list in YAML, indented for the play."""
    return '---\n- name: %s\n  hosts: localhost\n  gather_facts: false\n  tasks: %s' % (name, tasks)


PLAYBOOK = one_play('Benchmark machine_power', """
    - name: Bring every machine to the state
      citrix_cloud.daas.machine_power:%s
        machines: "{{ machines }}"
        state: "{{ power_state }}"
        concurrency: "{{ concurrency }}"
""" % CONNECTION)
# The same task with no machine: what a run of the module costs before and after its requests (it sends none).
IDLE_TASK_PLAYBOOK = one_play('Start-up of a machine_power task', """
    - name: Bring no machine to the state
      citrix_cloud.daas.machine_power:%s
        machines: []
        state: "{{ power_state }}"
""" % CONNECTION)
# The least a module task costs in ansible-core: one ping (packaging, a Python process, the result).
PING_PLAYBOOK = one_play('Start-up of a module task', """
    - name: Ping
      ansible.builtin.ping:
""")
EMPTY_PLAYBOOK = one_play('Start-up of ansible-playbook', '[]\n')


def call(url, method='GET'):
    with urlopen(Request(url, method=method), timeout=60) as response:
        return json.loads(response.read().decode('utf-8') or 'null')


def write_scenario(workdir, machines):
    """Generate an estate of idle machines that are On, with the simulator's own power timings."""
    text = subprocess.check_output([sys.executable, '-m', 'tests.simulator.scenario', '--machines', str(machines),
                                    '--catalogs', '1', '--idle-share', '1', '--compact'], cwd=REPO)
    path = os.path.join(workdir, 'scenario.yml')
    with open(path, 'w') as handle:
        yaml.safe_dump(yaml.safe_load(text), handle)
    return path


def kinds_of(log):
    """Count the HTTP requests by kind; a $batch is named after the calls it carried (logged just before it)."""
    kinds = collections.Counter()
    items = []
    for entry in log:
        if entry.get('batch_item'):
            items.append(entry)
            continue
        path = entry['path']
        if entry.get('sign_in'):
            kinds['sign-in'] += 1
        elif path.endswith('/me'):
            kinds['site discovery'] += 1
        elif path.endswith('/$batch'):
            if any('/Jobs/' in item['path'] for item in items):
                kinds['$batch job reads'] += 1
            elif any(item['method'] == 'POST' for item in items):
                kinds['$batch power actions'] += 1
            else:
                kinds['$batch machine reads'] += 1
        elif path.endswith('/Machines/$search'):
            kinds['$search polls'] += 1
        else:
            kinds['other: %s %s' % (entry['method'], path)] += 1
        items = []
    return kinds


def median(values):
    return sorted(values)[len(values) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--machines', type=int, default=500)
    parser.add_argument('--concurrency', type=int, default=20, help='requests at a time on a site without $batch')
    parser.add_argument('--latency-ms', type=int, default=50)
    parser.add_argument('--time-scale', type=float, default=30.0)
    parser.add_argument('--state', default='restarted', choices=sorted(ACTION_PHASES))
    parser.add_argument('--runs', type=int, default=3, help='runs of each playbook; the median counts')
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix='machine-power-bench-')
    collections_dir = os.path.join(workdir, 'collections', 'ansible_collections', 'citrix_cloud')
    os.makedirs(collections_dir)
    os.symlink(REPO, os.path.join(collections_dir, 'daas'))
    simulator = start(scenario=write_scenario(workdir, args.machines), latency_ms=args.latency_ms,
                      time_scale=args.time_scale)
    try:
        names = [m['Name'] for m in call(simulator.url + '/_sim/state')['machines'] if m['PowerState'] == 'On']
        with open(os.path.join(workdir, 'vars.json'), 'w') as handle:
            json.dump(dict(sim_url=simulator.url, machines=names, power_state=args.state, concurrency=args.concurrency),
                      handle)
        for name, text in (('bench.yml', PLAYBOOK), ('empty.yml', EMPTY_PLAYBOOK), ('idle.yml', IDLE_TASK_PLAYBOOK),
                           ('ping.yml', PING_PLAYBOOK)):
            with open(os.path.join(workdir, name), 'w') as handle:
                handle.write(text)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(workdir, 'collections'), ANSIBLE_NOCOLOR='1',
                   ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
        playbook = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
        runs, start_ups, task_start_ups, ping_start_ups = [], [], [], []
        variables = ['-e', '@' + os.path.join(workdir, 'vars.json')]
        for _run in range(args.runs):
            start_ups.append(run_once(simulator.url, [playbook, os.path.join(workdir, 'empty.yml')], env)[0])
            task_start_ups.append(run_once(simulator.url, [playbook, os.path.join(workdir, 'idle.yml')] + variables, env)[0])
            ping_start_ups.append(run_once(simulator.url, [playbook, os.path.join(workdir, 'ping.yml')], env)[0])
            actions = call(simulator.url + '/_sim/state')['totals']['power_actions']
            runs.append(run_once(simulator.url, [playbook, os.path.join(workdir, 'bench.yml')] + variables, env))
            # The task failed had any machine failed; each machine's action was carried out once.
            state = call(simulator.url + '/_sim/state')
            if state['totals']['power_actions'] - actions != len(names):
                sys.exit('%d power actions for %d machines' % (state['totals']['power_actions'] - actions, len(names)))
    finally:
        simulator.stop()
        shutil.rmtree(workdir)
    report(args, len(names), runs, start_ups, task_start_ups, ping_start_ups)


def run_once(sim_url, command, env):
    """Run a playbook once; return (wall seconds, request log, epoch seconds it started)."""
    call(sim_url + '/_sim/requests', 'DELETE')
    started_at = time.time()
    started = time.monotonic()
    run = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                         check=False)
    wall = time.monotonic() - started
    if run.returncode != 0:
        print(run.stdout[-3000:])
        sys.exit('ansible-playbook failed (exit %d)' % run.returncode)
    return wall, call(sim_url + '/_sim/requests')['requests'], started_at


def report(args, machines, runs, start_ups, task_start_ups, ping_start_ups):
    """Print the requests of each run, the floor's arithmetic and the median wall time against it."""
    groups = int(math.ceil(machines / float(BATCH_ITEMS)))
    least = 1 + 1 + groups + groups + 1 + groups
    latency = args.latency_ms / 1000.0
    action = sum(DEFAULT_TIMINGS[phase] for phase in ACTION_PHASES[args.state]) / args.time_scale
    floor = least * latency + action
    start_up = median(start_ups)
    print('machine_power state=%s: %d machines, simulator latency %d ms per request, time scale %g'
          % (args.state, machines, args.latency_ms, args.time_scale))
    for number, (_wall, log, _started_at) in enumerate(runs, 1):
        outer = [entry for entry in log if not entry.get('batch_item')]
        kinds = kinds_of(log)
        print('run %d requests: %d in all (target at most %d: %s); %s; $batch items %d'
              % (number, len(outer), MAX_REQUESTS, 'met' if len(outer) <= MAX_REQUESTS else 'NOT met',
                 ', '.join('%s %d' % item for item in sorted(kinds.items())),
                 sum(1 for entry in log if entry.get('batch_item'))))
    print('floor of the pattern: (1 sign-in + 1 site discovery + %d read groups + %d power groups + 1 poll + %d job-read '
          'groups) = %d requests x %d ms + %s %g simulated s / time scale %g = %.2f + %.2f = %.2f s'
          % (groups, groups, groups, least, args.latency_ms, args.state, action * args.time_scale, args.time_scale,
             least * latency, action, floor))
    print('start-up of an empty playbook: %s s; median %.2f s' % (', '.join('%.2f' % s for s in start_ups), start_up))
    budget = floor + start_up
    walls = []
    for number, (wall, log, started_at) in enumerate(runs, 1):
        before = log[0]['time'] - started_at
        span = log[-1]['time'] - log[0]['time']
        walls.append(wall)
        # The simulator's own work on each request, beyond its latency: the server's share of the span, not the module's.
        simulator_work = sum(entry.get('work_s', 0) for entry in log if not entry.get('batch_item'))
        print('run %d: ansible-playbook %.2f s (%.2fx the floor plus start-up) = %.2f s until the first API request + '
              '%.2f s from the first to the last (%.2fx the floor; %.2f s of it the simulator at work) + %.2f s after it'
              % (number, wall, wall / budget, before, span, span / floor, simulator_work, wall - before - span))
    wall = median(walls)
    print('median wall time: %.2f s = %.2fx (floor %.2f s + start-up %.2f s = %.2f s); target within %gx: %s'
          % (wall, wall / budget, floor, start_up, budget, TARGET, 'met' if wall <= TARGET * budget else 'NOT met'))
    task_start_up = median(task_start_ups)
    print('for comparison, the same task with no machine (a module run that sends no request): %s s; median %.2f s; '
          'the median wall time is %.2fx (floor + that = %.2f s)'
          % (', '.join('%.2f' % s for s in task_start_ups), task_start_up, wall / (floor + task_start_up),
             floor + task_start_up))
    ping = median(ping_start_ups)
    print('a playbook of one ping task (the least a module task costs): %s s; median %.2f s, %.2f s over the empty '
          'playbook; this module with no machine costs %.2f s more than ping'
          % (', '.join('%.2f' % s for s in ping_start_ups), ping, ping - start_up, task_start_up - ping))
    print('a task that cost no more than ping and spent exactly the floor on the API would take %.2f s = %.2fx; '
          'the target leaves %.2f s for all the rest'
          % (floor + ping, (floor + ping) / budget, TARGET * budget - floor - ping))


if __name__ == '__main__':
    main()
