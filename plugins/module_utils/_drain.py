# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The drain of a fenced machine that still has sessions: when to warn its users, what to log off at the deadline,
and the time window. Pure rules, no HTTP: the pipeline (_rolling.py) and the model checker (tests/model) use them.

A drain starts once the machine is behind its fence. Its users are warned at once, then every `interval`, at most
`count` times, always before the deadline (`warning` after the start). The machine is rebooted as soon as its last
session ends. At the deadline the policy decides: log off nothing, only the sessions disconnected for more than
`disconnected_minutes`, or every session; a machine with a session left is lifted and reported still busy.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import math
import re

from ansible_collections.citrix_cloud.daas.plugins.module_utils._sessions import state_since
from ansible_collections.citrix_cloud.daas.plugins.module_utils._texts import parse_rfc3339

LOGOFF_NONE, LOGOFF_DISCONNECTED, LOGOFF_ALL = 'none', 'disconnected', 'all'
LOGOFF_POLICIES = (LOGOFF_NONE, LOGOFF_DISCONNECTED, LOGOFF_ALL)
MINUTES_LEFT = '%m%'
MESSAGE_STYLE = 'Exclamation'
# What a drain does next: nothing yet, warn the users, or apply the policy (the deadline has passed).
WAIT, WARN, DEADLINE = 'wait', 'warn', 'deadline'
# The module's drain options with their one default each; the role passes them on only when set.
DEFAULTS = dict(warning_title='Restart for maintenance',
                warning_text='This machine restarts for maintenance in %m% minutes. Save your work and log off.',
                warning_minutes=15.0, warning_interval_minutes=5.0, warning_count=3, logoff=LOGOFF_NONE,
                logoff_disconnected_minutes=60, finish_by=None)
_CLOCK_TIME = re.compile(r'^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$')


def parse_finish_by(value, now):
    """`finish_by` as an aware datetime: RFC 3339 as given, HH:MM the next such local time after `now` (aware)."""
    match = _CLOCK_TIME.match(value)
    if match:
        local_now = now.astimezone()
        moment = local_now.replace(hour=int(match.group(1)), minute=int(match.group(2)), second=0, microsecond=0)
        if moment <= local_now:
            moment += datetime.timedelta(days=1)
        return moment
    return parse_rfc3339(value)


def session_user(session):
    """The session's user as DOMAIN\\name (or what the API gave), for the results."""
    user = session.get('User')
    if isinstance(user, dict):
        return user.get('SamName') or user.get('UserPrincipalName') or user.get('DisplayName') or session.get('Id')
    return str(user or session.get('Id'))


def session_machine_id(session):
    """The Id of the machine that hosts the session."""
    machine = session.get('Machine')
    return machine.get('Id') if isinstance(machine, dict) else machine


class DrainPolicy(object):
    """The drain options, checked; times in seconds. `finish_by` is an aware datetime or None."""

    def __init__(self, warning_title, warning_text, warning_minutes, warning_interval_minutes, warning_count, logoff,
                 logoff_disconnected_minutes, finish_by=None):
        self.title = warning_title
        self.text = warning_text
        self.warning = warning_minutes * 60.0
        self.interval = warning_interval_minutes * 60.0
        self.count = warning_count
        self.logoff = logoff
        self.disconnected_minutes = logoff_disconnected_minutes
        self.finish_by = finish_by

    @classmethod
    def from_params(cls, params, now):
        """The policy of a module's parameters, or ValueError naming the option and what is wrong with it."""
        values = dict((name, DEFAULTS[name] if params.get(name) is None else params[name]) for name in DEFAULTS)
        for name in ('warning_minutes', 'warning_interval_minutes'):
            if values[name] <= 0:
                raise ValueError('%s must be more than 0, got %s' % (name, values[name]))
        for name, least in (('warning_count', 1), ('logoff_disconnected_minutes', 0)):
            if values[name] < least:
                raise ValueError('%s must be %d or more, got %s' % (name, least, values[name]))
        if (values['warning_count'] - 1) * values['warning_interval_minutes'] >= values['warning_minutes']:
            raise ValueError('warning_count %d warnings every %g minutes do not fit before the deadline, '
                             'warning_minutes %g after the first: give fewer warnings or a shorter interval'
                             % (values['warning_count'], values['warning_interval_minutes'], values['warning_minutes']))
        if values['logoff'] not in LOGOFF_POLICIES:
            raise ValueError('logoff must be one of %s, got %s' % (', '.join(LOGOFF_POLICIES), values['logoff']))
        if not str(values['warning_title']).strip():
            raise ValueError('warning_title must not be empty')
        if values['finish_by'] is not None:
            finish_by = parse_finish_by(str(values['finish_by']), now)
            if finish_by is None:
                raise ValueError("finish_by must be an RFC 3339 time such as 2026-12-02T05:00:00Z or a time of day "
                                 "HH:MM, got '%s'" % values['finish_by'])
            values['finish_by'] = finish_by
        return cls(**values)

    # The schedule of one drain, on the pipeline's clock (seconds)

    def warnings_due(self, started, now):
        """How many warnings should have gone out by `now`: one at the start, one more every interval, at most
        `count` (a round that came late sends one warning, not the ones it missed)."""
        return min(self.count, int((now - started) // self.interval) + 1)

    def next_step(self, started, now, warnings_sent):
        """WARN when a warning is due, DEADLINE once the deadline has passed (after the last warning), else WAIT."""
        if now >= started + self.warning and warnings_sent >= 1:
            return DEADLINE
        if self.warnings_due(started, now) > warnings_sent:
            return WARN
        return WAIT

    def next_event(self, started, warnings_sent):
        """When the drain next has something to do (a warning, or the deadline), on the pipeline's clock."""
        if warnings_sent < self.count:
            return started + warnings_sent * self.interval
        return started + self.warning

    def message(self, started, now):
        """(title, text) of a warning sent at `now`: the text with %m% replaced by the minutes left (rounded up)."""
        minutes = max(int(math.ceil((started + self.warning - now) / 60.0)), 1)
        return self.title, self.text.replace(MINUTES_LEFT, str(minutes))

    # The policy at the deadline

    def stale(self, session, now):
        """Whether a session is disconnected for more than logoff_disconnected_minutes at `now` (an aware datetime)."""
        since = state_since(session)
        return session.get('State') == 'Disconnected' and since is not None and \
            (now - since).total_seconds() > self.disconnected_minutes * 60.0

    def to_log_off(self, sessions, now):
        """The sessions the policy logs off at the deadline (`now`, an aware datetime)."""
        if self.logoff == LOGOFF_ALL:
            return list(sessions)
        if self.logoff == LOGOFF_DISCONNECTED:
            return [session for session in sessions if self.stale(session, now)]
        return []

    @staticmethod
    def to_warn(sessions):
        """The sessions a warning goes to: those with a user to read it (not disconnected) not logging off already."""
        return [session for session in sessions
                if session.get('State') != 'Disconnected' and not session.get('LogoffInProgress')]
