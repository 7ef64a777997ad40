# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drain and reboot at fleet scale: the role in drain mode over one catalog of busy and idle machines, measured.

    python benchmarks/drain.py [--machines 1000] [--idle 300] [--stale 200] [--active 200] [--warning-minutes 10]
                               [--max-unavailable 1000] [--time-scale 30]

Starts the simulator (through the launcher) with one catalog: `idle` machines without sessions, `stale` machines
whose only session is disconnected for 8 hours, `active` machines with an active user, the rest switched off. Runs
playbooks/reboot_idle_machines.yml once with drain mode on: a warning of `warning-minutes` simulated minutes (the
module's clock is the wall clock, so the warning is given in minutes divided by the time scale), two warnings,
`logoff: disconnected` with an age of 60 minutes. Prints, from the simulator: the idle and stale machines rebooted and
back, the active sessions logged off (target 0), the sessions lost, the fences left, the most machines in maintenance
mode at once, the HTTP requests in all (target at most 150), and the wall time against its floor, waves x (warning +
reboot time). Exits 1 when a target is missed. Not a timed test: the figures go in the closing note.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, 'benchmarks'))

from reboot_idle import ansible_playbook, collections_path  # noqa: E402 pylint: disable=wrong-import-position
from tests.simulator.launcher import running  # noqa: E402 pylint: disable=wrong-import-position
from tests.simulator.scenario import (  # noqa: E402 pylint: disable=wrong-import-position
    CLIENT_ID,
    CLIENT_SECRET,
    CUSTOMER_ID,
)

FENCE_TAG = 'citrix_cloud.daas-reboot-fence'
CATALOG = 'Drain-Pooled'
# Simulated seconds of a reboot in the scenario: pending + turning off + off + turning on + registering.
TIMINGS = {'pending': 2, 'turning_off': 8, 'powered_off': 4, 'turning_on': 12, 'registering': 14}
MAX_REQUESTS = 150


