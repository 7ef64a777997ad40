# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A scripted site for the bulk machine work: the client's surface the modules use, on a clock that moves only when
the code under test sleeps; every call it receives is recorded in `requests`."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import BatchOutcome, DaaSClient
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError

ALL_ACTIONS = ['PowerOn', 'PowerOff', 'Shutdown', 'Restart', 'Reset', 'SuspendResume']
# Seconds of simulated time: a machine goes down this long after its action, and is there this long after it.
DOWN_AFTER = 1.0
ACTION_SECONDS = 6.0
FINAL_STATES = {'start': 'On', 'resume': 'On', 'reboot': 'On', 'shutdown': 'Off', 'suspend': 'Suspended'}
LOST = DaaSError('Connection aborted', transient=True)


def machine(name, power_state='On', **fields):
    """A machine body as the API returns it."""
    body = {'Id': 'id-' + name.split('\\')[-1], 'Name': name, 'PowerState': power_state, 'RegistrationState': 'Registered',
            'PowerActionPending': False, 'SupportedPowerActions': list(ALL_ACTIONS), 'SessionCount': 0,
            'InMaintenanceMode': False, 'Tags': [], 'FormattedLastDeregistrationTime': '2026-11-20T06:14:09Z'}
    body.update(fields)
    return body


class Site(object):
    """Machines, their power actions and jobs; faults scripted per (machine Id, method, path suffix)."""

    machine_read_request = DaaSClient.machine_read_request
    maintenance_request = DaaSClient.maintenance_request
    machine_tag_request = DaaSClient.machine_tag_request
    power_request = DaaSClient.power_request
    job_read_request = DaaSClient.job_read_request
    _job_path = DaaSClient._job_path

    def __init__(self, *machines):
        self.now = 0.0
        self.machines = dict((body['Id'], dict(body)) for body in machines)
        self.actions = {}
        self.jobs = {}
        self.failing_jobs = set()
        self.warning_jobs = set()
        self.stuck = set()
        self.search_status = None
        self.faults = {}
        self.lost = {}
        self.lost_calls_happen = True
        self.on_read = {}
        self.requests = []
        self.warnings = []
        self.fallback_concurrency = 10

    @staticmethod
    def quote_name(name):
        return str(name).replace('\\', '|')

    # The clock

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        for machine_id, (action, started) in list(self.actions.items()):
            body = self.machines[machine_id]
            if machine_id in self.stuck:
                continue
            if machine_id in self.failing_jobs and self.now - started >= DOWN_AFTER:
                body['PowerActionPending'] = False
                self.jobs[machine_id] = 'Failed'
                del self.actions[machine_id]
            elif self.now - started >= ACTION_SECONDS:
                body.update(PowerState=FINAL_STATES[action], PowerActionPending=False,
                            RegistrationState='Registered' if FINAL_STATES[action] == 'On' else 'Unregistered')
                if action == 'reboot':
                    body['FormattedLastDeregistrationTime'] = '2026-11-28T08:00:00Z'
                self.jobs[machine_id] = 'CompleteWithWarning' if machine_id in self.warning_jobs else 'Complete'
                del self.actions[machine_id]
            elif self.now - started >= DOWN_AFTER and action in ('reboot', 'shutdown'):
                body.update(PowerState='Off', RegistrationState='Unregistered')

    # The calls

    def _find(self, key):
        key = str(key).lower()
        for body in self.machines.values():
            if key in (body['Id'].lower(), body['Name'].replace('\\', '|').lower()):
                return body
        return None

    def batch(self, requests):
        requests = list(requests)
        if requests:
            self.requests.append(('batch', len(requests)))
        return [self._one(request) for request in requests]

    def _one(self, request):
        self.requests.append((request.method, request.path))
        job = re.match(r'^/Jobs/job-(.+)$', request.path)
        if job:
            return BatchOutcome(200, {'Id': 'job-' + job.group(1), 'Status': self.jobs.get(job.group(1), 'InProgress'),
                                      'ErrorString': 'it went wrong' if job.group(1) in self.failing_jobs else None},
                                None, None)
        match = re.match(r'^/Machines/([^/?]+)(/Tags/[^/?]+|/\$[a-z]+)?(\?.*)?$', request.path)
        body = self._find(match.group(1))
        if body is None:
            return BatchOutcome(404, None, None, DaaSError('Not found', status=404))
        what = (body['Id'], request.method, match.group(2) or '')
        if self.faults.get(what):
            self.faults[what] -= 1
            return BatchOutcome(503, None, None, DaaSError('Service unavailable', status=503, transient=True))
        if self.lost.get(what):
            # The call is carried out (or not), and its answer lost with the whole $batch.
            self.lost[what] -= 1
            if self.lost_calls_happen:
                self._carry_out(body, request, what)
            return BatchOutcome(None, None, None, LOST)
        return self._carry_out(body, request, what)

    def _carry_out(self, body, request, what):
        method, suffix = what[1], what[2]
        if method == 'GET':
            answer = dict(body)
            hook = self.on_read.pop(body['Id'], None)
            if hook:
                hook(body)
            return BatchOutcome(200, answer, None, None)
        if method == 'PATCH':
            body['InMaintenanceMode'] = request.body['InMaintenanceMode']
            return BatchOutcome(200, None, None, None)
        if suffix.startswith('/Tags/'):
            tag = suffix[len('/Tags/'):]
            if method == 'POST':
                body['Tags'] = body['Tags'] + [tag]
            else:
                body['Tags'] = [name for name in body['Tags'] if name != tag]
            return BatchOutcome(204, None, None, None)
        action = suffix[2:]
        assert body['Id'] not in self.actions, 'a second power action on %s' % body['Name']
        self.actions[body['Id']] = (action, self.now)
        body['PowerActionPending'] = True
        return BatchOutcome(202, None, 'https://api.test/cvad/manage/Jobs/job-' + body['Id'], None)

    def machines_named(self, names, fields=None):
        self.requests.append(('search', len(names)))
        if self.search_status is not None:
            raise DaaSError('Not implemented', status=self.search_status)
        wanted = set(name.lower() for name in names)
        return [dict(body) for body in self.machines.values() if body['Name'].lower() in wanted]

    def ensure_tag(self, name, description=None):
        self.requests.append(('ensure_tag', name))

    # What the tests read

    def count(self, kind):
        """How many calls of a kind: 'batch', 'search', or a method with a path suffix such as 'POST $reboot'."""
        if kind in ('batch', 'search', 'ensure_tag'):
            return sum(1 for request in self.requests if request[0] == kind)
        method, suffix = kind.split(' ', 1)
        return sum(1 for request in self.requests if request[0] == method and suffix in request[1])
