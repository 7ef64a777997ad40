# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: ansible-inventory --list with the citrix_cloud.daas.machines plugin on a large generated site.

Run from the repository root:
python benchmarks/inventory_machines.py [--machines 20000] [--latency-ms 50] [--runs 3] [--baseline REVISION]

Measures, for each run of `ansible-inventory --list`: the wall time, the requests the simulator logged (target: one
sign-in, one site discovery and one page per 1000 machines) and the peak resident memory of the process (target: under
250 MB). A last run with the cache filled shows that a cache hit sends no request. With --baseline, the plugin of that
git revision (for example main) is measured too, its runs taking turns with this one's, so that both see the same load.
Exits 1 when this working tree misses a target.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.request import Request, urlopen

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from tests.simulator.launcher import start  # noqa: E402 pylint: disable=wrong-import-position
RSS_TARGET_MB = 250.0
SOURCE = """plugin: citrix_cloud.daas.machines
api_url: {url}
auth_url: {url}
keyed_groups:
  - key: citrix_power_state
    prefix: power
"""


def call(url, method='GET'):
    with urlopen(Request(url, method=method), timeout=60) as response:
        return json.loads(response.read().decode('utf-8') or 'null')


def write_scenario(workdir, machines):
    """A generated site of `machines` machines in catalogs of 1000."""
    text = subprocess.check_output([sys.executable, '-m', 'tests.simulator.scenario', '--machines', str(machines),
                                    '--catalogs', str(max(1, machines // 1000)), '--compact'], cwd=REPO)
    path = os.path.join(workdir, 'scenario.yml')
    with open(path, 'w') as handle:
        yaml.safe_dump(yaml.safe_load(text), handle)
    return path


def run_once(sim_url, command, env, output):
    """(wall seconds, peak RSS in MB, hosts listed, requests logged) of one ansible-inventory run."""
    call(sim_url + '/_sim/requests', 'DELETE')
    started = time.monotonic()
    with open(output, 'w') as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.PIPE, universal_newlines=True)
        _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit('ansible-inventory failed: %s' % process.stderr.read())
    with open(output) as listed:
        hosts = len(json.load(listed)['_meta']['hostvars'])
    return wall, usage.ru_maxrss / 1024.0, hosts, call(sim_url + '/_sim/requests')['requests']


def baseline_collections(workdir, revision):
    """A collections directory that holds the collection as it is at a git revision."""
    target = os.path.join(workdir, 'baseline', 'ansible_collections', 'citrix_cloud', 'daas')
    os.makedirs(target)
    archive = subprocess.check_output(['git', 'archive', '--format=tar', revision, 'galaxy.yml', 'meta', 'plugins'], cwd=REPO)
    subprocess.run(['tar', '-xf', '-', '-C', target], input=archive, check=True)
    return os.path.join(workdir, 'baseline')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--machines', type=int, default=20000)
    parser.add_argument('--latency-ms', type=int, default=50, help='latency the simulator adds to every answer')
    parser.add_argument('--runs', type=int, default=3, help='runs without cache; the median counts')
    parser.add_argument('--baseline', metavar='REVISION', help='also measure the collection of this git revision')
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix='inventory-bench-')
    collections_dir = os.path.join(workdir, 'collections', 'ansible_collections', 'citrix_cloud')
    os.makedirs(collections_dir)
    os.symlink(REPO, os.path.join(collections_dir, 'daas'))
    variants = [('this tree', os.path.join(workdir, 'collections'))]
    if args.baseline:
        variants.insert(0, (args.baseline, baseline_collections(workdir, args.baseline)))
    load_before = os.getloadavg()
    simulator = start(scenario=write_scenario(workdir, args.machines), latency_ms=args.latency_ms)
    sim_url = simulator.url
    try:
        plain = os.path.join(workdir, 'bench.citrix.yml')
        with open(plain, 'w') as handle:
            handle.write(SOURCE.format(url=sim_url))
        env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_INVENTORY_UNPARSED_FAILED='true',
                   CITRIX_CUSTOMER_ID='democustomer', CITRIX_CLIENT_ID='0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b',
                   CITRIX_CLIENT_SECRET='sim-client-secret-3f9a7c')
        inventory = os.path.join(os.path.dirname(sys.executable), 'ansible-inventory')
        output = os.path.join(workdir, 'list.json')
        runs = dict((name, []) for name, _path in variants)
        cache_hits = {}
        for dummy in range(args.runs):
            for name, collections in variants:
                runs[name].append(run_once(sim_url, [inventory, '-i', plain, '--list'],
                                           dict(env, ANSIBLE_COLLECTIONS_PATH=collections), output))
        for number, (name, collections) in enumerate(variants):
            cached = os.path.join(workdir, 'cached%d.citrix.yml' % number)
            with open(cached, 'w') as handle:
                handle.write(SOURCE.format(url=sim_url) + 'cache: true\ncache_plugin: ansible.builtin.jsonfile\n'
                             'cache_connection: %s\n' % os.path.join(workdir, 'cache%d' % number))
            command, variant_env = [inventory, '-i', cached, '--list'], dict(env, ANSIBLE_COLLECTIONS_PATH=collections)
            run_once(sim_url, command, variant_env, output)
            cache_hits[name] = run_once(sim_url, command, variant_env, output)
    finally:
        simulator.stop()
        shutil.rmtree(workdir)
    print('ansible-inventory --list, %d machines, %d ms latency per answer, %d runs; load average %.1f before, %.1f after, '
          '%d CPUs' % (args.machines, args.latency_ms, args.runs, load_before[0], os.getloadavg()[0], os.cpu_count()))
    missed = dict((name, report(args, runs[name], cache_hits[name], name)) for name, _path in variants)
    if missed['this tree']:
        print('targets missed by this tree: %s' % ', '.join(missed['this tree']))
        return 1
    print('every target met by this tree')
    return 0


def report(args, runs, cache_hit, name):
    """Print the figures of one collection's runs; return the targets it missed."""
    pages = -(-args.machines // 1000)
    expected = 2 + pages
    wall = statistics.median(run[0] for run in runs)
    rss = max(run[1] for run in runs)
    requests = [len(run[3]) for run in runs]
    hosts = set(run[2] for run in runs)
    print('%s:' % name)
    print('  hosts listed:      %s' % ', '.join(str(h) for h in sorted(hosts)))
    print('  wall time:         median %.2f s (runs: %s)' % (wall, ', '.join('%.2f' % run[0] for run in runs)))
    print('  requests per run:  %s (target %d: sign-in, site discovery, %d pages)'
          % (', '.join(str(r) for r in requests), expected, pages))
    print('  peak RSS:          %.0f MB (target under %.0f MB)' % (rss, RSS_TARGET_MB))
    print('  cache hit:         %.2f s, %d requests, %.0f MB' % (cache_hit[0], len(cache_hit[3]), cache_hit[1]))
    missed = []
    if hosts != {args.machines} or cache_hit[2] != args.machines:
        missed.append('hosts')
    if any(r != expected for r in requests) or cache_hit[3]:
        missed.append('requests')
    if rss >= RSS_TARGET_MB or cache_hit[1] >= RSS_TARGET_MB:
        missed.append('memory')
    return missed


if __name__ == '__main__':
    sys.exit(main())
