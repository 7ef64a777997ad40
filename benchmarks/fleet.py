# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark P3: the reboot role on a fleet (20,000 machines in 20 catalogs), in check mode and for real.

    python benchmarks/fleet.py [--machines 20000] [--catalogs 20] [--sizes 1000,20000,100000]
                               [--idle-share 0.3] [--time-scale 30] [--max-unavailable 1000] [--latency-ms 0]
                               [--faults] [--real-only]

With --sizes, the same runs at each number of machines (one catalog per 1,000), one simulator after the other, then
the curve: peak memory as a base plus so much per 1,000 machines (a least-squares line through the sizes).

With --faults, the real run meets 5% answers 500, 502, 503 or 504 and 2% dropped connections on the DaaS API, and
the summary is checked: every idle machine rebooted or reported with a reason that is not the fault, each machine
once, no session lost, no fence left, no fence lifted over a pending power action.

Starts the simulator with a generated estate, runs playbooks/reboot_idle_machines.yml over every catalog in check
mode, resets, runs it for real, and prints for each run: wall time, HTTP requests (and the calls inside `$batch`
requests), pages of machines read, the summed peak resident memory of the controller's processes
(ansible-playbook and its workers, sampled every 0.1 s), and the outcome; then where the time went: the simulator's
own CPU time against the wall time (the simulator is not the bottleneck when it is well under), the time from the
first request to the first write (the read and the choice), the sizes of the $batch requests and $search pages, and
the pipeline's waves (the reboots sent per $batch of reboots). Targets: check mode within 2 minutes, for real within
4 minutes at time scale 30, and under 250 MB of peak memory.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, 'benchmarks'))

from reboot_idle import Simulator, ansible_playbook, collections_path  # noqa: E402 pylint: disable=wrong-import-position
from tests.simulator.app import LOG_LIMIT  # noqa: E402 pylint: disable=wrong-import-position
from tests.simulator.scenario import (  # noqa: E402 pylint: disable=wrong-import-position
    CLIENT_ID,
    CLIENT_SECRET,
    CUSTOMER_ID,
    generated_scenario,
)


def tree_rss(pid):
    """Resident memory in bytes of a process and all its descendants (from /proc)."""
    children = {}
    rss = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as stat:
                fields = stat.read().rsplit(')', 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf('SC_PAGE_SIZE')
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo.extend(children.get(current, []))
    return total


def run_playbook(command, env):
    """Run a playbook; returns (wall seconds, peak summed RSS in bytes, exit code, output)."""
    output = tempfile.TemporaryFile(mode='w+')
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT)
    peak = [0]

    def sample():
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss(process.pid))
            time.sleep(0.1)
    sampler = threading.Thread(target=sample)
    sampler.start()
    code = process.wait()
    wall = time.monotonic() - started
    sampler.join()
    output.seek(0)
    return wall, peak[0], code, output.read()


def cpu_seconds(pid):
    """User and system CPU time of a process, in seconds (from /proc)."""
    with open('/proc/%d/stat' % pid) as stat:
        fields = stat.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf('SC_CLK_TCK'))


