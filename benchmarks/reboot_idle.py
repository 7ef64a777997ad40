# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: reboot the idle machines of a 1,000-machine catalog, three ways, against the simulator.

    python benchmarks/reboot_idle.py [--machines 1000] [--idle 300] [--latency-ms 50] [--time-scale 30]

Starts the Citrix DaaS simulator (tests/simulator) with --latency-ms on every answer and a generated catalog of
--machines machines of which exactly --idle have no session, then runs, each after a reset of the simulator:

  role          playbooks/reboot_idle_machines.yml (role citrix_cloud.daas.reboot_idle_machines, defaults)
  role-tuned    the same with reboot_idle_machines_max_unavailable=300
  walkthrough   the walkthrough's reboot_idle.py logic (benchmarks/reboot_idle/reboot_idle_walkthrough.py):
                one GET of the catalog's machines, then one POST $reboot per idle machine, one at a time
  walkthrough+  the same, following ContinuationToken (the published script reads only the first page)
  uri-loop      a plain playbook (benchmarks/reboot_idle/uri_loop.yml): ansible.builtin.uri in a loop, one task
                run per machine

and prints wall time and request counts side by side (HTTP requests; the calls inside `$batch` requests are counted
apart), then the role's ratio to walkthrough+ (P1: at most 1.0, and at most 80 requests). The role does more than
the others: it fences the machines in maintenance mode, re-checks them behind the fence, waits until every machine
is back and registered, and lifts the fence; the others only ask for the reboots and return.
Run it from the repository root with the virtual environment that has ansible-core, requests and aiohttp.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import collections
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import requests
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(REPO, 'benchmarks', 'reboot_idle')
sys.path.insert(0, REPO)

from tests.simulator.launcher import SimulatorNotStarted, start  # noqa: E402 pylint: disable=wrong-import-position
from tests.simulator.scenario import (  # noqa: E402 pylint: disable=wrong-import-position
    CLIENT_ID,
    CLIENT_SECRET,
    CUSTOMER_ID,
    generated_scenario,
)

CATALOG = 'Bench-1'


def build_scenario(machines, idle, seed):
    """One catalog of ``machines`` machines, exactly ``idle`` of them without a session."""
    scenario = generated_scenario(1, machines, idle / float(machines), seed=seed)
    site = scenario['sites'][0]
    catalog = site['catalogs'][0]
    catalog['name'] = CATALOG
    catalog['delivery_group'] = CATALOG + '-Desktops'
    rng = random.Random(seed)
    pool = catalog['machines']
    idle_now = [m for m in pool if not m.get('sessions')]
    busy_now = [m for m in pool if m.get('sessions')]
    rng.shuffle(idle_now)
    rng.shuffle(busy_now)
    while len(idle_now) > idle:
        machine = idle_now.pop()
        machine['sessions'] = ['DEMOLAB\\bench%03d' % rng.randint(1, 999)]
    while len(idle_now) < idle:
        machine = busy_now.pop()
        machine['sessions'] = []
        idle_now.append(machine)
    return scenario


class Simulator(object):
    """The simulator started by the launcher, with its control endpoints."""

    def __init__(self, scenario_path, latency_ms, time_scale, python):
        self.scenario_path = scenario_path
        try:
            self.running = start(scenario=scenario_path, latency_ms=latency_ms, time_scale=time_scale, python=python)
        except SimulatorNotStarted as error:
            raise SystemExit(str(error)) from None
        self.url = self.running.url

    def reset(self):
        response = requests.post(self.url + '/_sim/reset', json={'scenario': self.scenario_path}, timeout=60)
        response.raise_for_status()

    def faults(self, body=None):
        """Set faults (POST /_sim/faults); without a body, the faults injected so far by kind."""
        if body is None:
            return requests.get(self.url + '/_sim/faults', timeout=60).json()['injected']
        response = requests.post(self.url + '/_sim/faults', json=body, timeout=60)
        response.raise_for_status()
        return None

    def requests_log(self):
        return requests.get(self.url + '/_sim/requests', timeout=60).json()['requests']

    def state(self):
        return requests.get(self.url + '/_sim/state', timeout=60).json()

    def stop(self):
        self.running.stop()


def run(command, env, label, verbose):
    """Run one contender; return its wall time in seconds."""
    started = time.monotonic()
    proc = subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    elapsed = time.monotonic() - started
    if verbose:
        print(proc.stdout)
    if proc.returncode != 0:
        print(proc.stdout[-4000:], file=sys.stderr)
        raise SystemExit('%s failed (exit %d)' % (label, proc.returncode))
    return elapsed, proc.stdout


def measure(sim, name, command, env, verbose):
    sim.reset()
    elapsed, output = run(command, env, name, verbose)
    log = sim.requests_log()
    state = sim.state()
    items = [r for r in log if r.get('batch_item')]
    log = [r for r in log if not r.get('batch_item')]
    methods = collections.Counter(r['method'] for r in log)
    listed = [line for line in output.splitlines() if line.endswith('machines listed')]
    return {
        'name': name,
        'wall': elapsed,
        'requests': len(log),
        'items': len(items),
        'GET': methods.get('GET', 0),
        'POST': methods.get('POST', 0),
        'PATCH': methods.get('PATCH', 0),
        'sign_ins': state['totals']['token_requests'],
        'reboots': state['totals']['power_actions'],
        'sessions_lost': state['totals']['sessions_lost'],
        'back': sum(1 for m in state['machines'] if m.get('Counters', {}).get('PowerActions', {}).get('reboot')
                    and m['PowerState'] == 'On' and m['RegistrationState'] == 'Registered'),
        'listed': int(listed[0].split()[0]) if listed else None,
    }


