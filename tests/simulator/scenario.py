"""Scenario files: loading, defaults and the generator for large estates.

A scenario is a YAML mapping (see README.md for every key).  ``load_scenario``
accepts a name of a file under ``scenarios/``, a path, or an already parsed
mapping, and returns the mapping with every ``generate:`` block expanded into
plain catalog and machine entries; ``extends: NAME`` starts from another
scenario and adds to it (``paging.yml`` is ``integration.yml`` and a large
catalog).

Run as ``python3 -m tests.simulator.scenario --catalogs 5 --machines 5000
--idle-share 0.3 > big.yml`` to write a scenario with the machines listed.
"""

import argparse
import copy
import os
import random
import sys

import yaml

SCENARIO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios")

CUSTOMER_ID = "democustomer"
CLIENT_ID = "0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b"
CLIENT_SECRET = "sim-client-secret-3f9a7c"
# The domain user of an on-premises site whose scenario names none (deployment: on_premises).
DOMAIN_USER = "DEMOLAB\\ctxadmin"
DOMAIN_PASSWORD = "sim-domain-password-5e2b"
PCE_API_KEY = "api_1a2b3c4d5e"
PCE_API_SECRET = "pce-secret-8d7c6b"

USER_NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar")


class ScenarioError(ValueError):
    """A scenario file that cannot be used."""


def scenario_path(name):
    """Return the file for a scenario name (``integration``) or path."""
    if os.path.sep in name or name.endswith((".yml", ".yaml")):
        if os.path.isfile(name):
            return name
        candidate = os.path.join(SCENARIO_DIR, os.path.basename(name))
    else:
        candidate = os.path.join(SCENARIO_DIR, name + ".yml")
    if not os.path.isfile(candidate):
        raise ScenarioError("scenario %r not found" % name)
    return candidate


def load_scenario(source):
    """Load a scenario from a name, a path or a mapping and expand generators."""
    if isinstance(source, dict):
        data = copy.deepcopy(source)
    else:
        with open(scenario_path(source), encoding="utf-8") as handle:
            # libyaml's loader when there is one: a generated estate of 100,000 machines loads in seconds.
            data = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    if not isinstance(data, dict):
        raise ScenarioError("a scenario must be a mapping")
    if "extends" in data:
        data = _extended(load_scenario(data.pop("extends")), data)
    for site in data.get("sites") or []:
        for block in site.pop("generate", None) or []:
            expand_generate_block(site, block)
    return data


def _extended(base, extension):
    """``base`` (a loaded scenario) with what ``extension`` adds: its keys replace the base's, but ``sites``, whose
    entries add their catalogs and generate blocks to the base's site of the same name (a new name adds a site)."""
    sites = {site["name"]: site for site in base.get("sites") or []}
    for site in extension.pop("sites", None) or []:
        if site.get("name") not in sites:
            base.setdefault("sites", []).append(site)
            continue
        for key in ("catalogs", "generate"):
            sites[site["name"]].setdefault(key, []).extend(site.get(key) or [])
    base.update(extension)
    return base


def _sessions_for(rng, busy, multi_session, disconnected=None, leave_after=None):
    """The sessions of a generated machine; ``disconnected`` (minutes) makes them all disconnected that long, and
    ``leave_after`` (a count) makes their users log off on their own at that message."""
    if not busy:
        return 0
    count = rng.randint(2, 6) if multi_session else 1
    users = ["%s\\%s%02d" % ("DEMOLAB", rng.choice(USER_NAMES), rng.randint(1, 99)) for _index in range(count)]
    if disconnected is None and leave_after is None:
        return users
    entries = []
    for user in users:
        entry = {"user": user}
        if disconnected is not None:
            entry.update(state="Disconnected", minutes_in_state=disconnected)
        if leave_after is not None:
            entry["logoff_after_messages"] = leave_after
        entries.append(entry)
    return entries


