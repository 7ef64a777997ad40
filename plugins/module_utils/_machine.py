# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Rules about machines, written once for the modules, the filters, the inventory and the event source. No HTTP.

A machine is the API's machine object (a dict spelled as the API spells it: `PowerState`, `Tags`, ...).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import fnmatch
from collections.abc import Sequence

from ansible_collections.citrix_cloud.daas.plugins.module_utils._texts import UTC, parse_rfc3339

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)

# Per desired state: power state -> the action to send, or None when the machine is already (going) there.
POWER_DECISIONS = {
    'started': {'Off': 'start', 'Suspended': 'resume', 'On': None, 'TurningOn': None, 'Resuming': None},
    'stopped': {'On': 'shutdown', 'Off': None, 'TurningOff': None},
    'suspended': {'On': 'suspend', 'Suspended': None, 'Suspending': None},
    'restarted': {'On': 'reboot'},
}
DEFAULT_ACTIONS = {'started': 'start', 'stopped': 'shutdown', 'suspended': 'suspend', 'restarted': 'reboot'}
# The SupportedPowerActions that allow each action.
REQUIRED_SUPPORT = {
    'start': ('PowerOn',),
    'shutdown': ('Shutdown', 'PowerOff'),
    'reboot': ('Restart', 'Reset'),
    'suspend': ('SuspendResume',),
    'resume': ('SuspendResume',),
}
TARGET_STATES = {'start': 'On', 'resume': 'On', 'reboot': 'On', 'shutdown': 'Off', 'suspend': 'Suspended'}
FORCEABLE = ('shutdown', 'reboot')
# The properties the rules below read: what a trimmed read (`fields`) asks for when it feeds a decision.
DECISION_FIELDS = ('Id', 'Name', 'PowerState', 'RegistrationState', 'SessionCount', 'InMaintenanceMode',
                   'MaintenanceModeReason', 'Tags', 'PowerActionPending', 'SupportedPowerActions',
                   'FormattedLastDeregistrationTime')


def _names(value):
    """A list of the texts of a list (or of a single text); anything else is no names."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [str(item) for item in value if item is not None]
    return []


# Tags

def tag_key(name):
    """What a tag name is compared by: tag names compare without regard to case, as Citrix matches them."""
    return str(name).lower()


def tag_names(machine):
    """The keys of the machine's tag names (`Tags`)."""
    return set(tag_key(name) for name in _names(machine.get('Tags')))


def has_tag(machine, tag):
    """Whether the machine carries the tag."""
    return tag_key(tag) in tag_names(machine)


def has_any_tag(machine, tags):
    """Whether the machine carries at least one of the tags."""
    own = tag_names(machine)
    return any(tag_key(tag) in own for tag in tags)


# The properties that machine_filter reads.
# The enums of the API's machine model (PowerState, RegistrationState).
POWER_STATES = ('Unknown', 'Unmanaged', 'Unavailable', 'Off', 'On', 'Suspended', 'TurningOn', 'TurningOff',
                'Suspending', 'Resuming', 'NotSupported', 'VirtualMachineNotFound')
REGISTRATION_STATES = ('Unknown', 'Unregistered', 'Initializing', 'Registered', 'AgentError')


def state_problem(option, value, allowed):
    """Why `value` of the option `option` is not one of the API's `allowed` states (any case), or None when it is.

    A YAML boolean (an unquoted On, Off, Yes or No) is named as such, with the quoted form to write instead.
    """
    if isinstance(value, bool) or value in ('True', 'False'):
        return ('%s: %s is not a state: YAML reads an unquoted On, Off, Yes or No as a boolean; quote it, '
                'for example %s: ["On"]' % (option, value, option))
    if not isinstance(value, str) or value.lower() not in set(state.lower() for state in allowed):
        return '%s: %r is not a state; use one of %s' % (option, value, ', '.join(allowed))
    return None


FILTER_FIELDS = ('Id', 'Name', 'PowerState', 'RegistrationState', 'InMaintenanceMode', 'SessionCount', 'Tags')


def machine_filter(power_state=None, registration_state=None, in_maintenance_mode=None, max_session_count=None, tags=None):
    """A predicate that tells whether a machine passes every filter that is set (None: not set).

    States compare without regard to case (an empty list of states matches nothing); a machine passes `tags` when
    it carries at least one of them.
    """
    power_states = None if power_state is None else set(state.lower() for state in power_state)
    registration_states = None if registration_state is None else set(state.lower() for state in registration_state)

    def matches(machine):
        if power_states is not None and str(machine.get('PowerState') or '').lower() not in power_states:
            return False
        if registration_states is not None and str(machine.get('RegistrationState') or '').lower() not in registration_states:
            return False
        if in_maintenance_mode is not None and bool(machine.get('InMaintenanceMode')) != in_maintenance_mode:
            return False
        if max_session_count is not None and (session_count(machine) or 0) > max_session_count:
            return False
        return not tags or has_any_tag(machine, tags)
    return matches


# Power

def supported_actions(machine):
    """The machine's `SupportedPowerActions` (none when the API gave none)."""
    return _names(machine.get('SupportedPowerActions'))


