# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter name_list: a list of names from a list or from comma-separated text."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: name_list
short_description: A list of names from a list or from comma-separated text
version_added: 0.1.0
author: citrix_cloud.daas contributors
description:
  - Returns a list of names, each trimmed, without empty ones. A text is split at its commas, so that a list can be
    given as an extra variable or an AWX survey answer (V(W11-Pooled, W10-Dedicated)).
positional: _input
options:
  _input:
    description: A list of names, or comma-separated text.
    type: raw
    required: true
'''

EXAMPLES = r'''
- name: Catalogs from an AWX survey answer
  ansible.builtin.debug:
    msg: "{{ 'W11-Pooled, W10-Dedicated' | citrix_cloud.daas.name_list }}"  # ['W11-Pooled', 'W10-Dedicated']
'''

RETURN = r'''
_value:
  description: The names.
  type: list
  elements: str
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.citrix_cloud.daas.plugins.module_utils._texts import name_list


def names(value):
    """The filter: name_list() with its errors as filter errors."""
    try:
        return name_list(value, 'name_list: the input')
    except ValueError as err:
        raise AnsibleFilterError(str(err))


class FilterModule(object):
    """citrix_cloud.daas filter name_list."""

    def filters(self):
        return {'name_list': names}
