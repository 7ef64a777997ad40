# -*- coding: utf-8 -*-
# Copyright: (c) 2026, citrix_cloud.daas contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the pip bootstrap script that ansible-test fetches for the virtual environments of its tests.

`python get_pip.py --install` copies this file to where ansible-test looks for the script of its pip version.
ansible-test then runs it inside an empty virtual environment with pip's command-line options (for example
`--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel`). It installs the interpreter's bundled pip with
ensurepip, then lets that pip install what was asked from the configured package index.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import shutil
import subprocess
import sys

BOOTSTRAP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')


def install():
    """Copy this file to ansible-test's cache path for the pip version that ansible-test wants."""
    from ansible_test._internal import python_requirements  # pylint: disable=import-outside-toplevel
    with open(python_requirements.__file__) as source:
        version = re.search(r"pip='([0-9.]+)'", source.read()).group(1)
    target = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % version.replace('.', '_'))
    if not os.path.isdir(os.path.dirname(target)):
        os.makedirs(os.path.dirname(target))
    shutil.copyfile(__file__, target)


def bootstrap():
    """Install pip from the bundled wheel, then what the command line asks for."""
    # In a child process: ensurepip turns pip's configuration off in the environment of the process that calls it.
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
    options = [arg for arg in sys.argv[1:] if arg not in BOOTSTRAP_ONLY_OPTIONS]
    sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install', '--upgrade', '--quiet'] + options))


if __name__ == '__main__':
    if sys.argv[1:] == ['--install']:
        install()
    else:
        bootstrap()