def supports(machine, action):
    """Whether the machine's `SupportedPowerActions` allow a power action (start, shutdown, reboot, ...)."""
    return bool(set(REQUIRED_SUPPORT[action]) & set(supported_actions(machine)))


def last_reboot_time(machine):
    """When the machine last deregistered (its last reboot or shutdown), as an aware datetime, or None."""
    return parse_rfc3339(machine.get('FormattedLastDeregistrationTime'))


def session_count(machine):
    """The machine's `SessionCount` as an int, or None when it is missing or not a number."""
    sessions = machine.get('SessionCount')
    if sessions is None or isinstance(sessions, bool):
        return None
    try:
        return int(sessions)
    except (TypeError, ValueError):
        return None


def decide_power(machine, state, only_if_idle):
    """(action, reason) to bring a machine to `state`: reason is None when the action should be sent, else why not."""
    power_state = machine.get('PowerState')
    decisions = POWER_DECISIONS[state]
    if power_state in decisions and decisions[power_state] is None:
        return None, 'already %s' % power_state
    action = decisions.get(power_state)
    if action is None:
        if state == 'restarted' and power_state == 'Off':
            return DEFAULT_ACTIONS[state], 'the machine is Off: restarted leaves a machine that is off alone'
        return DEFAULT_ACTIONS[state], 'power state %s does not allow %s' % (power_state, DEFAULT_ACTIONS[state])
    if machine.get('PowerActionPending'):
        return action, 'a power action is already pending'
    if not supports(machine, action):
        return action, 'the machine does not support %s (SupportedPowerActions lacks %s)' % (
            action, ' and '.join(REQUIRED_SUPPORT[action]))
    sessions = session_count(machine) or 0
    if only_if_idle and sessions > 0:
        return action, '%d session%s on the machine (only_if_idle)' % (sessions, '' if sessions == 1 else 's')
    return action, None


def is_down(machine):
    """Whether a read shows the machine out of service: not On, or not Registered (a reboot under way)."""
    return machine.get('PowerState') != 'On' or machine.get('RegistrationState') != 'Registered'


def same_machine_reason(first_name):
    """The reason given to a machine named twice (by name and by Id): the first entry naming it handles it."""
    return 'the same machine as %s, handled once' % first_name


def action_reached(action, before, now, went_down):
    """Whether a fresh read `now` shows the action done.

    The machine is in the action's power state; after a reboot it is also On and Registered again, and was seen
    down since (`went_down`) or has another last reboot time than `before` (a machine never seen rebooting is not
    taken as rebooted).
    """
    if action != 'reboot':
        return now.get('PowerState') == TARGET_STATES[action]
    if is_down(now):
        return False
    rebooted_at = last_reboot_time(now)
    return went_down or (rebooted_at is not None and rebooted_at != last_reboot_time(before))


# Maintenance mode and the fence tag

def decide_maintenance(machine, enabled, tag):
    """(switch_maintenance, add_tag, remove_tag, note) for a machine; note says why nothing is done.

    With a tag, maintenance on marks the machine with the tag; maintenance off lifts only a machine that carries it.
    """
    in_maintenance = bool(machine.get('InMaintenanceMode'))
    tagged = tag is not None and has_tag(machine, tag)
    if enabled:
        if in_maintenance:
            return False, False, False, 'already in maintenance mode'
        return True, tag is not None and not tagged, False, None
    if tag is None:
        if in_maintenance:
            return True, False, False, None
        return False, False, False, 'not in maintenance mode'
    if not tagged:
        note = 'left in maintenance mode: it does not carry the tag %s' % tag if in_maintenance else 'not in maintenance mode'
        return False, False, False, note
    return in_maintenance, False, True, None


# The drain fence: a state machine over two facts the API keeps, maintenance mode (M) and the fence tag (T).
#
# A run writes them in this order only: maintenance mode on before the tag is added, the tag removed before
# maintenance mode goes off. So the tag is only ever on a machine whose maintenance mode a run switched on, and each
# state means one thing (docs/reboot-workflow.md has the table):
#   FREE         no M, no T   nobody's: a candidate when idle
#   MAINTENANCE  M, no T      an administrator's maintenance, or a run's that it could not finish (that run reported
#                             it with what to do): never touched
#   FENCED       M and T      a run's fence: carried on by the run that holds the run lock, then lifted
#   BROKEN       T, no M      someone switched maintenance mode off behind a fence: the tag is removed, nothing else
#
# A run under the run lock first marks each machine it fences or lifts with its lock's tag (R), which goes away with
# the lock: so M without T on a machine that carries the tag of a stopped run's lock is maintenance mode that run
# may have left between two writes. The run that takes the lock over reports it (never touches it).
FREE, MAINTENANCE, FENCED, BROKEN = 'free', 'maintenance', 'fenced', 'broken fence'
MARK_ON, MAINTENANCE_ON, TAG_ON, TAG_OFF, MAINTENANCE_OFF = 'mark on', 'maintenance on', 'tag on', 'tag off', \
    'maintenance off'