def expand_generate_block(site, block):
    """Add the catalogs and machines described by one ``generate:`` block to ``site``.

    Keys: ``catalog`` (one named catalog) or ``catalogs`` (a count, named
    ``{catalog_prefix}-{n}``), ``machines`` (total) or ``machines_per_catalog``,
    ``idle_share`` (0..1, machines without sessions), ``off_share``,
    ``maintenance_share``, ``name_prefix`` (``DOMAIN\\PREFIX``), ``session_support``,
    ``delivery_group`` (one group for all, or ``true`` for one per catalog),
    ``disconnected_share`` (0..1 of the busy machines: their sessions are all disconnected, for
    ``disconnected_minutes``, default 600), ``leaving_share`` (0..1 of the other busy machines: their users log off
    on their own at message ``leave_after_messages``, default 1), ``tags`` and ``seed``.
    """
    rng = random.Random(block.get("seed", 42))
    if "catalog" in block:
        names = [block["catalog"]]
    else:
        prefix = block.get("catalog_prefix", "Pool")
        names = ["%s-%d" % (prefix, index + 1) for index in range(int(block.get("catalogs", 1)))]
    if "machines_per_catalog" in block:
        per_catalog = [int(block["machines_per_catalog"])] * len(names)
    else:
        total = int(block.get("machines", 100))
        per_catalog = [total // len(names) + (1 if index < total % len(names) else 0) for index in range(len(names))]
    session_support = block.get("session_support", "SingleSession")
    name_prefix = block.get("name_prefix", "DEMOLAB\\VDI-")
    catalogs = site.setdefault("catalogs", [])
    serial = 0
    for catalog_name, count in zip(names, per_catalog):
        group = block.get("delivery_group")
        if group is True:
            group = catalog_name + "-Desktops"
        machines = []
        for _index in range(count):
            serial += 1
            roll = rng.random()
            machine = {"name": "%s%05d" % (name_prefix, serial), "tags": list(block.get("tags", []))}
            if roll < block.get("off_share", 0.0):
                machine["power_state"] = "Off"
            else:
                busy = rng.random() >= block.get("idle_share", 0.5)
                stale = busy and block.get("disconnected_share") and rng.random() < block["disconnected_share"]
                leaving = busy and not stale and block.get("leaving_share") and rng.random() < block["leaving_share"]
                machine["sessions"] = _sessions_for(rng, busy, session_support == "MultiSession",
                                                    block.get("disconnected_minutes", 600) if stale else None,
                                                    block.get("leave_after_messages", 1) if leaving else None)
                if rng.random() < block.get("maintenance_share", 0.0):
                    machine["maintenance"] = True
            machines.append(machine)
        catalog = {"name": catalog_name, "session_support": session_support, "machines": machines}
        if group:
            catalog["delivery_group"] = group
        catalogs.append(catalog)


def generated_scenario(catalogs, machines, idle_share, seed=42, compact=False):
    """Return a complete scenario mapping for a generated estate."""
    block = {"catalogs": catalogs, "machines": machines, "idle_share": idle_share, "catalog_prefix": "Pool",
             "name_prefix": "DEMOLAB\\VDI-", "delivery_group": True, "seed": seed}
    site = {"name": "cloudxdsite", "id": "70360961-e0f1-4ce9-9371-d590efb5c04f"}
    if compact:
        site["generate"] = [block]
    else:
        expand_generate_block(site, block)
    return {
        "customer": {"id": CUSTOMER_ID, "display_name": "DEMOLAB automation"},
        "api_clients": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "display_name": "DEMOLAB automation"}],
        "pce": {"api_key": PCE_API_KEY, "api_secret": PCE_API_SECRET, "org": 1},
        "sites": [site],
    }


def main(argv=None):
    """Command line entry point: print a generated scenario as YAML."""
    parser = argparse.ArgumentParser(prog="python3 -m tests.simulator.scenario", description=__doc__.splitlines()[0])
    parser.add_argument("--catalogs", type=int, default=5)
    parser.add_argument("--machines", type=int, default=5000, help="total number of machines")
    parser.add_argument("--idle-share", type=float, default=0.3, help="share of machines without sessions (0..1)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--compact", action="store_true", help="write a generate: block instead of the machine list")
    args = parser.parse_args(argv)
    scenario = generated_scenario(args.catalogs, args.machines, args.idle_share, args.seed, args.compact)
    yaml.safe_dump(scenario, sys.stdout, sort_keys=False, width=160)
    return 0


if __name__ == "__main__":
    sys.exit(main())
