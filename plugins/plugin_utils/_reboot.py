# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The reboot_idle_machines role's own logic, behind its filters: input lists, the run's summary and its texts."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections.abc import Mapping, Sequence

from ansible_collections.citrix_cloud.daas.plugins.module_utils._texts import studio_name


def name_list(value, option):
    """A list of non-empty, trimmed texts from a list, or from comma-separated text (extra vars, AWX surveys).

    Raises ValueError naming `option` for anything else.
    """
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(',')
    elif isinstance(value, Mapping) or not isinstance(value, Sequence):
        raise ValueError('%s must be a list of strings or comma-separated text, got %s' % (option, type(value).__name__))
    return [text for text in (str(item).strip() for item in value if item is not None) if text]


def first_of(names, limit, more=' ... and %d more'):
    """`names` joined by commas, at most `limit` of them (0: none), then how many more there are."""
    names = list(names)
    text = ', '.join(names[:limit])
    if len(names) > limit:
        text += more % (len(names) - limit)
    return text.strip()


def _of_status(results, status):
    return [result for result in results or [] if result.get('status') == status]


def build_summary(selection, reboots=None, errors=None, stopped_by=None, catalogs=None, machine_count=0,
                  check_mode=False, started_at=None, finished_at=None, fence_tag=None):
    """The summary of a run of the role, from the candidates' selection and the per-machine results of the reboot.

    Each machine counts once, whether a result names it by Id or by name (a machine never read keeps the name it was
    given). A candidate that no result accounts for was not reached (the run stopped early): it counts as failed.
    """
    errors = list(errors or []) + ([stopped_by] if stopped_by else [])
    reboots = list(reboots or [])
    failed = []
    skipped = list(selection.get('skipped') or [])
    rebooted = []
    for result in reboots:
        if result['status'] == 'done':
            rebooted.append(dict(name=result['name'], id=result['id'], job_id=result.get('job_id'),
                                 power_state_after=result.get('power_state_after'), note=result.get('reason')))
        elif result['status'] == 'skipped':
            skipped.append(dict(name=result['name'], id=result['id'], reason=result['reason']))
        else:
            failed.append(dict(name=result['name'], id=result['id'], error=result.get('reason')))
    accounted = set(str(key).lower() for entry in rebooted + skipped + failed for key in (entry['id'], entry['name'])
                    if key)
    stopped = 'not rebooted: the run stopped early (%s)' % (errors[-1] if errors else 'unknown error')
    failed += [dict(name=m.get('Name'), id=m.get('Id'), error=stopped)
               for m in selection.get('candidates') or []
               if not accounted.intersection(str(key).lower() for key in (m.get('Id'), m.get('Name')) if key)]
    fence_ids = set(fence.get('id') for fence in selection.get('fences') or [])
    lifted = [r['name'] for r in reboots if r['id'] in fence_ids and r.get('lifted')]
    return {
        # A check-mode prediction tells also when only the task's check_mode was set.
        'check_mode': bool(check_mode) or any(r.get('predicted') for r in reboots),
        'catalogs': [studio_name(catalog) for catalog in catalogs or []],
        'started_at': started_at,
        'finished_at': finished_at,
        'fence_tag': fence_tag,
        'rebooted': rebooted,
        'skipped': skipped,
        'failed': failed,
        'stale_fences_lifted': lifted,
        'errors': errors,
        'counts': {
            'machines': int(machine_count),
            'candidates': len(selection.get('candidates') or []),
            'rebooted': len(rebooted),
            'skipped': len(skipped),
            'failed': len(failed),
            'stale_fences_lifted': len(lifted),
        },
    }


def _unique(names):
    return list(dict.fromkeys(names))


def report(summary, limit):
    """The texts of a summary: the lines to show, a notification's title, description and severity, and the
    message to fail with (None when nothing failed), each naming at most `limit` machines per list."""
    check_mode = summary['check_mode']
    counts = summary['counts']
    rebooted_names = [entry['name'] for entry in summary['rebooted']]
    failed_names = _unique(entry['name'] for entry in summary['failed'])
    lines = [
        '%sCatalogs %s: %d machines, %d idle candidates.' % (
            'CHECK MODE, nothing was changed. ' if check_mode else '', ', '.join(summary['catalogs']),
            counts['machines'], counts['candidates']),
        '%s (%d): %s' % ('Would reboot' if check_mode else 'Rebooted', counts['rebooted'],
                         first_of(rebooted_names, limit) or 'none'),
    ]
    for title, entries, key in (('Skipped', summary['skipped'], 'reason'), ('Failed', summary['failed'], 'error')):
        lines.append('%s (%d)%s' % (title, len(entries), ':' if entries else ''))
        lines += ['  %s: %s' % (entry['name'], entry[key]) for entry in entries[:limit]]
        if len(entries) > limit:
            lines.append('  ... and %d more' % (len(entries) - limit))
    if summary['stale_fences_lifted']:
        lines.append('Drain fences of an interrupted run %s: %s' % (
            'to lift' if check_mode else 'lifted', first_of(summary['stale_fences_lifted'], limit)))
    lines += ['Error: %s' % error for error in summary['errors']]

    description = 'Catalogs: %s. %s%s.' % (', '.join(summary['catalogs']), 'To reboot: ' if check_mode else 'Rebooted: ',
                                           first_of(rebooted_names, limit) or 'none')
    if failed_names:
        description += ' Failed: %s.' % first_of(failed_names, limit)
    if summary['errors']:
        description += ' Errors: %s.' % '; '.join(summary['errors'])

    failure = None
    if failed_names or summary['errors']:
        failure = 'reboot_idle_machines: %d machine(s) failed' % len(failed_names)
        if summary['errors']:
            failure += ' and the run stopped early: %s' % '; '.join(summary['errors'])
        failure += '; see reboot_idle_machines_summary'
        if failed_names:
            failure += ': ' + first_of(failed_names, limit)
    return {
        'lines': lines,
        'title': 'Reboot of idle machines%s: %d %s, %d skipped, %d failed' % (
            ' (check mode)' if check_mode else '', counts['rebooted'], 'to reboot' if check_mode else 'rebooted',
            counts['skipped'], counts['failed']),
        'description': description,
        'severity': 'Warning' if failed_names or summary['errors'] else 'Information',
        'failure': failure,
    }