def spread(values):
    """min/median/max of some numbers, as text."""
    values = sorted(values)
    if not values:
        return 'none'
    return '%d/%d/%d' % (values[0], values[len(values) // 2], values[-1])


def profile(log, wall, simulator_cpu):
    """Where a run's time went, from the simulator's request log (one line)."""
    outer = [r for r in log if not r.get('batch_item')]
    if not outer:
        return 'no request'
    start = outer[0]['time']
    writes = [r for r in log if r.get('batch_item') and r['method'] != 'GET']
    first_write = (writes[0]['time'] - start) if writes else wall
    # The simulator logs the calls of a $batch as it carries them out, then the $batch request itself.
    batches, reboot_waves, pending = [], [], []
    for entry in log:
        if entry.get('batch_item'):
            pending.append(entry)
        elif entry['path'].endswith('/$batch'):
            batches.append(pending)
            pending = []
    for batch in batches:
        reboots = sum(1 for item in batch if '/$reboot' in item['path'])
        if reboots:
            reboot_waves.append(reboots)
    searches = [r for r in outer if r['path'].endswith('/$search')]
    # The simulator keeps at most LOG_LIMIT entries: a fuller log has dropped its first ones.
    dropped = ' (the log is full: its first entries were dropped)' if len(log) >= LOG_LIMIT * 0.9 else ''
    return ('simulator CPU %.1f s of %.1f s wall (%.0f%%); read and choice %.1f s; $batch %d (calls min/median/max %s); '
            '$batch of reboots %d (reboots %s); $search pages %d%s' % (
                simulator_cpu, wall, 100.0 * simulator_cpu / wall if wall else 0, first_write, len(batches),
                spread(len(b) for b in batches), len(reboot_waves), spread(reboot_waves), len(searches), dropped))


def describe(sim, label, wall, peak, code, output, simulator_cpu=0.0):
    log = sim.requests_log()
    outer = [r for r in log if not r.get('batch_item')]
    items = len(log) - len(outer)
    pages = sum(1 for r in outer if r['method'] == 'GET' and r['path'].endswith('/Machines'))
    searches = sum(1 for r in outer if r['path'].endswith('/$search'))
    batches = sum(1 for r in outer if r['path'].endswith('/$batch'))
    state = sim.state()
    totals = state['totals']
    fenced = sum(1 for m in state['machines'] if m['InMaintenanceMode'] and 'citrix_cloud.daas-reboot-fence' in m['Tags'])
    print('%-10s wall %6.1f s  peak RSS %5.0f MB  requests %5d (pages %d, $batch %d with %d calls, $search %d)  '
          'reboots %d  sessions lost %d  fences left %d  exit %d'
          % (label, wall, peak / 1e6, len(outer), pages, batches, items, searches, totals['power_actions'],
             totals['sessions_lost'], fenced, code))
    print('%-10s %s' % ('', profile(log, wall, simulator_cpu)))
    if code != 0:
        print(output[-3000:])
    return code


def check_summary(sim, report, idle_names):
    """Every idle machine rebooted exactly once (the simulator's counters) or reported with a reason that is not a
    fault, and the summary's counts agree; 1 when not."""
    with open(report) as handle:
        summary = json.load(handle)
    counts = summary['counts']
    faulty = [entry for entry in summary['failed'] if re.search(r'HTTP 50[0-4]|Connection|aborted', entry['error'] or '')]
    state = sim.state()
    totals = state['totals']
    reboots = dict((m['Name'], m.get('Counters', {}).get('PowerActions', {}).get('reboot', 0)) for m in state['machines'])
    once = sum(1 for name in idle_names if reboots.get(name) == 1)
    twice = sum(1 for count in reboots.values() if count > 1)
    print('faults injected: %s' % (', '.join('%s %d' % item for item in sorted(sim.faults().items())) or 'none'))
    print('summary: %d rebooted of %d idle (%d idle machines rebooted exactly once, %d machines more than once), '
          '%d failed (%d of them by a fault, of those listed), errors: %s; lifted with a power action pending: %d; '
          'summary lists %d rebooted, %d skipped, %d failed' % (
              counts['rebooted'], len(idle_names), once, twice, counts['failed'], len(faulty),
              summary['errors'] or 'none', totals['lifted_with_action_pending'], len(summary['rebooted']),
              len(summary['skipped']), len(summary['failed'])))
    for entry in faulty[:5]:
        print('  %s: %s' % (entry['name'], entry['error']))
    good = not faulty and not twice and counts['rebooted'] + counts['failed'] >= len(idle_names) \
        and not totals['lifted_with_action_pending']
    return 0 if good else 1


def fit(points):
    """(base, slope) of the least-squares line through (x, y) points."""
    count = float(len(points))
    mean_x = sum(x for x, _y in points) / count
    mean_y = sum(y for _x, y in points) / count
    spread_x = sum((x - mean_x) ** 2 for x, _y in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread_x if spread_x else 0.0
    return mean_y - slope * mean_x, slope


def bench(args, machines, catalogs, playbook_bin, colls):
    """The runs at one size; returns (exit codes, {label: peak bytes})."""
    work = tempfile.mkdtemp(prefix='bench-fleet-')
    scenario_path = os.path.join(work, 'fleet.yml')
    with open(scenario_path, 'w') as handle:
        yaml.safe_dump(generated_scenario(catalogs, machines, args.idle_share, seed=args.seed, compact=True), handle,
                       sort_keys=False)
    sim = Simulator(scenario_path, args.latency_ms, args.time_scale, sys.executable, 'cloud')
    codes, peaks = [], {}
    try:
        state = sim.state()
        names = sorted(set(m['MachineCatalog']['Name'] for m in state['machines']))
        idle_names = [m['Name'] for m in state['machines'] if m['SessionCount'] == 0 and m['PowerState'] == 'On'
                      and m['RegistrationState'] == 'Registered' and not m['InMaintenanceMode']]
        del state
        print('Simulator: %d machines in %d catalogs, %d idle; time scale %g; %g ms latency; max_unavailable %d; '
              'load average %s' % (machines, len(names), len(idle_names), args.time_scale, args.latency_ms,
                                   args.max_unavailable, ' '.join('%.2f' % x for x in os.getloadavg())))
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=colls, ANSIBLE_LOCALHOST_WARNING='false',
                   ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_NOCOLOR='1',
                   CITRIX_CUSTOMER_ID=CUSTOMER_ID, CITRIX_CLIENT_ID=CLIENT_ID, CITRIX_CLIENT_SECRET=CLIENT_SECRET,
                   CITRIX_API_URL=sim.url, CITRIX_AUTH_URL=sim.url)
        command = [playbook_bin, 'playbooks/reboot_idle_machines.yml',
                   '-e', 'reboot_idle_machines_catalogs=' + ','.join(names),
                   '-e', 'reboot_idle_machines_max_unavailable=%d' % args.max_unavailable,
                   '-e', 'reboot_idle_machines_min_hours_since_reboot=0']
        report = os.path.join(work, 'summary.json')
        runs = (('real', ['-e', 'reboot_idle_machines_report_path=' + report]),)
        if not args.real_only:
            runs = (('check mode', ['--check']),) + runs
        for label, extra in runs:
            sim.reset()
            if args.faults and label == 'real':
                sim.faults({'errors': {'share': 0.05, 'statuses': [500, 502, 503, 504]}, 'drop_share': 0.02,
                            'path_regex': '^/cvad/manage/', 'seed': args.seed})
            cpu_before = cpu_seconds(sim.running.pid)
            wall, peak, code, output = run_playbook(command + extra, env)
            peaks[label] = peak
            codes.append(describe(sim, label, wall, peak, code, output, cpu_seconds(sim.running.pid) - cpu_before))
            if label == 'real':
                codes.append(check_summary(sim, report, idle_names))
    finally:
        sim.stop()
        shutil.rmtree(work, ignore_errors=True)
    return codes, peaks


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--machines', type=int, default=20000)
    parser.add_argument('--catalogs', type=int, default=20)
    parser.add_argument('--sizes', help='comma-separated numbers of machines, one catalog per 1,000 (overrides '
                                        '--machines and --catalogs)')
    parser.add_argument('--idle-share', type=float, default=0.3)
    parser.add_argument('--time-scale', type=float, default=30)
    parser.add_argument('--latency-ms', type=float, default=0)
    parser.add_argument('--max-unavailable', type=int, default=1000)
    parser.add_argument('--seed', type=int, default=20000)
    parser.add_argument('--faults', action='store_true', help='5%% 500-504 and 2%% dropped connections (real run)')
    parser.add_argument('--real-only', action='store_true', help='skip the check-mode run')
    args = parser.parse_args(argv)
    sizes = [(args.machines, args.catalogs)]
    if args.sizes:
        sizes = [(int(size), max(1, int(size) // 1000)) for size in args.sizes.split(',')]

    playbook_bin = ansible_playbook()
    colls, colls_tmp = collections_path()
    codes, curve = [], {}
    try:
        for machines, catalogs in sizes:
            size_codes, peaks = bench(args, machines, catalogs, playbook_bin, colls)
            codes += size_codes
            for label, peak in peaks.items():
                curve.setdefault(label, []).append((machines / 1000.0, peak / 1e6))
    finally:
        if colls_tmp:
            shutil.rmtree(colls_tmp, ignore_errors=True)
    if len(sizes) > 1:
        for label, points in sorted(curve.items()):
            base, slope = fit(points)
            print('peak memory (%s): %.0f MB + %.2f MB per 1,000 machines (%s)' % (
                label, base, slope, ', '.join('%d: %.0f MB' % (x * 1000, y) for x, y in points)))
    return 1 if any(codes) else 0


if __name__ == '__main__':
    sys.exit(main())
