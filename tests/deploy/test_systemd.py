"""deploy/systemd's units, as systemd reads them."""

import configparser
import os
import re
import shutil
import subprocess

import pytest

from tests.deploy.stack import APP_DIR, NGINX_CONF, ROOT, exec_start

UNITS = ROOT / "deploy" / "systemd"
MEDIA = "/srv/btob/media"


def service_section(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(UNITS / name)
    return parser["Service"]


def test_systemd_reads_both_units_without_a_complaint(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        reason = "needs systemd-analyze (Debian's systemd)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    # Pointed at this checkout, so that the programs ExecStart names exist.
    units = []
    for unit in sorted(UNITS.glob("*.service")):
        units.append(tmp_path / unit.name)
        units[-1].write_text(unit.read_text().replace(APP_DIR, str(ROOT)))
    assert [unit.name for unit in units] == ["btob-web.service", "btob-worker.service"]
    result = subprocess.run(
        [analyze, "verify", "--man=no", *map(str, units)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.parametrize("unit", ["btob-web.service", "btob-worker.service"])
def test_units_run_confined_as_their_own_user_and_always_restart(unit):
    service = service_section(unit)
    assert (service["User"], service["Group"]) == ("btob", "btob")
    assert service["EnvironmentFile"] == "/etc/btob/env"
    assert service["Restart"] == "always"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["PrivateTmp"] == "yes"
    assert service["ReadWritePaths"].split() == [MEDIA, "/srv/btob/var"]


def test_the_worker_runs_db_worker_from_the_same_checkout_as_the_web_server():
    web, worker = (
        exec_start(UNITS / "btob-web.service"),
        exec_start(UNITS / "btob-worker.service"),
    )
    assert web[:2] == [f"{APP_DIR}/.venv/bin/gunicorn", "btob.wsgi:application"]
    assert worker == [f"{APP_DIR}/.venv/bin/python", "manage.py", "db_worker"]
    for unit in ("btob-web.service", "btob-worker.service"):
        assert service_section(unit)["WorkingDirectory"] == APP_DIR


def test_nginx_serves_media_from_where_the_units_may_write_it():
    aliases = re.findall(r"^\s*alias\s+(\S+);", NGINX_CONF.read_text(), re.MULTILINE)
    assert aliases == [f"{MEDIA}/"]