def ansible_playbook():
    """The ansible-playbook beside this Python (its virtual environment), else the one on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    return beside if os.path.exists(beside) else shutil.which('ansible-playbook') or 'ansible-playbook'


def collections_path():
    """A directory where this repository is the collection citrix_cloud.daas."""
    if os.environ.get('ANSIBLE_COLLECTIONS_PATH'):
        return os.environ['ANSIBLE_COLLECTIONS_PATH'], None
    root = tempfile.mkdtemp(prefix='bench-collections-')
    os.makedirs(os.path.join(root, 'ansible_collections', 'citrix_cloud'))
    os.symlink(REPO, os.path.join(root, 'ansible_collections', 'citrix_cloud', 'daas'))
    return root, root


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--machines', type=int, default=1000)
    parser.add_argument('--idle', type=int, default=300)
    parser.add_argument('--latency-ms', type=float, default=50)
    parser.add_argument('--time-scale', type=float, default=30,
                        help='simulated seconds per real second (a reboot takes 40 simulated seconds)')
    parser.add_argument('--seed', type=int, default=1000)
    parser.add_argument('--only', action='append', help='run only these contenders (repeatable)')
    parser.add_argument('--verbose', action='store_true', help='print the output of every contender')
    args = parser.parse_args(argv)

    playbook_bin = ansible_playbook()

    work = tempfile.mkdtemp(prefix='bench-reboot-idle-')
    scenario_path = os.path.join(work, 'bench.yml')
    with open(scenario_path, 'w') as handle:
        yaml.safe_dump(build_scenario(args.machines, args.idle, args.seed), handle, sort_keys=False)
    colls, colls_tmp = collections_path()
    sim = Simulator(scenario_path, args.latency_ms, args.time_scale, sys.executable)
    try:
        state = sim.state()
        catalog_id = state['machines'][0]['MachineCatalog']['Id']
        site_id = state['machines'][0]['SiteId']
        idle = sum(1 for m in state['machines'] if m['SessionCount'] == 0)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=colls, ANSIBLE_LOCALHOST_WARNING='false',
                   ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0',
                   CITRIX_CUSTOMER_ID=CUSTOMER_ID, CITRIX_CLIENT_ID=CLIENT_ID, CITRIX_CLIENT_SECRET=CLIENT_SECRET,
                   CITRIX_API_URL=sim.url, CITRIX_AUTH_URL=sim.url, CLIENT_ID=CLIENT_ID, CLIENT_SECRET=CLIENT_SECRET)
        role = [playbook_bin, 'playbooks/reboot_idle_machines.yml', '-e', 'reboot_idle_machines_catalogs=' + CATALOG]
        walkthrough = [sys.executable, os.path.join(HERE, 'reboot_idle_walkthrough.py'), '--customerId', CUSTOMER_ID,
                       '--siteId', site_id, '--catalogId', catalog_id, '--base-url', sim.url]
        uri_loop = [playbook_bin, os.path.join(HERE, 'uri_loop.yml'), '-e', json.dumps({
            'base_url': sim.url, 'customer_id': CUSTOMER_ID, 'site_id': site_id, 'catalog_id': catalog_id,
            'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET})]
        contenders = [
            ('role', role),
            ('role-tuned', role + ['-e', 'reboot_idle_machines_max_unavailable=300']),
            ('walkthrough', walkthrough),
            ('walkthrough+', walkthrough + ['--all-pages']),
            ('uri-loop', uri_loop),
        ]
        print('Simulator %s: %d machines in catalog %s, %d idle; %g ms latency per answer; time scale %g'
              % (sim.url, len(state['machines']), CATALOG, idle, args.latency_ms, args.time_scale))
        rows = []
        for name, command in contenders:
            if args.only and name not in args.only:
                continue
            print('running %s ...' % name, file=sys.stderr, flush=True)
            rows.append(measure(sim, name, command, env, args.verbose))
    finally:
        sim.stop()
        shutil.rmtree(work, ignore_errors=True)
        if colls_tmp:
            shutil.rmtree(colls_tmp, ignore_errors=True)

    header = ('contender', 'wall s', 'requests', 'GET', 'POST', 'PATCH', 'batch calls', 'sign-ins', 'reboots',
              'back+registered', 'sessions lost')
    table = [header] + [(
        r['name'], '%.1f' % r['wall'], str(r['requests']), str(r['GET']), str(r['POST']), str(r['PATCH']), str(r['items']),
        str(r['sign_ins']), '%d of %d' % (r['reboots'], idle), str(r['back']), str(r['sessions_lost']),
    ) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print()
    for index, row in enumerate(table):
        print('  '.join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
        if index == 0:
            print('  '.join('-' * width for width in widths))
    print()
    by_name = dict((r['name'], r) for r in rows)
    if 'role' in by_name and 'walkthrough+' in by_name:
        role, walk = by_name['role'], by_name['walkthrough+']
        print('P1: role / walkthrough+ wall = %.2f (target <= 1.0); role requests = %d (target <= 80), sign-ins = %d'
              % (role['wall'] / walk['wall'], role['requests'], role['sign_ins']))
    print('back+registered: machines rebooted and found On and Registered when the contender returned.')
    print('The role fences, re-reads, re-checks each machine right before its reboot, waits for every machine to be')
    print('back and registered, and lifts the fence; the others send the reboots and return at once.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
