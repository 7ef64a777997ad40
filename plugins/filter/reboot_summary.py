# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters reboot_summary and reboot_report: the summary of a run of the reboot workflow, and its texts."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: reboot_summary
short_description: The summary of a run of the reboot workflow, from its steps' per-machine results
version_added: 0.1.0
author: citrix_cloud.daas contributors
description:
  - Used by the role C(citrix_cloud.daas.reboot_idle_machines) to build C(reboot_idle_machines_summary) from the
    selection of candidates (the filter P(citrix_cloud.daas.reboot_candidates#filter)) and the per-machine C(results) of
    the reboot (M(citrix_cloud.daas.rolling_reboot)), which also lifts the drain fences found in the catalogs.
  - Every machine is accounted for once as rebooted, skipped (with the reason) or failed (with the error), whether a
    result names it by C(Id) or by name. A candidate that no step reached (the run stopped early) is failed, with the
    error that stopped the run.
positional: _input
options:
  _input:
    description:
      - The selection, as the filter P(citrix_cloud.daas.reboot_candidates#filter) or
        O(citrix_cloud.daas.machine_info#module:select_for_reboot) returns it.
    type: dict
    required: true
  reboots:
    description: The per-machine results of the reboot (M(citrix_cloud.daas.rolling_reboot)).
    type: list
    elements: dict
  reboot_counts:
    description:
      - The reboot's RV(citrix_cloud.daas.rolling_reboot#module:summary), when its results are bounded
        (O(citrix_cloud.daas.rolling_reboot#module:result_limit)); the counts come from it.
      - Without it, a candidate that no result accounts for counts as failed (the run stopped early).
    type: dict
  list_limit:
    description: At most this many machines in each list of the summary (all when not set); the counts count them all.
    type: int
  errors:
    description: Errors that stopped the run or one of its steps.
    type: list
    elements: str
  stopped_by:
    description: The error that stopped M(citrix_cloud.daas.rolling_reboot) (its C(stopped_by)), added to the errors.
    type: str
  catalogs:
    description: The names of the catalogs read.
    type: list
    elements: str
  delivery_groups:
    description: The names of the delivery groups read.
    type: list
    elements: str
  machine_count:
    description: How many machines were read; by default the selection's C(machines).
    type: int
  check_mode:
    description: Whether the run is in check mode (also told by predicted results).
    type: bool
    default: false
  started_at:
    description: When the run started (RFC 3339).
    type: str
  finished_at:
    description: When the run finished (RFC 3339).
    type: str
  fence_tag:
    description: The fence tag, or V(null) without a drain fence.
    type: str
'''

EXAMPLES = r'''
- name: Summarise a run
  ansible.builtin.set_fact:
    summary: >-
      {{ selection | citrix_cloud.daas.reboot_summary(reboots=reboot.results, catalogs=['W11-Pooled'],
                                                      machine_count=40) }}
'''

RETURN = r'''
_value:
  description: The summary, as the role documents C(reboot_idle_machines_summary).
  type: dict
  contains:
    check_mode:
      description: Whether nothing was changed.
      type: bool
    rebooted:
      description: The machines rebooted, with C(name), C(id), C(job_id), C(power_state_after), C(note); empty in check mode.
      type: list
      elements: dict
    would_reboot:
      description: In check mode, the machines that a real run would reboot (as RV(_value.rebooted)); else empty.
      type: list
      elements: dict
    skipped_reasons:
      description: How many machines the choice left alone for each reason (see the selection's C(reasons)).
      type: dict
    skipped:
      description: The machines left alone, with C(name), C(id) and C(reason).
      type: list
      elements: dict
    failed:
      description: The machines that failed, with C(name), C(id) and C(error).
      type: list
      elements: dict
    stale_fences_lifted:
      description: The names of the machines whose drain fence, left by an earlier run, was lifted.
      type: list
      elements: str
    errors:
      description: The errors that stopped the run early.
      type: list
      elements: str
    counts:
      description: How many machines, candidates, rebooted, would_reboot, skipped, failed and stale fences lifted.
      type: dict
'''

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.citrix_cloud.daas.plugins.plugin_utils._reboot import build_summary, report


def reboot_summary(selection, **steps):
    """The filter reboot_summary."""
    if not isinstance(selection, Mapping):
        raise AnsibleFilterError('reboot_summary: the input must be the selection of reboot_candidates, got %s'
                                 % type(selection).__name__)
    return build_summary(selection, **steps)


def reboot_report(summary, list_limit=25):
    """The filter reboot_report."""
    if not isinstance(summary, Mapping):
        raise AnsibleFilterError('reboot_report: the input must be a summary of reboot_summary, got %s'
                                 % type(summary).__name__)
    return report(summary, int(list_limit))


class FilterModule(object):
    """citrix_cloud.daas filters for the reboot workflow's summary."""

    def filters(self):
        return {'reboot_summary': reboot_summary, 'reboot_report': reboot_report}
