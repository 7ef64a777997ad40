"""TLS mode, the other shipped scenarios and the scenario generator."""

import os
import subprocess
import sys

import pytest
import requests
import yaml

from tests.simulator.launcher import SimulatorNotStarted, running, start

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def test_tls_with_ca_file(launch_simulator, tmp_path):
    ca_file = str(tmp_path / "ca.pem")
    server = launch_simulator(["--ca-file", ca_file], scenario="integration", time_scale=30, tls=True)
    assert server.url.startswith("https://127.0.0.1:")
    response = requests.post(server.url + "/cctrustoauth2/root/tokens/clients", verify=ca_file, timeout=10, data={
        "grant_type": "client_credentials", "client_id": "0b5f8a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b",
        "client_secret": "sim-client-secret-3f9a7c"})
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(server.url + "/_sim/state", timeout=10)
    localhost = server.url.replace("127.0.0.1", "localhost")
    assert requests.get(localhost + "/_sim/pce/options", verify=ca_file, timeout=10).status_code == 200


def test_without_trustme_only_tls_is_refused(tmp_path):
    """The simulator starts without trustme; --tls then stops with a one-line error naming the package."""
    (tmp_path / "trustme.py").write_text("raise ImportError('trustme is not installed')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), REPO_ROOT]))
    with pytest.raises(SimulatorNotStarted) as refused:
        start(env=env, tls=True)
    assert "exit code 2" in str(refused.value)
    assert str(refused.value).endswith("--tls needs the trustme package: python3 -m pip install 'trustme>=1.0'")
    assert "Traceback" not in str(refused.value)
    with running(env=env) as plain:
        assert plain.url.startswith("http://127.0.0.1:")
        assert requests.get(plain.url + "/_sim/pce/options", timeout=10).status_code == 200


def test_multi_site(api):
    api.control("POST", "reset", json={"scenario": "multi_site"})
    api.sign_in()
    sites = api.get("/me", site=False)["Customers"][0]["Sites"]
    assert [site["Name"] for site in sites] == ["cloudxdsite-us", "cloudxdsite-eu"]
    eu_headers = api.headers(**{"Citrix-InstanceId": sites[1]["Id"]})
    eu = api.call("GET", "/Machines", headers=eu_headers).json()["Items"]
    assert [machine["Name"] for machine in eu] == ["DEMOLAB\\EU-001", "DEMOLAB\\EU-002"]
    assert eu[0]["Zone"]["Name"] == "Europe"


def test_no_site(api):
    api.control("POST", "reset", json={"scenario": "no_site"})
    api.sign_in()
    assert api.get("/me", site=False)["Customers"][0]["Sites"] == []
    assert api.call("GET", "/Machines").status_code == 404


def test_demo_story(api):
    api.control("POST", "reset", json={"scenario": "demo"})
    api.sign_in()
    machines = {machine["Name"]: machine for machine in api.get("/MachineCatalogs/Kiosk-Pool/Machines")["Items"]}
    assert machines["DEMOLAB\\OSPREY"]["SessionCount"] == 2
    assert machines["DEMOLAB\\OWL"]["PowerState"] == "Off"
    assert machines["DEMOLAB\\HERON"]["InMaintenanceMode"] is True
    assert api.call("POST", "/Machines/DEMOLAB%7CEAGLE/$reboot").json()["ErrorMessage"] == \
        "Machine does not support specified power action."
    assert api.call("POST", "/Machines/DEMOLAB%7CKESTREL/$reboot").status_code == 200
    assert len(api.get("/MachineCatalogs")["Items"]) == 2


def test_reset_with_bad_scenario(api):
    assert api.http.post(api.url + "/_sim/reset", json={"scenario": "no-such-scenario"}).status_code == 400


def test_generator_cli_and_inline_generate(api):
    output = subprocess.run([sys.executable, "-m", "tests.simulator.scenario", "--catalogs", "5", "--machines", "5000",
                             "--idle-share", "0.3"], cwd=REPO_ROOT, check=True, capture_output=True, text=True).stdout
    scenario = yaml.safe_load(output)
    catalogs = scenario["sites"][0]["catalogs"]
    machines = [machine for catalog in catalogs for machine in catalog["machines"]]
    assert len(catalogs) == 5 and len(machines) == 5000
    idle = sum(1 for machine in machines if not machine.get("sessions"))
    assert 0.25 < idle / 5000.0 < 0.35
    api.control("POST", "reset", json={"scenario": scenario})
    api.sign_in()
    assert len(api.get("/Machines", params={"limit": 1000})["Items"]) == 1000
    compact = {"customer": {"id": "democustomer"},
               "api_clients": [{"client_id": api.client_id, "client_secret": api.client_secret}],
               "sites": [{"id": api.site_id, "generate": [{"catalogs": 2, "machines_per_catalog": 30, "idle_share": 1.0}]}]}
    api.control("POST", "reset", json={"scenario": compact})
    api.sign_in()
    catalogs = api.get("/MachineCatalogs")["Items"]
    assert [(catalog["Name"], catalog["TotalCount"]) for catalog in catalogs] == [("Pool-1", 30), ("Pool-2", 30)]
    assert api.get("/Sessions")["Items"] == []
