# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attribute documentation shared by citrix_cloud.daas modules."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Every module belongs to the daas action group.
    DOCUMENTATION = r'''
attributes:
  action_group:
    description: Use C(group/citrix_cloud.daas.daas) in C(module_defaults) to set the shared options once for a play.
    support: full
    membership:
      - citrix_cloud.daas.daas
'''

    # Modules that only read: check mode is the same as a real run, and there is nothing to diff.
    READ_ONLY = r'''
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The module only reads, so check mode returns the same data as a real run.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
'''

    # Modules that change things: check mode predicts without any mutating request; diff shows before and after.
    ACTIONS = r'''
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Check mode sends the same reads and no request that changes anything.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
'''
