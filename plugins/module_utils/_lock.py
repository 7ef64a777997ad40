# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The run lock of the rolling reboot: a lease kept in the site's own state, so that two runs never work at once.

The lock is a site tag named `<fence tag>-lock-<generation>` whose description names the run that holds it and when
its lease ends. The API creates a tag name once (a second create answers 409), which makes taking a generation
atomic: the holder is the run that created the highest generation. A run renews its lease while it works, stops
working once it cannot, and deletes its tag at the end. A run that was killed holds the lock until its lease ends;
then the next run takes the next generation (with a warning that names the stale holder) and deletes the older ones.

A run marks each machine it writes to with its lock tag (the pipeline's first write), and deleting the tag takes the
mark off every machine. Before it deletes a stopped run's tag, the run that takes over finds the machines that
carry it in maintenance mode without the fence tag: maintenance mode the stopped run may have left between two of
its writes, which no read can tell from an administrator's. They are reported (`left_in_maintenance`), not touched.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import os
import re
import socket
import time
import uuid

from ansible_collections.citrix_cloud.daas.plugins.module_utils._http import DaaSError
from ansible_collections.citrix_cloud.daas.plugins.module_utils._machine import has_tag, parse_rfc3339

# Renew once this much of the lease has passed.
RENEW_AFTER = 1.0 / 3
WAIT_INTERVAL = 5.0
# How many faults (429, 5xx, a dropped connection) a lock's call may meet in a row before the run stops.
LOCK_FAULTS = 5
FAULT_PAUSE = 1.0
_DESCRIPTION = 'citrix_cloud.daas rolling reboot lock: held by %s until %s'
_PARSE = re.compile(r'^citrix_cloud\.daas rolling reboot lock: held by (.+) until (\S+)$')


def lock_prefix(fence_tag):
    """The names of a fence tag's lock tags start with this."""
    return '%s-lock-' % fence_tag


def _utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


class RunLock(object):
    """The lock of one run; acquire() before the first write, renew() before each round's writes, release() at the end."""

    def __init__(self, client, fence_tag, wait, lease, sleep=None, now=None):
        self.client = client
        self.fence_tag = fence_tag
        self.prefix = lock_prefix(fence_tag)
        self.wait = max(float(wait), 0.0)
        self.lease = float(lease)
        self.holder = 'run %s (host %s, pid %d)' % (uuid.uuid4().hex[:12], socket.gethostname(), os.getpid())
        self._sleep = sleep or time.sleep
        self._now = now or _utc_now
        self.name = None
        self._expires = None
        # {Id, Name, run}: machines in maintenance mode that a stopped run whose lock this run took over left marked.
        self.left_in_maintenance = []

    def _description(self):
        self._expires = self._now() + datetime.timedelta(seconds=self.lease)
        return _DESCRIPTION % (self.holder, self._expires.strftime('%Y-%m-%dT%H:%M:%SZ'))

    def _generations(self):
        """Generation -> (tag name, holder or None, lease end or None) of the lock tags that exist."""
        found = {}
        for name, description in self.client.tag_descriptions(self.prefix).items():
            suffix = name[len(self.prefix):]
            if suffix.isdigit():
                match = _PARSE.match(description.strip())
                found[int(suffix)] = (name, match.group(1) if match else None,
                                      parse_rfc3339(match.group(2)) if match else None)
        return found

    def acquire(self):
        """Take the lock: wait up to `wait` seconds for another run's lease; take over one that has ended.

        Raises DaaSError naming the other run when its lease outlasts the wait.
        """
        waited, faults = 0.0, 0
        while True:
            try:
                found = self._generations()
            except DaaSError as err:
                faults += 1
                if not err.transient or faults > LOCK_FAULTS:
                    raise
                self._sleep(FAULT_PAUSE)
                continue
            top = max(found) if found else 0
            if found:
                name, holder, ends = found[top]
                if holder == self.holder:
                    self.name = name
                    return
                if ends is None or ends > self._now():
                    if waited >= self.wait:
                        raise DaaSError(
                            'another rolling reboot holds the run lock %s: %s, until %s; it works on the same '
                            'machines: wait for it to end (or allow a longer lock_timeout)'
                            % (name, holder or 'not a lease of citrix_cloud.daas',
                               ends.strftime('%Y-%m-%dT%H:%M:%SZ') if ends else 'it is deleted'))
                    pause = min(WAIT_INTERVAL, self.wait - waited)
                    self._sleep(pause)
                    waited += pause
                    continue
                self.client.warnings.append('took over the run lock %s of %s, whose lease ended at %s (a run that '
                                            'was stopped)' % (name, holder, ends.strftime('%Y-%m-%dT%H:%M:%SZ')))
            candidate = '%s%d' % (self.prefix, top + 1)
            try:
                created = self.client.create_tag(candidate, self._description())
            except DaaSError as err:
                # A create whose answer was lost may have been carried out: the next read tells.
                faults += 1
                if not err.transient or faults > LOCK_FAULTS:
                    raise
                continue
            if created:
                self.name = candidate
                for generation, (older, holder, _ends) in sorted(found.items()):
                    if generation < top + 1 and self._report_marked(older, holder):
                        self.client.delete_tag(older)
                return
            # Another run took that generation first: read again.

    def _report_marked(self, tag, holder):
        """Find the machines that a stopped run's lock tag marks and that are in maintenance mode without the fence
        tag, and report them. False when they could not be read (the tag is kept for a later run to look again)."""
        try:
            marked = self.client.machines_with_tag(tag, ('Id', 'Name', 'InMaintenanceMode', 'Tags'))
        except DaaSError as err:
            self.client.warnings.append('the machines marked by the stopped %s could not be read (%s): its lock tag '
                                        '%s is kept, and a later run looks again' % (holder, err, tag))
            return False
        left = [dict(id=machine.get('Id'), name=machine.get('Name'), run=holder) for machine in marked
                if machine.get('InMaintenanceMode') and not has_tag(machine, self.fence_tag)]
        if left:
            names = [machine['name'] or machine['id'] for machine in left]
            self.client.warnings.append(
                '%d machine(s) are in maintenance mode without the fence tag, marked by the stopped %s, which may '
                'have switched it on or failed to switch it off before it was stopped: %s%s. Switch maintenance mode '
                'off on each one no administrator put in maintenance mode; no run touches them'
                % (len(left), holder, ', '.join(names[:10]), ' and %d more' % (len(names) - 10) if len(names) > 10 else ''))
            self.left_in_maintenance += left
        return True

    def renew(self):
        """Extend the lease once a third of it has passed; DaaSError when another run took the lock meanwhile."""
        if self.name is None or self._now() < self._expires - datetime.timedelta(seconds=self.lease * (1 - RENEW_AFTER)):
            return
        try:
            found = self._generations()
        except DaaSError as err:
            # A fault: renewed at the next round, while the lease lasts.
            if err.transient and self._now() < self._expires:
                return
            raise
        mine = int(self.name[len(self.prefix):])
        newer = [found[g] for g in found if g > mine]
        if newer or self._now() >= self._expires:
            taker = newer[0][1] if newer else None
            raise DaaSError('this run lost its run lock %s (its lease ended%s): it stops here'
                            % (self.name, ', taken over by %s' % taker if taker else ''))
        expires = self._expires
        try:
            self.client.describe_tag(self.name, self._description())
        except DaaSError as err:
            self._expires = expires
            if not (err.transient and self._now() < expires):
                raise

    def release(self):
        """Delete the lock tag (a lock already gone is no error)."""
        if self.name is not None:
            self.client.delete_tag(self.name)
            self.name = None
