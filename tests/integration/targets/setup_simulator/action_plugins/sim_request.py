# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""sim_request: one request to the simulator's control endpoints (``/_sim/...``), sent from the controller.

The integration targets reset the simulator, set its faults and triggers, and read its request log and state dozens
of times each; ``ansible.builtin.uri`` would start a module process for every one. This action takes the part of
uri's options the targets use (``url``, ``method``, ``body`` sent as JSON, ``status_code``, ``ca_path``) and returns
what they read (``status``, ``json``), in check mode too: it drives the test's simulator, not the system under test.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import ssl
import urllib.error
import urllib.request

from ansible.plugins.action import ActionBase

OPTIONS = frozenset(('url', 'method', 'body', 'status_code', 'ca_path'))


class ActionModule(ActionBase):
    """Send one request to a ``/_sim/`` endpoint; fail unless the status is one of ``status_code`` (200)."""

    TRANSFERS_FILES = False
    _VALID_ARGS = OPTIONS

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args
        url = str(args.get('url', ''))
        if '/_sim/' not in url:
            return dict(result, failed=True, msg="url must be one of the simulator's /_sim/ endpoints, got %r" % url)
        method = str(args.get('method', 'GET')).upper()
        expected = args.get('status_code', [200])
        expected = [int(code) for code in (expected if isinstance(expected, list) else [expected])]
        data = None
        headers = {}
        if 'body' in args:
            data = json.dumps(args['body']).encode('utf-8')
            headers['Content-Type'] = 'application/json'
        context = ssl.create_default_context(cafile=args['ca_path']) if args.get('ca_path') else None
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=120, context=context) as response:
                status, content = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, content = error.code, error.read()
        except (urllib.error.URLError, OSError) as error:
            return dict(result, failed=True, msg='%s %s: %s' % (method, url, error))
        result.update(changed=False, status=status, url=url)
        if content:
            try:
                result['json'] = json.loads(content)
            except ValueError:
                result['content'] = content.decode('utf-8', 'replace')
        if status not in expected:
            result.update(failed=True, msg='%s %s: status %d, expected %s' % (method, url, status, expected))
        return result
