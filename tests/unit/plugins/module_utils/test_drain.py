# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the drain rules and of the pipeline's drain mode, against a scripted site on a fake clock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re

import pytest

from ansible_collections.citrix_cloud.daas.plugins.module_utils._client import BatchOutcome, DaaSClient
from ansible_collections.citrix_cloud.daas.plugins.module_utils._drain import DEADLINE, WAIT, WARN, DrainPolicy
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.tests.unit.plugins.module_utils.test_rolling import FENCE, Site, run

NOW = datetime.datetime(2026, 12, 1, 22, 0, tzinfo=datetime.timezone.utc)


def policy(**overrides):
    params = dict(warning_minutes=10, warning_interval_minutes=4, warning_count=3, logoff='none',
                  logoff_disconnected_minutes=60)
    params.update(overrides)
    return DrainPolicy.from_params(params, NOW)


def stamp(minutes_ago):
    return (NOW - datetime.timedelta(minutes=minutes_ago)).strftime('%Y-%m-%dT%H:%M:%SZ')


class DrainSite(Site):
    """The scripted site, with sessions: messages are recorded per session, a logoff ends the session, and
    `leaves_after` makes a user log off on their own after that many warnings."""

    def __init__(self, count=6, sessions=None, **overrides):
        super(DrainSite, self).__init__(count, **overrides)
        self.sessions = {}
        self.messages = {}
        self.logged_off = []
        self.leaves_after = {}
        self.failing_logoffs = 0
        self.reboot_times = []
        for machine_id, states in (sessions or {}).items():
            for number, (state, minutes_ago) in enumerate(states):
                self.add_session(machine_id, 'D\\user-%s-%d' % (machine_id, number), state, minutes_ago)

    def add_session(self, machine_id, user, state='Active', minutes_ago=0):
        session_id = 's-%s-%d' % (machine_id, len(self.sessions))
        self.sessions[session_id] = {'Id': session_id, 'State': state, 'FormattedStateChangeTime': stamp(minutes_ago),
                                     'User': {'SamName': user}, 'Machine': {'Id': machine_id}}
        self._count(machine_id)
        return session_id

    def _count(self, machine_id):
        self.machines[machine_id]['SessionCount'] = sum(
            1 for s in self.sessions.values() if s['Machine']['Id'] == machine_id)

    def now_of_day(self):
        return NOW + datetime.timedelta(seconds=self.now)

    message_body = DaaSClient.message_body
    session_action_request = DaaSClient.session_action_request

    def server_time(self):
        self.requests.append('server time')
        return self.now_of_day()

    def session_actions(self, requests):
        return self.batch(requests)

    def search_sessions(self, filters, fields=None):
        self.requests.append('session search')
        (wanted,) = filters
        names = set(spec['Value'] for spec in (wanted if isinstance(wanted, list) else [wanted]))
        assert set(spec['Property'] for spec in (wanted if isinstance(wanted, list) else [wanted])) == {'MachineName'}
        return [dict(s) for s in self.sessions.values() if self.machines[s['Machine']['Id']]['Name'] in names]

    def _one(self, request):
        match = re.match(r'^/Sessions/([^/]+)/\$(\w+)', request.path)
        if match is None:
            if request.path.endswith('/$reboot?async=true'):
                self.reboot_times.append(self.now)
            return super(DrainSite, self)._one(request)
        session = self.sessions.get(match.group(1))
        if session is None:
            return BatchOutcome(404, None, None, DaaSError('Not found', status=404))
        machine = self.machines[session['Machine']['Id']]
        assert machine['InMaintenanceMode'] and FENCE in machine['Tags'], 'a session acted on outside a fence'
        if match.group(2) == 'sendMessage':
            self.messages.setdefault(session['Id'], []).append(request.body['Text'])
            if len(self.messages[session['Id']]) >= self.leaves_after.get(session['Id'], 99):
                self._end(session)
            return BatchOutcome(200, None, None, None)
        assert match.group(2) == 'logoff'
        if self.failing_logoffs:
            self.failing_logoffs -= 1
            return BatchOutcome(503, None, None, DaaSError('Service unavailable', status=503, transient=True))
        self.logged_off.append((session['Id'], session['State'], len(self.messages.get(session['Id'], []))))
        self._end(session)
        return BatchOutcome(204, None, None, None)

    def _end(self, session):
        del self.sessions[session['Id']]
        self._count(session['Machine']['Id'])


def drain_run(site, drain, **options):
    return run(site, drain=drain, now=site.now_of_day, **options)


# The rules

def test_warnings_come_at_the_start_then_every_interval_and_the_deadline_after_the_last():
    rules = policy()
    assert [rules.next_step(0, t, sent) for t, sent in ((0, 0), (100, 1), (240, 1), (480, 2), (599, 3), (600, 3))] \
        == [WARN, WAIT, WARN, WARN, WAIT, DEADLINE]
    # A round that comes late sends one warning, not those it missed.
    assert rules.warnings_due(0, 500) == 3
    assert rules.message(0, 130) == ('Restart for maintenance', 'This machine restarts for maintenance in 8 minutes. '
                                                                'Save your work and log off.')


