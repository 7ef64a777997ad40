# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DaaSModule: the shared options, one DaaSClient per module run, API errors as one-line failures."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import traceback
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.citrix_cloud.daas.plugins.module_utils._connection import (
    OPTIONS,
    ConnectionSettingsError,
    connection_settings,
    new_client,
)
from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, DaaSError

# A failure message names at most this many machines; every machine's reason stays in `results`.
MAX_NAMED_FAILURES = 5


def daas_argument_spec():
    """The connection options of doc fragment citrix_cloud.daas.daas, with their environment variables."""
    spec = {}
    for name, option in OPTIONS.items():
        entry = dict(type=option.type)
        if option.type == 'list':
            entry['elements'] = 'str'
        if option.env:
            entry['fallback'] = (env_fallback, [option.env])
        if option.default is not None:
            entry['default'] = option.default
        if option.choices:
            entry['choices'] = list(option.choices)
        if option.secret:
            entry['no_log'] = True
        spec[name] = entry
    return spec


class DaaSModule(object):
    """An AnsibleModule with the shared options and a lazily built, shared DaaSClient."""

    def __init__(self, argument_spec=None, required_together=None, **kwargs):
        spec = daas_argument_spec()
        spec.update(argument_spec or {})
        self.module = AnsibleModule(
            argument_spec=spec,
            required_together=required_together,
            **kwargs
        )
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        self.params = self.module.params
        self._client = None
        if self.params.get('concurrency') is not None and self.params['concurrency'] < 1:
            self.fail('concurrency must be 1 or more, got %s' % self.params['concurrency'])

    @property
    def check_mode(self):
        return self.module.check_mode

    @property
    def client(self):
        """The one DaaSClient of this module run (one sign-in, reused by every request)."""
        if self._client is None:
            try:
                settings = connection_settings(self.params)
            except ConnectionSettingsError as err:
                self.fail(str(err))
            # Enough keep-alive connections for every worker thread of the module.
            self._client = new_client(settings, pool_size=max(32, self.params.get('concurrency') or 0))
        return self._client

    def _warn_from_client(self):
        """Show what the client had to tell the user (a site without $batch, ...) as task warnings."""
        for warning in self._client.warnings if self._client is not None else ():
            self.module.warn(warning)

    def fail(self, msg, **result):
        """Fail the task with a one-line message."""
        self._warn_from_client()
        self.module.fail_json(msg=msg, **result)

    def fail_from_error(self, err, **result):
        """Fail the task with a DaaSError's one-line message; its HTTP facts go in `error` (see the doc fragment)."""
        self.fail(str(err), error=err.to_dict(), **result)

    def run(self, execute):
        """Call execute(self) -> result dict and exit with it; any error becomes a one-line failure.

        An unexpected error (a key missing from an answer, a wrong type, ...) keeps its traceback in `exception`
        (shown at -vvv), with the client's secrets masked.
        """
        try:
            result = execute(self)
        except DaaSError as err:
            self.fail_from_error(err)
        except (AttributeError, LookupError, TypeError, ValueError, ArithmeticError, OSError) as err:
            # The errors an unexpected answer or environment can cause in a module's own code.
            scrub = self._client._scrub if self._client is not None else str
            self.fail(scrub('Unexpected error: %s: %s' % (type(err).__name__, ' '.join(str(err).split()))),
                      exception=scrub(traceback.format_exc()))
        self._warn_from_client()
        self.module.exit_json(**result)


def run_concurrently(func, items, concurrency):
    """Call func(item) for every item on at most `concurrency` threads.

    Returns a list of (result, error) pairs in the order of `items`; error is the exception the call raised, or None.
    """
    def call(item):
        try:
            return func(item), None
        except Exception as err:  # pylint: disable=broad-except
            return None, err

    items = list(items)
    if not items:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(items)))) as pool:
        return list(pool.map(call, items))


def count_by_status(results, statuses):
    """The `summary` of per-machine results: the total and the count of each status."""
    summary = dict(total=len(results))
    summary.update((status, sum(1 for result in results if result['status'] == status)) for status in statuses)
    return summary


def capped_list(texts, limit=MAX_NAMED_FAILURES):
    """The first `limit` texts joined with '; ', then "and N more" for the rest."""
    texts = list(texts)
    shown = '; '.join(texts[:limit])
    return shown if len(texts) <= limit else '%s; and %d more (see results)' % (shown, len(texts) - limit)


def fail_if_any_machine_failed(daas, results, what, output):
    """Fail the task naming the first failed machines and their reasons (after all machines were handled)."""
    failed = [result for result in results if result['status'] == 'failed']
    if failed:
        daas.fail('%s for %d of %d machines: %s' % (
            what, len(failed), len(results), capped_list('%s: %s' % (r['name'], r['reason']) for r in failed)),
            **output)
