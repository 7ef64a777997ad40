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
  - The filter is pure data logic; it sends no request. It applies the same rules, in the same pass, as
    O(citrix_cloud.daas.machine_info#module:select_for_reboot) does while it reads the machines, which keeps a large
    site's machines out of the controller's variables.
  - The entries that name a machine spell its keys as the API does (C(Id), C(Name)); the filter's own keys are
    snake_case (C(reason), C(skipped_count)).
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
      - Comma-separated text is taken as a list.
    type: list
    elements: str
    default: []
  required_tags:
    description:
      - When not empty, only machines carrying at least one of these tags (compared without regard to case)
        are candidates.
      - Comma-separated text is taken as a list.
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
  drain:
    description:
      - Machines with sessions are candidates too (to be drained by M(citrix_cloud.daas.rolling_reboot) with
        O(citrix_cloud.daas.rolling_reboot#module:drain_sessions=true)); a machine whose session count is unknown
        is still skipped.
    type: bool
    default: false
  reason_prefix:
    description: 'Text put in front of every skip reason, for example V(changed after it was chosen: ).'
    type: str
    default: ''
  list_limit:
    description:
      - At most this many machines listed in RV(_value.skipped) per reason; RV(_value.reasons) counts them all.
      - When not set, every skipped machine is listed.
    type: int
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
    msg: "{{ selection.skipped | map(attribute='Name') | zip(selection.skipped | map(attribute='reason')) | list }}"
'''

RETURN = r'''
_value:
  description: The candidates and the skipped machines.
  type: dict
  contains:
    machines:
      description: How many machines were taken into the choice (each once).
      type: int
    candidates:
      description: The machine objects that may be rebooted, unchanged, in the order described above.
      type: list
      elements: dict
    candidate_names:
      description: The names of the first O(list_limit) candidates (all of them when it is not set), in the same order.
      type: list
      elements: str
    skipped:
      description:
        - One entry per machine that is not a candidate (at most O(list_limit) per reason when it is set).
      type: list
      elements: dict
      contains:
        Name:
          description: The machine's C(Name) (C(DOMAIN\NAME)).
          type: str
        Id:
          description: The machine's C(Id).
          type: str
        reason:
          description: Why the machine is not a candidate, for example V(has 2 session(s)).
          type: str
    skipped_count:
      description: How many machines are not candidates.
      type: int
    reasons:
      description:
        - How many machines were skipped for each reason, the reason written with its numbers as V(N) and its times
          as V(T), for example V(has N session(s)).
      type: dict
    fences:
      description:
        - The machines that carry O(fence_tag) (none without it), whether they are candidates or not. Outside a run
          of the workflow, these are drain fences that an interrupted run left up, or half lifted (maintenance mode
          already off, the tag still on).
      type: list
      elements: dict
      contains:
        Name:
          description: The machine's C(Name).
          type: str
        Id:
          description: The machine's C(Id).
          type: str
'''

from collections.abc import Mapping, Sequence

from ansible.errors import AnsibleFilterError

from ansible_collections.citrix_cloud.daas.plugins.module_utils._selection import RebootSelection


def reboot_candidates(machines, now=None, min_hours_since_reboot=0, exclude=None, required_tags=None,
                      max_machines=0, fence_tag=None, reason_prefix='', fenced=None, list_limit=None, drain=False):
    """Split machines into reboot candidates and skipped machines (see DOCUMENTATION), with the selection that
    machine_info's select_for_reboot makes while it pages."""
    if machines is None:
        machines = []
    if isinstance(machines, Mapping) or isinstance(machines, str) or not isinstance(machines, Sequence):
        raise AnsibleFilterError('reboot_candidates: the input must be a list of machines, got %s'
                                 % type(machines).__name__)
    try:
        selection = RebootSelection(dict(now=now, min_hours_since_reboot=min_hours_since_reboot, exclude=exclude,
                                         required_tags=required_tags, max_machines=max_machines, fence_tag=fence_tag,
                                         fenced=fenced, list_limit=list_limit, drain=drain),
                                    keep=dict)
    except ValueError as err:
        raise AnsibleFilterError('reboot_candidates: %s' % err)
    for machine in machines:
        if not isinstance(machine, Mapping):
            raise AnsibleFilterError('reboot_candidates: every machine must be a dictionary, got %s'
                                     % type(machine).__name__)
        selection.add(machine)
    result = selection.result()
    prefix = str(reason_prefix or '')
    if prefix:
        for entry in result['skipped']:
            entry['reason'] = prefix + entry['reason']
        result['reasons'] = dict((prefix + reason, count) for reason, count in result['reasons'].items())
    return result


class FilterModule(object):
    """citrix_cloud.daas filters for the reboot workflow."""

    def filters(self):
        return {'reboot_candidates': reboot_candidates}
