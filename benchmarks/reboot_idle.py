# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: reboot the idle machines of a 1,000-machine catalog, three ways, against the simulator.

    python benchmarks/reboot_idle.py [--machines 1000] [--idle 300] [--latency-ms 50] [--time-scale 30]
                                     [--site-kind cloud] [--site-kind on_premises] [--rounds N]

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
apart), then the role's ratio to walkthrough+ (P1: at most 1.0, and at most 80 requests).

Each kind of site (--site-kind, default both) gets a simulator of its own: Citrix Cloud, and an on-premises Delivery
Controller (--deployment on_premises) that the role reaches with CITRIX_DEPLOYMENT, CITRIX_CONTROLLERS,
CITRIX_USERNAME and CITRIX_PASSWORD only. The role runs against both, one kind after the other in each of --rounds
rounds (the median is shown); the walkthrough and the uri loop sign in to Citrix Cloud and run against it only. The
last line compares the kinds: the same requests, and the on-premises wall time within 10% of the Cloud one. The role does more than
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
    DOMAIN_PASSWORD,
    DOMAIN_USER,
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
    """The simulator of one kind of site (cloud, on_premises), started with the launcher."""

    def __init__(self, scenario_path, latency_ms, time_scale, python, kind):
        self.scenario_path = scenario_path
        self.kind = kind
        try:
            self.running = start(scenario=scenario_path, latency_ms=latency_ms, time_scale=time_scale, deployment=kind,
                                 python=python)
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

    def connection(self):
        """The CITRIX_* environment of this kind of site, and nothing else of it."""
        if self.kind == 'on_premises':
            return dict(CITRIX_DEPLOYMENT='on_premises', CITRIX_CONTROLLERS=self.url, CITRIX_USERNAME=DOMAIN_USER,
                        CITRIX_PASSWORD=DOMAIN_PASSWORD)
        return dict(CITRIX_CUSTOMER_ID=CUSTOMER_ID, CITRIX_CLIENT_ID=CLIENT_ID, CITRIX_CLIENT_SECRET=CLIENT_SECRET,
                    CITRIX_API_URL=self.url, CITRIX_AUTH_URL=self.url)


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
    elapsed, output = run(command, env, '%s (%s)' % (name, sim.kind), verbose)
    log = sim.requests_log()
    state = sim.state()
    items = [r for r in log if r.get('batch_item')]
    log = [r for r in log if not r.get('batch_item')]
    methods = collections.Counter(r['method'] for r in log)
    listed = [line for line in output.splitlines() if line.endswith('machines listed')]
    return {
        'name': name,
        'kind': sim.kind,
        'wall': elapsed,
        'requests': len(log),
        'items': len(items),
        'GET': methods.get('GET', 0),
        'POST': methods.get('POST', 0),
        'PATCH': methods.get('PATCH', 0),
        'sign_ins': sum(1 for r in log if r.get('sign_in')),
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
    parser.add_argument('--site-kind', action='append', choices=('cloud', 'on_premises'),
                        help='the kinds of site to run against (repeatable; default both)')
    parser.add_argument('--rounds', type=int, default=1, help='runs of each contender per kind (the median is shown)')
    args = parser.parse_args(argv)
    kinds = args.site_kind or ['cloud', 'on_premises']

    playbook_bin = ansible_playbook()

    work = tempfile.mkdtemp(prefix='bench-reboot-idle-')
    scenario_path = os.path.join(work, 'bench.yml')
    with open(scenario_path, 'w') as handle:
        yaml.safe_dump(build_scenario(args.machines, args.idle, args.seed), handle, sort_keys=False)
    colls, colls_tmp = collections_path()
    sims = {}
    try:
        for kind in kinds:
            sims[kind] = Simulator(scenario_path, args.latency_ms, args.time_scale, sys.executable, kind)
        sim = sims[kinds[0]]
        state = sim.state()
        catalog_id = state['machines'][0]['MachineCatalog']['Id']
        site_id = state['machines'][0]['SiteId']
        idle = sum(1 for m in state['machines'] if m['SessionCount'] == 0)
        base_env = dict((key, value) for key, value in os.environ.items() if not key.startswith('CITRIX_'))
        base_env.update(ANSIBLE_COLLECTIONS_PATH=colls, ANSIBLE_LOCALHOST_WARNING='false',
                        ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0',
                        CLIENT_ID=CLIENT_ID, CLIENT_SECRET=CLIENT_SECRET)
        role = [playbook_bin, 'playbooks/reboot_idle_machines.yml', '-e', 'reboot_idle_machines_catalogs=' + CATALOG]
        cloud = sims.get('cloud')
        contenders = [
            ('role', role, kinds),
            ('role-tuned', role + ['-e', 'reboot_idle_machines_max_unavailable=300'], kinds),
        ]
        if cloud is not None:
            walkthrough = [sys.executable, os.path.join(HERE, 'reboot_idle_walkthrough.py'), '--customerId',
                           CUSTOMER_ID, '--siteId', site_id, '--catalogId', catalog_id, '--base-url', cloud.url]
            uri_loop = [playbook_bin, os.path.join(HERE, 'uri_loop.yml'), '-e', json.dumps({
                'base_url': cloud.url, 'customer_id': CUSTOMER_ID, 'site_id': site_id, 'catalog_id': catalog_id,
                'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET})]
            contenders += [
                ('walkthrough', walkthrough, ['cloud']),
                ('walkthrough+', walkthrough + ['--all-pages'], ['cloud']),
                ('uri-loop', uri_loop, ['cloud']),
            ]
        print('Simulators %s: %d machines in catalog %s, %d idle; %g ms latency per answer; time scale %g'
              % (', '.join('%s %s' % (kind, sims[kind].url) for kind in kinds), len(state['machines']), CATALOG,
                 idle, args.latency_ms, args.time_scale))
        rows = []
        for name, command, on_kinds in contenders:
            if args.only and name not in args.only:
                continue
            measured = collections.defaultdict(list)
            for _round in range(args.rounds):
                # The kinds alternate within a round, so that a change of the machine's load affects both alike.
                for kind in on_kinds:
                    print('running %s (%s) ...' % (name, kind), file=sys.stderr, flush=True)
                    env = dict(base_env, **sims[kind].connection())
                    measured[kind].append(measure(sims[kind], name, command, env, args.verbose))
            for kind in on_kinds:
                runs = sorted(measured[kind], key=lambda r: r['wall'])
                rows.append(runs[len(runs) // 2])
    finally:
        for simulator in sims.values():
            simulator.stop()
        shutil.rmtree(work, ignore_errors=True)
        if colls_tmp:
            shutil.rmtree(colls_tmp, ignore_errors=True)

    header = ('contender', 'site', 'wall s', 'requests', 'GET', 'POST', 'PATCH', 'batch calls', 'sign-ins', 'reboots',
              'back+registered', 'sessions lost')
    table = [header] + [(
        r['name'], r['kind'], '%.1f' % r['wall'], str(r['requests']), str(r['GET']), str(r['POST']), str(r['PATCH']),
        str(r['items']), str(r['sign_ins']), '%d of %d' % (r['reboots'], idle), str(r['back']), str(r['sessions_lost']),
    ) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print()
    for index, row in enumerate(table):
        print('  '.join(cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
        if index == 0:
            print('  '.join('-' * width for width in widths))
    print()
    by_name = dict(((r['name'], r['kind']), r) for r in rows)
    if ('role', 'cloud') in by_name and ('walkthrough+', 'cloud') in by_name:
        role, walk = by_name[('role', 'cloud')], by_name[('walkthrough+', 'cloud')]
        print('P1: role / walkthrough+ wall = %.2f (target <= 1.0); role requests = %d (target <= 80), sign-ins = %d'
              % (role['wall'] / walk['wall'], role['requests'], role['sign_ins']))
    for name in ('role', 'role-tuned'):
        if (name, 'cloud') in by_name and (name, 'on_premises') in by_name:
            cloud_row, premises = by_name[(name, 'cloud')], by_name[(name, 'on_premises')]
            print('%s, on-premises against Citrix Cloud: requests %d and %d (%s), batch calls %d and %d, sign-ins %d '
                  'and %d; wall %.1f s and %.1f s, ratio %.2f (target within 10%%: 0.90 to 1.10)'
                  % (name, premises['requests'], cloud_row['requests'],
                     'the same' if premises['requests'] == cloud_row['requests'] else 'DIFFERENT',
                     premises['items'], cloud_row['items'], premises['sign_ins'], cloud_row['sign_ins'],
                     premises['wall'], cloud_row['wall'], premises['wall'] / cloud_row['wall']))
    print('back+registered: machines rebooted and found On and Registered when the contender returned.')
    print('The role fences, re-reads, re-checks each machine right before its reboot, waits for every machine to be')
    print('back and registered, and lifts the fence; the others send the reboots and return at once.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