def scenario(machines, idle, stale, active):
    """One catalog: idle machines, machines with one session disconnected 8 hours ago, machines with an active user,
    and the rest switched off."""
    entries = []
    for number in range(machines):
        name = 'DEMOLAB\\DRN-%04d' % number
        if number < idle:
            entries.append({'name': name})
        elif number < idle + stale:
            entries.append({'name': name, 'sessions': [{'user': 'DEMOLAB\\gone%04d' % number, 'state': 'Disconnected',
                                                        'minutes_in_state': 480}]})
        elif number < idle + stale + active:
            entries.append({'name': name, 'sessions': [{'user': 'DEMOLAB\\user%04d' % number, 'state': 'Active'}]})
        else:
            entries.append({'name': name, 'power_state': 'Off'})
    return {
        'customer': {'id': CUSTOMER_ID, 'display_name': 'DEMOLAB automation'},
        'api_clients': [{'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'display_name': 'DEMOLAB automation'}],
        'power_timings': TIMINGS,
        'sites': [{'name': 'cloudxdsite', 'id': '70360961-e0f1-4ce9-9371-d590efb5c04f', 'catalogs': [
            {'name': CATALOG, 'session_support': 'SingleSession', 'delivery_group': 'Drain-Desktops',
             'machines': entries}]}],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--machines', type=int, default=1000)
    parser.add_argument('--idle', type=int, default=300)
    parser.add_argument('--stale', type=int, default=200)
    parser.add_argument('--active', type=int, default=200)
    parser.add_argument('--warning-minutes', type=float, default=10)
    parser.add_argument('--max-unavailable', type=int, default=1000)
    parser.add_argument('--time-scale', type=float, default=30)
    args = parser.parse_args(argv)
    work = tempfile.mkdtemp(prefix='bench-drain-')
    scenario_path = os.path.join(work, 'drain.yml')
    with open(scenario_path, 'w') as handle:
        yaml.safe_dump(scenario(args.machines, args.idle, args.stale, args.active), handle, sort_keys=False)
    colls, colls_tmp = collections_path()
    # The module runs on the wall clock: simulated minutes are divided by the time scale.
    warning = args.warning_minutes / args.time_scale
    drain_vars = {
        'reboot_idle_machines_catalogs': [CATALOG], 'reboot_idle_machines_min_hours_since_reboot': 0,
        'reboot_idle_machines_max_unavailable': args.max_unavailable, 'reboot_idle_machines_drain_sessions': True,
        'reboot_idle_machines_warning_minutes': warning, 'reboot_idle_machines_warning_interval_minutes': warning / 2,
        'reboot_idle_machines_warning_count': 2, 'reboot_idle_machines_logoff': 'disconnected',
        'reboot_idle_machines_logoff_disconnected_minutes': 60, 'reboot_idle_machines_fail_on_error': False}
    try:
        with running(scenario=scenario_path, time_scale=args.time_scale) as sim:
            before = requests.get(sim.url + '/_sim/state', timeout=60).json()
            print('Simulator: %d machines in catalog %s: %d idle, %d with only a session disconnected 8 h ago, %d with '
                  'an active user; warning %g min (%.1f s of wall time) in 2 warnings, logoff disconnected after 60 min; '
                  'max_unavailable %d; time scale %g; load average %s' % (
                      len(before['machines']), CATALOG, args.idle, args.stale, args.active, args.warning_minutes,
                      warning * 60, args.max_unavailable, args.time_scale,
                      ' '.join('%.2f' % x for x in os.getloadavg())))
            requests.delete(sim.url + '/_sim/requests', timeout=60).raise_for_status()
            env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=colls, ANSIBLE_NOCOLOR='1',
                       CITRIX_CUSTOMER_ID=CUSTOMER_ID, CITRIX_CLIENT_ID=CLIENT_ID, CITRIX_CLIENT_SECRET=CLIENT_SECRET,
                       CITRIX_API_URL=sim.url, CITRIX_AUTH_URL=sim.url)
            command = [ansible_playbook(), 'playbooks/reboot_idle_machines.yml', '-e', json.dumps(drain_vars)]
            started = time.monotonic()
            proc = subprocess.run(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  universal_newlines=True, check=False)
            wall = time.monotonic() - started
            state = requests.get(sim.url + '/_sim/state', timeout=60).json()
            every = requests.get(sim.url + '/_sim/requests', timeout=60).json()['requests']
            log = [r for r in every if not r.get('batch_item')]
            # The drain itself, from the first write (maintenance mode on) to the last (maintenance mode off), as the
            # request log times them (wall-clock seconds).
            writes = [r['time'] for r in every if r.get('batch_item') and r['method'] == 'PATCH']
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if colls_tmp:
            shutil.rmtree(colls_tmp, ignore_errors=True)
    if proc.returncode != 0:
        print(proc.stdout[-4000:], file=sys.stderr)
    machines = dict((m['Name'], m) for m in state['machines'])

    def group(first, count):
        return [machines['DEMOLAB\\DRN-%04d' % number] for number in range(first, first + count)]

    def back(machine):
        return machine['Counters']['PowerActions'].get('reboot', 0) >= 1 and machine['PowerState'] == 'On' \
            and machine['RegistrationState'] == 'Registered'
    idle, stale = group(0, args.idle), group(args.idle, args.stale)
    active = group(args.idle + args.stale, args.active)
    active_left = sum(m['SessionCount'] for m in active)
    fences = [m['Name'] for m in state['machines'] if m['InMaintenanceMode'] or FENCE_TAG in (m.get('Tags') or [])]
    reboot_seconds = sum(TIMINGS.values()) / args.time_scale
    drained = args.stale + args.active
    waves = max(1, int(math.ceil(drained / float(args.max_unavailable))))
    floor = waves * (warning * 60 + reboot_seconds)
    print('idle rebooted and back: %d of %d; stale rebooted and back: %d of %d; active sessions logged off: %d of %d '
          '(active machines rebooted: %d); sessions lost: %d; fences left: %d; most in maintenance mode at once: %d '
          '(max_unavailable %d)' % (
              sum(1 for m in idle if back(m)), args.idle, sum(1 for m in stale if back(m)), args.stale,
              args.active - active_left, args.active,
              sum(1 for m in active if m['Counters']['PowerActions'].get('reboot')), state['totals']['sessions_lost'],
              len(fences), state['totals']['most_in_maintenance'], args.max_unavailable))
    drain_wall = max(writes) - min(writes) if writes else 0.0
    print('HTTP requests in all: %d (at most %d); wall %.1f s for the playbook, %.1f s from the first fence to the last '
          'lift, against a floor of %.1f s (%d wave(s) x (warning %.1f s + reboot %.1f s)); exit %d' % (
              len(log), MAX_REQUESTS, wall, drain_wall, floor, waves, warning * 60, reboot_seconds, proc.returncode))
    good = all(back(m) for m in idle + stale) and active_left == args.active and not fences \
        and not state['totals']['sessions_lost'] and len(log) <= MAX_REQUESTS and proc.returncode == 0
    return 0 if good else 1


if __name__ == '__main__':
    sys.exit(main())
