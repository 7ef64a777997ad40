# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() with given arguments and capture what it passes to exit_json or fail_json."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import json
from unittest import mock

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19
    @contextlib.contextmanager
    def patch_module_args(args):
        with mock.patch.object(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))):
            yield


class ModuleExit(Exception):
    """Raised instead of exiting; `result` holds the module's result, with `failed` set."""

    def __init__(self, result):
        super(ModuleExit, self).__init__(result)
        self.result = result


def _exit_json(module, **result):
    result['failed'] = False
    raise ModuleExit(result)


def _fail_json(module, **result):
    result['failed'] = True
    raise ModuleExit(result)


def run_module(main, args, check_mode=False):
    """Call main() with the module arguments `args` and return the result dict it exited or failed with."""
    args = dict(args)
    if check_mode:
        args['_ansible_check_mode'] = True
    with patch_module_args(args), \
            mock.patch.object(basic.AnsibleModule, 'exit_json', _exit_json), \
            mock.patch.object(basic.AnsibleModule, 'fail_json', _fail_json):
        try:
            main()
        except ModuleExit as exit_:
            return exit_.result
    raise AssertionError('the module returned without calling exit_json or fail_json')
