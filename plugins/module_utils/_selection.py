# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The choice of reboot candidates as one pass over machines, fed one machine at a time as pages arrive. No HTTP.

Used by machine_info's `select_for_reboot` (while it pages) and by the filter reboot_candidates (on a list): the rule
is `_machine.reboot_skip_reason`, the rules are given as one dict (RULES), and what is kept does not grow with the
machines skipped: their count per reason and at most `list_limit` of them per reason.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import heapq
import re
from collections.abc import Mapping

from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import (
    has_tag,
    parse_rfc3339,
    reboot_order_key,
    reboot_skip_reason,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._texts import name_list

# The variable parts of a skip reason (numbers, times), left out of the reason it is counted under.
_TIMES = re.compile(r'\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:?\d\d)?')
_NUMBERS = re.compile(r'(?<![\w.-])\d+(?:\.\d+)?(?![\w-])')


def reason_key(reason):
    """The reason a skip is counted under: its text with the machine's own numbers and times written N and T."""
    return _NUMBERS.sub('N', _TIMES.sub('T', reason))


def _number(value, rule, cast):
    if value is None or value == '':
        return cast(0)
    if isinstance(value, bool):
        raise ValueError('%s must be a number, got a boolean' % rule)
    try:
        number = cast(value)
    except (TypeError, ValueError):
        raise ValueError('%s must be a number, got %r' % (rule, value))
    if number < 0:
        raise ValueError('%s must not be negative, got %r' % (rule, value))
    return number


def _now(value, rule):
    if value is None or value == '':
        return datetime.datetime.now(datetime.timezone.utc)
    parsed = parse_rfc3339(value) if isinstance(value, str) else None
    if parsed is None:
        raise ValueError('%s must be an RFC 3339 time such as 2026-11-23T17:09:00Z, got %r' % (rule, value))
    return parsed


def _tag(value, rule):
    if value is not None and not isinstance(value, str):
        raise ValueError('%s must be a string' % rule)
    return value or None


def _boolean(value, rule):
    if value is None or value == '' or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in ('true', 'yes', 'on', '1', 'false', 'no', 'off', '0'):
        return text in ('true', 'yes', 'on', '1')
    raise ValueError('%s must be a boolean, got %r' % (rule, value))


def _limit(value, rule):
    return None if value is None else _number(value, rule, int)


# Each rule: its parser, and the keyword of reboot_skip_reason it feeds (None: a rule of the selection itself).
# A new rule of reboot_skip_reason is one more line here.
RULES = {
    'now': (_now, None),
    'min_hours_since_reboot': (lambda value, rule: _number(value, rule, float), 'min_hours'),
    'exclude': (name_list, 'exclude'),
    'required_tags': (name_list, 'required_tags'),
    'max_machines': (lambda value, rule: _number(value, rule, int), None),
    'fence_tag': (_tag, 'fence_tag'),
    'fenced': (lambda value, rule: frozenset(name_list(value, rule)), 'fenced'),
    'list_limit': (_limit, None),
    'drain': (_boolean, 'drain'),
}


def parse_rules(rules):
    """The rules, checked; ValueError naming the rule for one that is unknown or wrong."""
    if rules is None:
        rules = {}
    if not isinstance(rules, Mapping):
        raise ValueError('the rules must be a dictionary, got %s' % type(rules).__name__)
    unknown = sorted(set(rules) - set(RULES))
    if unknown:
        raise ValueError('unknown rule %s: the rules are %s' % (', '.join(map(str, unknown)), ', '.join(sorted(RULES))))
    return dict((name, parse(rules.get(name), name)) for name, (parse, _keyword) in RULES.items())


def identity(machine):
    """What the selection keeps of a machine it names: its Id and Name, spelled as the API spells them."""
    return {'Id': machine.get('Id'), 'Name': machine.get('Name')}


def machine_id(machine):
    """A candidate kept as its Id alone: a list of 30,000 Ids costs a controller far less than as many dicts."""
    return machine.get('Id')


class RebootSelection(object):
    """The reboot candidates of the machines fed to add(), one at a time; result() tells the choice.

    `keep` is what is kept of a candidate (default: identity; machine_info keeps its Id, the filter the whole
    machine), and `candidate_names` names the first `list_limit` candidates whatever is kept. Candidates are kept
    in reboot order (the longest since its last reboot first), at most `max_machines` of them; the others count as
    skipped, "over the limit". A machine given twice (the same Id) counts once.
    """

    def __init__(self, rules=None, keep=identity):
        parsed = parse_rules(rules)
        self.now = parsed['now']
        self.max_machines = parsed['max_machines']
        self.list_limit = parsed['list_limit']
        self.fence_tag = parsed['fence_tag']
        self._skip_rules = dict((keyword, parsed[name]) for name, (_parse, keyword) in RULES.items() if keyword)
        self._keep = keep
        self._seen = set()
        self._candidates = []
        self._order = 0
        self.machines = 0
        self.fences = []
        self.skipped = []
        self.skipped_count = 0
        self.reasons = {}
        self._listed = {}

    def add(self, machine):
        """Take one machine into the choice."""
        key = machine.get('Id') or machine.get('Name')
        if key is not None:
            if key in self._seen:
                return
            self._seen.add(key)
        self.machines += 1
        if self.fence_tag and has_tag(machine, self.fence_tag):
            self.fences.append(identity(machine))
        reason = reboot_skip_reason(machine, self.now, **self._skip_rules)
        if reason is not None:
            self._skip(machine, reason)
            return
        # The heap's smallest is the candidate that comes last in reboot order: it makes room for a better one.
        order = reboot_order_key(machine)
        item = (_Reversed(order), -self._order, self._keep(machine), identity(machine))
        self._order += 1
        if not self.max_machines:
            self._candidates.append(item)
        elif len(self._candidates) < self.max_machines:
            heapq.heappush(self._candidates, item)
        else:
            out = heapq.heappushpop(self._candidates, item)
            self._skip(out[3], 'over the limit of %d machine(s) per run' % self.max_machines)

    def _skip(self, machine, reason):
        kind = reason_key(reason)
        self.skipped_count += 1
        self.reasons[kind] = self.reasons.get(kind, 0) + 1
        listed = self._listed.get(kind, 0)
        if self.list_limit is None or listed < self.list_limit:
            self._listed[kind] = listed + 1
            entry = identity(machine)
            entry['reason'] = reason
            self.skipped.append(entry)

    def result(self):
        """The choice: `candidates` (in reboot order), `candidate_names` (the names of the first `list_limit` of
        them), `skipped` (at most `list_limit` per reason, each with its reason), `skipped_count`, `reasons`
        (reason -> how many machines), `fences` (the machines that carry the fence tag) and `machines` (how many
        were fed)."""
        ordered = sorted(self._candidates, key=lambda item: (item[0].order, -item[1]))
        return {
            'machines': self.machines,
            'candidates': [item[2] for item in ordered],
            'candidate_names': [item[3]['Name'] for item in ordered[:self.list_limit]],
            'skipped': list(self.skipped),
            'skipped_count': self.skipped_count,
            'reasons': dict(self.reasons),
            'fences': list(self.fences),
        }


class _Reversed(object):
    """A sort key that orders backwards (the heap keeps the candidates that come first)."""

    __slots__ = ('order',)

    def __init__(self, order):
        self.order = order

    def __lt__(self, other):
        return self.order > other.order

    def __eq__(self, other):
        return self.order == other.order
