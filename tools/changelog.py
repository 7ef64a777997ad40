# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keep CHANGELOG.md equal to what antsibull-changelog makes of changelogs/ for the version in galaxy.yml.

Until a version is released, its changes live as fragments in changelogs/fragments/ and
changelogs/changelog.yaml does not list it yet. This script runs ``antsibull-changelog release``
for the galaxy.yml version on a scratch copy of the collection, so the repository itself is not
touched, and takes the CHANGELOG.md it produces (once the version is released in the repository,
it runs ``antsibull-changelog generate`` instead).

    python tools/changelog.py           # rewrite CHANGELOG.md
    python tools/changelog.py --check   # fail if CHANGELOG.md differs from what changelogs/ produce

Needs antsibull-changelog and ansible-core (see tests/release/requirements.txt).
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

# Never copied to the scratch collection (large, or not part of the collection).
SKIP = {'.git', '.venv', 'build', 'tests', '.pytest_cache', '__pycache__', 'docs'}


def tool(name):
    sibling = os.path.join(os.path.dirname(sys.executable), name)
    return sibling if os.path.exists(sibling) else (shutil.which(name) or name)


def render(root):
    with open(os.path.join(root, 'galaxy.yml'), encoding='utf-8') as handle:
        galaxy = yaml.safe_load(handle)
    with open(os.path.join(root, 'changelogs', 'config.yaml'), encoding='utf-8') as handle:
        config = yaml.safe_load(handle)
    with open(os.path.join(root, 'changelogs', config.get('changes_file', 'changelog.yaml')), encoding='utf-8') as handle:
        changes = yaml.safe_load(handle) or {}
    outputs = config.get('output') or []
    if len(outputs) != 1:
        raise SystemExit('changelog: expected exactly one output in changelogs/config.yaml')
    output_name = outputs[0]['file']
    version = str(galaxy['version'])

    tmp = tempfile.mkdtemp(prefix='changelog-')
    try:
        target = os.path.join(tmp, 'ansible_collections', galaxy['namespace'], galaxy['name'])
        shutil.copytree(root, target, symlinks=True,
                        ignore=lambda d, names: [n for n in names if n in SKIP or n.startswith('.venv')])
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=tmp, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false',
                   ANSIBLE_HOME=os.path.join(tmp, 'home'))
        env['PATH'] = os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', '')
        if version in (changes.get('releases') or {}):
            cmd = [tool('antsibull-changelog'), 'generate']
        else:
            # The date is not part of the Markdown output; a fixed one keeps the run reproducible.
            cmd = [tool('antsibull-changelog'), 'release', '--version', version, '--date', '2000-01-01']
        proc = subprocess.run(cmd, cwd=target, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, check=False)
        if proc.returncode != 0:
            raise SystemExit('changelog: %s failed (exit %d):\n%s' % (' '.join(cmd), proc.returncode, proc.stdout.strip()))
        with open(os.path.join(target, output_name), encoding='utf-8') as handle:
            return output_name, handle.read()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--collection-root', default=os.path.dirname(here))
    parser.add_argument('--check', action='store_true', help='write nothing; exit 1 if the changelog is stale')
    args = parser.parse_args(argv)

    name, generated = render(args.collection_root)
    path = os.path.join(args.collection_root, name)
    if args.check:
        current = ''
        if os.path.exists(path):
            with open(path, encoding='utf-8') as handle:
                current = handle.read()
        if current != generated:
            print('changelog --check: %s is out of date; run `python tools/changelog.py`.' % name)
            diff = difflib.unified_diff(current.splitlines(True), generated.splitlines(True),
                                        'committed/' + name, 'generated/' + name, n=1)
            sys.stdout.write(''.join(list(diff)[:60]))
            return 1
        print('changelog --check: %s is up to date' % name)
        return 0
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(generated)
    print('changelog: wrote %s' % path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