@pytest.mark.parametrize('overrides, message', [
    (dict(warning_minutes=0), 'warning_minutes must be more than 0, got 0'),
    (dict(warning_count=0), 'warning_count must be 1 or more, got 0'),
    (dict(warning_count=4), 'warning_count 4 warnings every 4 minutes do not fit before the deadline, warning_minutes '
                            '10 after the first: give fewer warnings or a shorter interval'),
    (dict(logoff='some'), 'logoff must be one of none, disconnected, all, got some'),
    (dict(finish_by='tonight'), "finish_by must be an RFC 3339 time such as 2026-12-02T05:00:00Z or a time of day "
                                "HH:MM, got 'tonight'"),
])
def test_bad_drain_options_fail_in_one_line_naming_the_option(overrides, message):
    with pytest.raises(ValueError) as raised:
        policy(**overrides)
    assert str(raised.value) == message


def test_finish_by_takes_rfc3339_or_the_next_time_of_day():
    assert policy(finish_by='2026-12-02T05:00:00+01:00').finish_by.isoformat() == '2026-12-02T05:00:00+01:00'
    clock_time = policy(finish_by='05:00').finish_by
    assert (clock_time.hour, clock_time.minute) == (5, 0) and NOW < clock_time <= NOW + datetime.timedelta(days=1)


def test_the_logoff_policy_spares_active_sessions_unless_all():
    sessions = [{'State': 'Active', 'FormattedStateChangeTime': stamp(600)},
                {'State': 'Disconnected', 'FormattedStateChangeTime': stamp(61)},
                {'State': 'Disconnected', 'FormattedStateChangeTime': stamp(59)}]
    assert policy(logoff='none').to_log_off(sessions, NOW) == []
    assert policy(logoff='disconnected').to_log_off(sessions, NOW) == [sessions[1]]
    assert policy(logoff='all').to_log_off(sessions, NOW) == sessions


# The pipeline

def test_without_drain_mode_a_machine_with_sessions_is_skipped_and_nobody_warned():
    site = DrainSite(2, sessions={'id-1': [('Active', 5)]})
    _pipeline, results = run(site)
    assert results['id-1']['status'] == 'skipped' and 'warned' not in results['id-1']
    assert site.messages == {} and 'session search' not in site.requests


def test_a_stale_disconnected_session_is_logged_off_after_the_last_warning_and_the_machine_rebooted():
    site = DrainSite(3, sessions={'id-1': [('Disconnected', 600)], 'id-2': [('Active', 5)]})
    _pipeline, results = drain_run(site, policy(logoff='disconnected'), max_unavailable=3)
    assert results['id-0']['status'] == 'done' and results['id-0']['warned'] == []
    assert results['id-1']['status'] == 'done' and results['id-1']['logged_off'] == ['D\\user-id-1-0']
    # Logged off once, disconnected, at the deadline (a disconnected user is not sent warnings nobody can read);
    # the active user was warned three times and kept.
    assert site.logged_off == [('s-id-1-0', 'Disconnected', 0)] and site.now >= 600
    assert results['id-2']['status'] == 'skipped' and results['id-2']['reason'].startswith('still busy at the deadline')
    assert results['id-2']['job_id'] is None and results['id-2']['lifted'] is True
    assert results['id-2']['warned'] == ['D\\user-id-2-0'] and results['id-2']['warnings'] == 3
    assert site.messages['s-id-2-1'] == ['This machine restarts for maintenance in %d minutes. Save your work and '
                                         'log off.' % minutes for minutes in (10, 6, 2)]
    assert not any(m['InMaintenanceMode'] or m['Tags'] for m in site.machines.values())


def test_a_session_disconnected_less_than_its_age_stays_and_keeps_the_machine_busy():
    site = DrainSite(1, sessions={'id-0': [('Disconnected', 30)]})
    _pipeline, results = drain_run(site, policy(logoff='disconnected'))
    assert site.logged_off == [] and results['id-0']['status'] == 'skipped'


def test_a_user_who_logs_off_during_the_warnings_frees_the_machine_at_once():
    site = DrainSite(1, sessions={'id-0': [('Active', 5)]})
    site.leaves_after['s-id-0-0'] = 1
    _pipeline, results = drain_run(site, policy())
    assert results['id-0']['status'] == 'done' and results['id-0']['warnings'] == 1
    # Rebooted at the next read after the first warning, long before the second (4 minutes later).
    assert site.now < 60


