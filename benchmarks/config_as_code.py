# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: converge the day-2 objects of many delivery groups with docs/config-as-code/converge.yml.

    python benchmarks/config_as_code.py [--groups 100] [--latency-ms 0]

Starts the simulator with --groups empty delivery groups, declares for each 2 reboot schedules and 1 power time
scheme, and 3 tags carried by every group (exclusive), then runs the example playbook in check mode, for real, and
again. For each run it prints the wall time, the HTTP requests to the API split into reads (GETs, and $batch requests
carrying only GETs) and writes, and the calls inside $batch requests.
Run it from the repository root with the virtual environment that has ansible-core, requests and aiohttp.
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

EXAMPLE = os.path.join(REPO, 'docs', 'config-as-code')
CREDENTIALS = {'CITRIX_CUSTOMER_ID': 'democustomer', 'CITRIX_CLIENT_ID': '0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b',
               'CITRIX_CLIENT_SECRET': 'sim-client-secret-3f9a7c'}
WRITES = ('POST', 'PUT', 'PATCH', 'DELETE')


def build(groups, folder):
    """(scenario path, desired state path) for ``groups`` delivery groups."""
    with open(os.path.join(REPO, 'tests', 'simulator', 'scenarios', 'docs.yml'), encoding='utf-8') as handle:
        scenario = yaml.safe_load(handle)
    names = ['Group-%03d' % number for number in range(1, groups + 1)]
    scenario['sites'][0]['delivery_groups'] = [{'name': name} for name in names]
    desired = {
        'tags': [{'name': tag, 'delivery_groups': names, 'exclusive': True} for tag in ('tier-1', 'emea', 'pilot')],
        'reboot_schedules': [dict(delivery_group=name, **schedule) for name in names for schedule in (
            {'name': 'Nightly', 'frequency': 'Daily', 'start_time': '02:00', 'reboot_duration_minutes': 120},
            {'name': 'Sunday', 'frequency': 'Weekly', 'days_in_week': ['Sunday'], 'start_time': '06:00',
             'use_natural_reboot': True})],
        'power_schemes': [{'delivery_group': name, 'name': 'Weekdays', 'days_of_week': ['Weekdays'],
                           'peak_time_ranges': ['08:00-18:00'],
                           'pool_size_schedule': [{'time_range': '00:00-24:00', 'pool_size': 2}]} for name in names],
    }
    paths = os.path.join(folder, 'scenario.yml'), os.path.join(folder, 'desired.yml')
    for path, data in zip(paths, (scenario, desired)):
        with open(path, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(data, handle)
    return paths


def counts(log):
    """reads, writes (HTTP requests under /cvad/manage) and calls inside $batch of a request log.

    A $batch request is logged after its items, so each $batch is a write when one of the items before it is.
    """
    reads = writes = items = 0
    pending_write = False
    for entry in log:
        if not entry['path'].startswith('/cvad/manage/'):
            continue
        if entry['batch_item']:
            items += 1
            pending_write = pending_write or entry['method'] in WRITES
        elif entry['path'].endswith('/$batch'):
            writes, reads = (writes + 1, reads) if pending_write else (writes, reads + 1)
            pending_write = False
        elif entry['method'] in WRITES:
            writes += 1
        else:
            reads += 1
    return reads, writes, items


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--groups', type=int, default=100)
    parser.add_argument('--latency-ms', type=int, default=0)
    options = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix='bench-config-')
    collections, own_collections = collections_path()
    try:
        scenario, desired = build(options.groups, folder)
        with running(scenario=scenario, latency_ms=options.latency_ms) as sim:
            env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, CITRIX_API_URL=sim.url,
                       CITRIX_AUTH_URL=sim.url, ANSIBLE_LOCALHOST_WARNING='false',
                       ANSIBLE_INVENTORY_UNPARSED_WARNING='false', **CREDENTIALS)
            print('%d delivery groups, each 2 reboot schedules, 1 power time scheme, 3 tags' % options.groups)
            print('%-12s %8s %6s %7s %14s %s' % ('run', 'wall s', 'reads', 'writes', '$batch calls', 'recap'))
            for label, extra in (('check mode', ['--check']), ('converge', []), ('again', [])):
                requests.delete(sim.url + '/_sim/requests', timeout=30).raise_for_status()
                started = time.monotonic()
                result = subprocess.run([ansible_playbook(), 'converge.yml', '-e', '@' + desired] + extra, cwd=EXAMPLE,
                                        env=env, capture_output=True, text=True, timeout=1800, check=False)
                wall = time.monotonic() - started
                if result.returncode != 0:
                    sys.exit('%s failed:\n%s' % (label, (result.stdout + result.stderr)[-4000:]))
                recap = [line.split(':', 1)[1].split()[:2] for line in result.stdout.splitlines()
                         if line.startswith('localhost')][-1]
                log = requests.get(sim.url + '/_sim/requests', timeout=30).json()['requests']
                print('%-12s %8.1f %6d %7d %14d %s' % ((label, wall) + counts(log) + (' '.join(recap),)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if own_collections:
            shutil.rmtree(own_collections, ignore_errors=True)


if __name__ == '__main__':
    main()
