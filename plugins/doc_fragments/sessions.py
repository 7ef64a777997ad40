# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The session selectors and filters that citrix_cloud.daas.session and session_info share."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  session_ids:
    description:
      - The sessions, by C(Id). With other selectors or filters, only those of these sessions that they also pick.
    type: list
    elements: str
  machines:
    description:
      - The sessions on these machines, by name (V(DOMAIN\\NAME)) or ID. A plain string is one machine.
    type: list
    elements: str
  catalogs:
    description:
      - The sessions on the machines of these machine catalogs, by name or ID. A plain string is one catalog.
    type: list
    elements: str
  delivery_groups:
    description:
      - The sessions on the machines of these delivery groups, by name or ID. A plain string is one delivery group.
    type: list
    elements: str
  users:
    description:
      - The sessions of these users, as V(DOMAIN\\user) or V(user).
    type: list
    elements: str
  states:
    description:
      - Only the sessions in one of these states (C(SessionState)).
    type: list
    elements: str
    choices: [Unknown, Connected, Active, Disconnected]
  min_minutes_in_state:
    description:
      - Only the sessions that have been in their state (C(StateChangeTime)) for at least this many minutes, by the
        API's clock (the C(Date) header of its answers).
      - With O(states=[Disconnected]), V(480) picks the sessions disconnected for more than 8 hours.
    type: int
'''