def test_logoff_all_ends_active_sessions_only_when_asked_and_only_at_the_deadline():
    site = DrainSite(1, sessions={'id-0': [('Active', 5), ('Active', 1)]})
    _pipeline, results = drain_run(site, policy(logoff='all'))
    assert results['id-0']['status'] == 'done'
    assert sorted(site.logged_off) == [('s-id-0-0', 'Active', 3), ('s-id-0-1', 'Active', 3)]
    # Read again soon after the logoffs (the growing pause starts over): rebooted about a second after the deadline.
    assert len(site.reboot_times) == 1 and 600 <= site.reboot_times[0] < 602


def test_warnings_to_many_machines_travel_in_one_batch_per_round():
    sessions = dict(('id-%d' % number, [('Active', 5), ('Active', 5)]) for number in range(6))
    site = DrainSite(6, sessions=sessions)
    _pipeline, results = drain_run(site, policy(), max_unavailable=6)
    assert all(r['status'] == 'skipped' and r['warnings'] == 3 for r in results.values())
    # Read, maintenance on, tag on; three warnings; tag off, maintenance off: as many batches for 6 machines as for 1.
    assert site.requests.count('batch') == 8 and site.requests.count('session search') == 4
    assert site.requests.count('server time') == 1


def test_busy_machines_count_against_max_unavailable():
    site = DrainSite(4, sessions={'id-0': [('Active', 5)], 'id-1': [('Active', 5)]})
    _pipeline, results = drain_run(site, policy(), max_unavailable=2)
    assert site.most_out_of_service == 2
    assert [results['id-%d' % n]['status'] for n in range(4)] == ['skipped', 'skipped', 'done', 'done']


def test_a_failed_logoff_is_sent_again_and_the_session_gone_counts_as_logged_off():
    site = DrainSite(1, sessions={'id-0': [('Disconnected', 600)]})
    site.failing_logoffs = 1
    _pipeline, results = drain_run(site, policy(logoff='disconnected'))
    assert results['id-0']['status'] == 'done' and results['id-0']['logged_off'] == ['D\\user-id-0-0']


def test_no_machine_is_fenced_after_finish_by_and_a_busy_one_only_if_its_drain_ends_before():
    site = DrainSite(2, sessions={'id-1': [('Active', 5)]})
    rules = policy(finish_by=(NOW + datetime.timedelta(minutes=5)).isoformat())
    _pipeline, results = drain_run(site, rules, finish_by=rules.finish_by)
    assert results['id-0']['status'] == 'done'
    assert results['id-1']['status'] == 'skipped' and results['id-1']['fenced'] is False
    assert results['id-1']['reason'].startswith('not fenced: its drain (warning_minutes 10) would end after finish_by')
    late = DrainSite(1)
    _pipeline, results = drain_run(late, rules, finish_by=NOW - datetime.timedelta(minutes=1))
    assert results['id-0']['reason'].startswith('not fenced: finish_by') and 'batch' in late.requests
    assert late.machines['id-0']['Tags'] == [] and not late.machines['id-0']['InMaintenanceMode']


def test_a_run_stopped_while_draining_lifts_the_fence():
    site = DrainSite(1, sessions={'id-0': [('Active', 5)]})
    searches = []

    def refuse_after_three(filters, fields=None):
        searches.append(1)
        if len(searches) > 1:
            raise DaaSError('Access denied: HTTP 403', status=403)
        return DrainSite.search_sessions(site, filters, fields)
    site.search_sessions = refuse_after_three
    pipeline, results = drain_run(site, policy())
    assert pipeline.stopped_by is not None and results['id-0']['lifted'] is True
    assert not site.machines['id-0']['InMaintenanceMode'] and site.machines['id-0']['Tags'] == []


def test_check_mode_predicts_who_is_warned_and_logged_off_and_sends_nothing():
    site = DrainSite(3, sessions={'id-1': [('Disconnected', 600)], 'id-2': [('Active', 5), ('Disconnected', 55)]})
    _pipeline, results = drain_run(site, policy(logoff='disconnected'), check_mode=True)
    assert site.requests == ['GET /Machines', 'session search', 'server time'] and site.messages == {}
    assert results['id-1']['status'] == 'done' and results['id-1']['logged_off'] == ['D\\user-id-1-0']
    # At the deadline, 10 minutes on, the session disconnected 55 minutes ago is 65 minutes old: logged off.
    assert results['id-2']['logged_off'] == ['D\\user-id-2-1'] and results['id-2']['warned'] == ['D\\user-id-2-0']
    assert results['id-2']['status'] == 'skipped' and 'would still be busy' in results['id-2']['reason']


def test_sessions_the_search_does_not_show_keep_the_machine_busy_at_the_deadline():
    site = DrainSite(1, sessions={'id-0': [('Disconnected', 600)]})
    site.search_sessions = lambda filters, fields=None: []
    _pipeline, results = drain_run(site, policy(logoff='all'))
    assert results['id-0']['status'] == 'skipped' and results['id-0']['reason'].startswith('still busy at the deadline')
    assert site.logged_off == [] and results['id-0']['lifted'] is True