# The writes of a fence and of a lift, in the order they are sent; a machine whose step fails goes no further.
FENCE_STEPS = (MAINTENANCE_ON, TAG_ON)
LIFT_STEPS = (TAG_OFF, MAINTENANCE_OFF)
# The same under the run lock, the machine marked first.
MARKED_FENCE_STEPS = (MARK_ON,) + FENCE_STEPS
MARKED_LIFT_STEPS = (MARK_ON,) + LIFT_STEPS
# The state of a machine after each step is applied: (maintenance mode, tag or mark) as the step leaves them.
STEP_EFFECTS = {MARK_ON: ('mark', True), MAINTENANCE_ON: ('maintenance', True), TAG_ON: ('tag', True),
                TAG_OFF: ('tag', False), MAINTENANCE_OFF: ('maintenance', False)}
FENCE_DESCRIPTION = 'Machines in maintenance mode set by citrix_cloud.daas'


def fence_state(machine, tag):
    """FREE, MAINTENANCE, FENCED or BROKEN: what maintenance mode and the fence tag of a read mean together."""
    in_maintenance = bool(machine.get('InMaintenanceMode'))
    tagged = bool(tag) and has_tag(machine, tag)
    if tagged:
        return FENCED if in_maintenance else BROKEN
    return MAINTENANCE if in_maintenance else FREE


def fence_steps_to_send(machine, steps, tag, mark=None):
    """The steps of `steps` that a machine still needs (a step whose effect the read already shows is not sent; with
    no `mark`, the run's lock tag, nothing is marked)."""
    facts = {'maintenance': bool(machine.get('InMaintenanceMode')), 'tag': bool(tag) and has_tag(machine, tag),
             'mark': not mark or has_tag(machine, mark)}
    return [step for step in steps if facts[STEP_EFFECTS[step][0]] != STEP_EFFECTS[step][1]]


# Reboot candidates

def excluded_by(machine, patterns):
    """The first pattern (a machine Id, or a shell pattern of the name with or without its domain) that matches."""
    name = str(machine.get('Name') or '')
    names = [text.lower() for text in (name, name.rsplit('\\', 1)[-1]) if text]
    machine_id = str(machine.get('Id') or '').lower()
    for pattern in patterns:
        lowered = str(pattern).lower()
        if (machine_id and lowered == machine_id) or any(fnmatch.fnmatchcase(text, lowered) for text in names):
            return str(pattern)
    return None


def _hours(value):
    return ('%.1f' % value).rstrip('0').rstrip('.')


def reboot_skip_reason(machine, now, min_hours=0, exclude=(), required_tags=(), fence_tag=None, fenced=frozenset(),
                       drain=False):
    """Why the machine is not a reboot candidate, or None when it is one.

    A candidate is not excluded, not in maintenance mode (unless it is fenced by this collection: it carries
    `fence_tag`, or its Id is in `fenced`), has no session (with `drain`, sessions are drained first: a known
    number of them is no reason), is On and Registered with no power action pending, supports a restart, carries
    one of `required_tags` (when given), and last rebooted `min_hours` or more before `now` (an aware datetime).
    """
    pattern = excluded_by(machine, exclude)
    if pattern is not None:
        return "excluded by '%s'" % pattern
    if machine.get('InMaintenanceMode') and str(machine.get('Id') or '') not in fenced \
            and not (fence_tag and has_tag(machine, fence_tag)):
        reason = machine.get('MaintenanceModeReason')
        return 'in maintenance mode (reason: %s)' % reason if reason and reason != 'None' else 'in maintenance mode'
    sessions = session_count(machine)
    if sessions is None:
        return 'session count unknown'
    if sessions != 0 and not drain:
        return 'has %d session(s)' % sessions
    if machine.get('PowerState') != 'On':
        return 'power state is %s, not On' % (machine.get('PowerState') or 'unknown')
    if machine.get('RegistrationState') != 'Registered':
        return 'registration state is %s, not Registered' % (machine.get('RegistrationState') or 'unknown')
    if machine.get('PowerActionPending'):
        return 'a power action is pending'
    if not supports(machine, 'reboot'):
        return 'does not support Restart or Reset (supports: %s)' % (', '.join(supported_actions(machine)) or 'none')
    if required_tags and not has_any_tag(machine, required_tags):
        return 'has none of the required tags (%s)' % ', '.join(required_tags)
    last = last_reboot_time(machine)
    if min_hours > 0 and last is not None:
        hours = (now - last).total_seconds() / 3600.0
        if hours < 0:
            return 'last rebooted at %s, which is after now (%s)' % (
                machine.get('FormattedLastDeregistrationTime'), now.strftime('%Y-%m-%dT%H:%M:%SZ'))
        if hours < min_hours:
            return 'rebooted %s h ago (less than %s h)' % (_hours(hours), _hours(min_hours))
    return None


def reboot_order_key(machine):
    """Sort key of candidates: the longest since its last reboot first (never rebooted before all), then by name."""
    last = last_reboot_time(machine)
    seconds = (last - EPOCH).total_seconds() if last is not None else float('-inf')
    return seconds, str(machine.get('Name') or '').lower(), str(machine.get('Id') or '')
