# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter reboot_candidates: choose the idle machines that may be rebooted now."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: reboot_candidates
short_description: Choose the idle machines of a Citrix DaaS machine list that may be rebooted now
version_added: 0.1.0
author: citrix_cloud.daas contributors
description:
  - Takes a list of Citrix DaaS machine objects, as returned by M(citrix_cloud.daas.catalog_info) with
    O(citrix_cloud.daas.catalog_info#module:include_machines=true) or by M(citrix_cloud.daas.machine_info),
    and splits it into the machines that may be rebooted now and the machines that are skipped, each with
    the reason.
  - "A machine is a candidate when it has no session (C(SessionCount) is 0), its C(PowerState) is C(On),
    its C(RegistrationState) is C(Registered), its C(SupportedPowerActions) contain C(Restart) or C(Reset),
    no power action is pending (C(PowerActionPending) is not true), it is not in maintenance mode (a drain
    fence marked with O(fence_tag) does not count), it is not excluded, it carries one of the required tags (when any are given), and it was not rebooted within
    O(min_hours_since_reboot) hours."
  - The time of the last reboot is read from C(FormattedLastDeregistrationTime) (RFC 3339). A machine without
    that time, or with a time that cannot be parsed, counts as not rebooted recently.
  - The criteria are checked in the order above after the exclusion and maintenance checks; the first one a
    machine fails gives the reason it is skipped.
  - Candidates come in order of their last reboot, the longest ago first (machines without a known time
    first, then by name). When there are more than O(max_machines), the rest are skipped.
  - Machines that appear more than once in the input (same C(Id)) are taken once.
  - The filter is pure data logic; it sends no request.
positional: _input
options:
  _input:
    description: The machines, a list of dictionaries with the API's keys (C(Id), C(Name), C(SessionCount), ...).
    type: list
    elements: dict
    required: true
  now:
    description:
      - The current time, as an RFC 3339 string such as V(2026-11-23T17:09:00Z) (a time without a zone is UTC).
      - When omitted, the current UTC time of the controller.
      - Pass it in to make the result reproducible (see the examples).
    type: str
  min_hours_since_reboot:
    description:
      - Skip machines whose last deregistration (reboot) is less than this many hours before O(now).
      - V(0) turns the check off.
    type: float
    default: 0
  exclude:
    description:
      - Machines never to reboot. Each entry is a name or a shell-style pattern (C(*), C(?), C([...])),
        compared without regard to case with the full name C(DOMAIN\NAME) and with the bare name after the
        backslash. An entry equal to a machine's C(Id) also excludes it.
    type: list
    elements: str
    default: []
  required_tags:
    description:
      - When not empty, only machines carrying at least one of these tags (compared without regard to case)
        are candidates.
    type: list
    elements: str
    default: []
  max_machines:
    description:
      - At most this many candidates; the others are skipped with the reason. V(0) means no limit.
    type: int
    default: 0
  fence_tag:
    description:
      - The machine tag with which a drain fence is recognised (compared without regard to case with the
        machine's C(Tags)).
      - A machine in maintenance mode that carries this tag counts as not in maintenance mode, because the fence
        was set by the workflow that uses this filter (an earlier, interrupted run, or this run when the filter
        re-checks fenced machines). Machines in maintenance mode without the tag are skipped (an administrator's
        maintenance).
    type: str
  fenced:
    description:
      - The C(Id)s of machines that the caller itself has just put in maintenance mode (its drain fence).
        Their maintenance mode counts as the fence also when the machine object does not show the fence tag
        (for example, a machine read without its C(Tags)).
    type: list
    elements: str
    default: []
  reason_prefix:
    description: 'Text put in front of every skip reason, for example V(changed after it was chosen: ).'
    type: str
    default: ''
notes:
  - Enum values are compared as plain strings, so values unknown to this filter simply do not match.
seealso:
  - module: citrix_cloud.daas.catalog_info
  - module: citrix_cloud.daas.machine_power
'''

EXAMPLES = r'''
- name: Read a catalog with its machines
  citrix_cloud.daas.catalog_info:
    name: W11-Pooled
    include_machines: true
  register: catalog

- name: Choose the machines to reboot
  ansible.builtin.set_fact:
    selection: >-
      {{ catalog.catalogs[0].Machines | citrix_cloud.daas.reboot_candidates(
           now=now(utc=true, fmt='%Y-%m-%dT%H:%M:%SZ'),
           min_hours_since_reboot=12,
           exclude=['CORP\\VDI-GOLD', 'vdi-test-*'],
           required_tags=['reboot-ok'],
           max_machines=100) }}

- name: Reboot them
  citrix_cloud.daas.machine_power:
    machines: "{{ selection.candidates | map(attribute='Id') | list }}"
    state: restarted
    only_if_idle: true
  when: selection.candidates | length > 0

- name: Show why the others were left alone
  ansible.builtin.debug:
    msg: "{{ selection.skipped | map(attribute='name') | zip(selection.skipped | map(attribute='reason')) | list }}"
'''

RETURN = r'''
_value:
  description: The candidates and the skipped machines.
  type: dict
  contains:
    candidates:
      description: The machine objects that may be rebooted, unchanged, in the order described above.
      type: list
      elements: dict
    skipped:
      description: One entry per machine that is not a candidate.
      type: list
      elements: dict
      contains:
        name:
          description: The machine's C(Name) (C(DOMAIN\NAME)).
          type: str
        id:
          description: The machine's C(Id).
          type: str
        reason:
          description: Why the machine is not a candidate, for example V(has 2 session(s)).
          type: str
'''

import datetime
import fnmatch
import re

from collections.abc import Mapping, Sequence

from ansible.errors import AnsibleFilterError

RESTART_ACTIONS = ('Restart', 'Reset')

_RFC3339 = re.compile(
    r'^\s*(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?'
    r'\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?\s*$'
)

_UTC = datetime.timezone.utc
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)


def parse_rfc3339(value):
    """Return an aware datetime for an RFC 3339 string, or None when it is empty or cannot be parsed."""
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=_UTC)
    if not isinstance(value, str) or not value.strip():
        return None
    match = _RFC3339.match(value)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or '0')[:6].ljust(6, '0'))
    tzinfo = _UTC
    if zone and zone not in ('Z', 'z'):
        sign = -1 if zone[0] == '-' else 1
        digits = zone[1:].replace(':', '')
        offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        tzinfo = datetime.timezone(sign * offset)
    try:
        return datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                                 micro, tzinfo=tzinfo)
    except ValueError:
        return None


def _as_list(value, option):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return list(value)
    raise AnsibleFilterError('reboot_candidates: %s must be a list of strings, got %s'
                             % (option, type(value).__name__))


def _number(value, option, cast):
    if value is None or value == '':
        return cast(0)
    if isinstance(value, bool):
        raise AnsibleFilterError('reboot_candidates: %s must be a number, got a boolean' % option)
    try:
        number = cast(value)
    except (TypeError, ValueError):
        raise AnsibleFilterError('reboot_candidates: %s must be a number, got %r' % (option, value))
    if number < 0:
        raise AnsibleFilterError('reboot_candidates: %s must not be negative, got %r' % (option, value))
    return number


def _excluded_by(machine, patterns):
    """Return the first pattern that excludes the machine, or None."""
    name = str(machine.get('Name') or '')
    bare = name.rsplit('\\', 1)[-1]
    machine_id = str(machine.get('Id') or '')
    names = [n.lower() for n in (name, bare) if n]
    for pattern in patterns:
        text = str(pattern)
        lowered = text.lower()
        if machine_id and lowered == machine_id.lower():
            return text
        for candidate in names:
            if fnmatch.fnmatchcase(candidate, lowered):
                return text
    return None


def _tags_lower(machine):
    """Return the machine's tag names (C(Tags)) in lower case."""
    own = machine.get('Tags') or []
    if isinstance(own, str):
        own = [own]
    elif not isinstance(own, Sequence):
        own = []
    return set(str(t).lower() for t in own if t is not None)


def _format_hours(hours):
    return ('%.1f' % hours).rstrip('0').rstrip('.')


def _skip_reason(machine, now, min_hours, patterns, tags, fence_tag, fenced=frozenset()):
    """Return why the machine is not a candidate, or None when it is one."""
    pattern = _excluded_by(machine, patterns)
    if pattern is not None:
        return "excluded by '%s'" % pattern

    if machine.get('InMaintenanceMode') and str(machine.get('Id') or '') not in fenced:
        if fence_tag is None or fence_tag.lower() not in _tags_lower(machine):
            reason = machine.get('MaintenanceModeReason')
            if reason and reason != 'None':
                return 'in maintenance mode (reason: %s)' % reason
            return 'in maintenance mode'

    sessions = machine.get('SessionCount')
    if sessions is None or isinstance(sessions, bool):
        return 'session count unknown'
    try:
        sessions = int(sessions)
    except (TypeError, ValueError):
        return 'session count unknown'
    if sessions != 0:
        return 'has %d session(s)' % sessions

    power = machine.get('PowerState')
    if power != 'On':
        return 'power state is %s, not On' % (power or 'unknown')

    registration = machine.get('RegistrationState')
    if registration != 'Registered':
        return 'registration state is %s, not Registered' % (registration or 'unknown')

    if machine.get('PowerActionPending'):
        return 'a power action is pending'

    actions = machine.get('SupportedPowerActions')
    if not isinstance(actions, Sequence) or isinstance(actions, str):
        actions = []
    if not any(action in RESTART_ACTIONS for action in actions):
        return 'does not support Restart or Reset (supports: %s)' % (', '.join(str(a) for a in actions) or 'none')

    if tags:
        own_lower = _tags_lower(machine)
        if not any(tag.lower() in own_lower for tag in tags):
            return 'has none of the required tags (%s)' % ', '.join(tags)

    if min_hours > 0:
        last = parse_rfc3339(machine.get('FormattedLastDeregistrationTime'))
        if last is not None:
            hours = (now - last).total_seconds() / 3600.0
            if hours < min_hours:
                if hours < 0:
                    return 'last rebooted at %s, which is after now (%s)' % (
                        machine.get('FormattedLastDeregistrationTime'), now.strftime('%Y-%m-%dT%H:%M:%SZ'))
                return 'rebooted %s h ago (less than %s h)' % (_format_hours(hours), _format_hours(min_hours))
    return None


def _last_reboot_key(machine):
    last = parse_rfc3339(machine.get('FormattedLastDeregistrationTime'))
    seconds = (last - _EPOCH).total_seconds() if last is not None else float('-inf')
    return (seconds, str(machine.get('Name') or '').lower(), str(machine.get('Id') or ''))


def reboot_candidates(machines, now=None, min_hours_since_reboot=0, exclude=None, required_tags=None,
                      max_machines=0, fence_tag=None, reason_prefix='', fenced=None):
    """Split machines into reboot candidates and skipped machines (see DOCUMENTATION)."""
    if machines is None:
        machines = []
    if isinstance(machines, Mapping) or isinstance(machines, str) or not isinstance(machines, Sequence):
        raise AnsibleFilterError('reboot_candidates: the input must be a list of machines, got %s'
                                 % type(machines).__name__)

    if now is None or now == '':
        now_dt = datetime.datetime.now(_UTC)
    else:
        now_dt = parse_rfc3339(now)
        if now_dt is None:
            raise AnsibleFilterError('reboot_candidates: now must be an RFC 3339 time such as '
                                     '2026-11-23T17:09:00Z, got %r' % (now,))

    min_hours = _number(min_hours_since_reboot, 'min_hours_since_reboot', float)
    limit = _number(max_machines, 'max_machines', int)
    patterns = [str(p) for p in _as_list(exclude, 'exclude') if p is not None and str(p) != '']
    tags = [str(t) for t in _as_list(required_tags, 'required_tags') if t is not None and str(t) != '']
    if fence_tag is not None and not isinstance(fence_tag, str):
        raise AnsibleFilterError('reboot_candidates: fence_tag must be a string')
    fence = str(fence_tag) if fence_tag else None
    fenced_ids = frozenset(str(i) for i in _as_list(fenced, 'fenced') if i is not None and str(i) != '')
    prefix = str(reason_prefix or '')

    candidates = []
    skipped = []
    seen = set()
    for machine in machines:
        if not isinstance(machine, Mapping):
            raise AnsibleFilterError('reboot_candidates: every machine must be a dictionary, got %s'
                                     % type(machine).__name__)
        key = machine.get('Id') or machine.get('Name')
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        reason = _skip_reason(machine, now_dt, min_hours, patterns, tags, fence, fenced_ids)
        if reason is None:
            candidates.append(machine)
        else:
            skipped.append({'name': machine.get('Name'), 'id': machine.get('Id'), 'reason': prefix + reason})

    candidates.sort(key=_last_reboot_key)
    if limit and len(candidates) > limit:
        for machine in candidates[limit:]:
            skipped.append({'name': machine.get('Name'), 'id': machine.get('Id'),
                            'reason': prefix + 'over the limit of %d machine(s) per run' % limit})
        candidates = candidates[:limit]

    return {'candidates': [dict(m) for m in candidates], 'skipped': skipped}


class FilterModule(object):
    """citrix_cloud.daas filters for the reboot workflow."""

    def filters(self):
        return {'reboot_candidates': reboot_candidates}
