# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Two runs of the reboot role at once over the same catalog: the run lock, measured.

    python benchmarks/overlap.py [--machines 200] [--max-unavailable 10] [--time-scale 30]

Starts the simulator (through the launcher) with one catalog of idle machines, starts a run of
playbooks/reboot_idle_machines.yml, starts a second one as soon as the first has sent its first write (read from the
simulator's request log), waits for both, and prints each run's outcome and, from the simulator: sessions lost,
machines rebooted more than once, fences left (maintenance mode or the fence tag), and the most machines in
maintenance mode at once against max_unavailable. Exits 1 when any of these misses its target.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
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
    generated_scenario,
)

FENCE_TAG = 'citrix_cloud.daas-reboot-fence'


def first_write_seen(url, process):
    """Wait on the request log until the first write of a run (or until the run ended): True when seen."""
    seen = 0
    while process.poll() is None:
        entries = requests.get('%s/_sim/requests?since=%d' % (url, seen), timeout=60).json()['requests']
        if entries:
            seen = entries[-1]['seq']
        if any(entry['method'] == 'PATCH' and '/Machines/' in entry['path'] for entry in entries):
            return True
        time.sleep(0.05)
    return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--machines', type=int, default=200)
    parser.add_argument('--max-unavailable', type=int, default=10)
    parser.add_argument('--time-scale', type=float, default=30)
    parser.add_argument('--seed', type=int, default=200)
    args = parser.parse_args(argv)
    work = tempfile.mkdtemp(prefix='bench-overlap-')
    scenario_path = os.path.join(work, 'overlap.yml')
    with open(scenario_path, 'w') as handle:
        yaml.safe_dump(generated_scenario(1, args.machines, 1.0, seed=args.seed), handle, sort_keys=False)
    colls, colls_tmp = collections_path()
    try:
        with running(scenario=scenario_path, time_scale=args.time_scale) as sim:
            state = requests.get(sim.url + '/_sim/state', timeout=60).json()
            catalog = state['machines'][0]['MachineCatalog']['Name']
            admin = sum(1 for machine in state['machines'] if machine['InMaintenanceMode'])
            idle = sum(1 for m in state['machines'] if m['SessionCount'] == 0 and m['PowerState'] == 'On'
                       and m['RegistrationState'] == 'Registered' and not m['InMaintenanceMode'])
            print('Simulator: %d machines in catalog %s, %d idle; max_unavailable %d; load average %s' % (
                len(state['machines']), catalog, idle, args.max_unavailable, ' '.join('%.2f' % x for x in os.getloadavg())))
            env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=colls, ANSIBLE_NOCOLOR='1',
                       CITRIX_CUSTOMER_ID=CUSTOMER_ID, CITRIX_CLIENT_ID=CLIENT_ID, CITRIX_CLIENT_SECRET=CLIENT_SECRET,
                       CITRIX_API_URL=sim.url, CITRIX_AUTH_URL=sim.url)
            command = [ansible_playbook(), 'playbooks/reboot_idle_machines.yml',
                       '-e', 'reboot_idle_machines_catalogs=' + catalog,
                       '-e', 'reboot_idle_machines_max_unavailable=%d' % args.max_unavailable,
                       '-e', 'reboot_idle_machines_min_hours_since_reboot=0']
            started = time.monotonic()
            outputs = [tempfile.TemporaryFile(mode='w+') for _run in range(2)]
            first = subprocess.Popen(command, cwd=REPO, env=env, stdout=outputs[0], stderr=subprocess.STDOUT)
            runs = [first]
            if first_write_seen(sim.url, first):
                runs.append(subprocess.Popen(command, cwd=REPO, env=env, stdout=outputs[1], stderr=subprocess.STDOUT))
            codes = [run.wait() for run in runs]
            wall = time.monotonic() - started
            state = requests.get(sim.url + '/_sim/state', timeout=60).json()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if colls_tmp:
            shutil.rmtree(colls_tmp, ignore_errors=True)
    machines = state['machines']
    twice = [m['Name'] for m in machines if m['Counters']['PowerActions'].get('reboot', 0) > 1]
    rebooted = sum(1 for m in machines if m['Counters']['PowerActions'].get('reboot', 0) >= 1)
    fences = [m['Name'] for m in machines if m['InMaintenanceMode'] or FENCE_TAG in (m.get('Tags') or [])]
    most = state['totals']['most_in_maintenance'] - admin
    for number, output in enumerate(outputs[:len(runs)]):
        output.seek(0)
        lines = [line.strip() for line in output.read().splitlines() if 'Rebooted (' in line or 'holds the run lock' in line]
        print('run %d: exit %d; %s' % (number + 1, codes[number], (lines[-1] if lines else 'no summary line')[:200]))
    print('both runs: %d runs, wall %.1f s; machines rebooted %d of %d idle; rebooted twice %d; sessions lost %d; fences '
          'left %d; most in maintenance mode at once %d (max_unavailable %d)' % (
              len(runs), wall, rebooted, idle, len(twice), state['totals']['sessions_lost'], len(fences), most,
              args.max_unavailable))
    good = len(runs) == 2 and not twice and not fences and not state['totals']['sessions_lost'] \
        and most <= args.max_unavailable and rebooted == idle and not any(codes)
    return 0 if good else 1


if __name__ == '__main__':
    sys.exit(main())
