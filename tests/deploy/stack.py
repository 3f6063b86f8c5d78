"""The deployment in deploy/, started as a deployer would, on this machine only.

gunicorn runs the ExecStart line of deploy/systemd/btob-web.service, the task
worker that of btob-worker.service, and nginx the server block
deploy/nginx/btob.conf, each with the host name, ports, certificate and paths
rewritten; a throw-away certificate authority signs the certificate for
localhost and 127.0.0.1. The app purges nginx's edge cache through the block's
purge server (FRONTEND_CACHE_URL). The database is a SQLite file of its own,
migrated and given the demo content, so that both processes see it.

`python -m tests.deploy.stack --http-port 80 --https-port 443 DIR` keeps one
running until interrupted (deploy/observatory.sh scans it).
"""

import argparse
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.processes import started

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx" / "btob.conf"
WEB_UNIT = ROOT / "deploy" / "systemd" / "btob-web.service"
WORKER_UNIT = ROOT / "deploy" / "systemd" / "btob-worker.service"
SALES = "sales@example.com"
APP_DIR = "/srv/btob/app"
HOST = "localhost"
RATE_LIMIT = "2/d"
# Debian's libnginx-mod-http-cache-purge; /etc/nginx/nginx.conf loads it through
# modules-enabled, the test's own main configuration by this path.
PURGE_MODULE = Path("/usr/lib/nginx/modules/ngx_http_cache_purge_module.so")

# Run inside the stack's Django, after migrate: a private collection (login
# required) holding one document, and the stored paths the test asks for.
SETUP_SCRIPT = """
import json
from django.core.files.base import ContentFile
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Collection, CollectionViewRestriction

root = Collection.get_first_root_node()
board = root.add_child(name="Board papers")
CollectionViewRestriction.objects.create(
    collection=board, restriction_type=CollectionViewRestriction.LOGIN
)
document = Document(title="Board minutes", collection=board)
document.file.save("board-minutes.txt", ContentFile(b"Confidential minutes"))
image = Image.objects.order_by("pk").first()
print(json.dumps({
    "document_file": document.file.name,
    "document_url": document.url,
    "image_file": image.file.name,
}))
"""


@dataclass
class Stack:
    http_port: int
    https_port: int
    purge_port: int
    ca_file: Path
    database: Path
    media: Path
    environment: dict[str, str]
    document_file: str
    document_url: str
    image_file: str

    def lead_count(self) -> int:
        with sqlite3.connect(self.database) as db:
            return db.execute("SELECT COUNT(*) FROM leads_lead").fetchone()[0]

    def manage(self, *args: str) -> str:
        """Run a management command as the deployment would; its output."""
        return manage(self.environment, *args)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rewrite(text: str, replacements: dict[str, str], source: Path) -> str:
    for old, new in replacements.items():
        if old not in text:
            raise RuntimeError(f"{source} no longer holds {old!r}; update the test.")
        text = text.replace(old, new)
    return text


def exec_start(unit: Path) -> list[str]:
    """The unit's ExecStart command line, continuation lines joined."""
    text = unit.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        if line.startswith("ExecStart="):
            return shlex.split(line.removeprefix("ExecStart="))
    raise RuntimeError(f"{unit} has no ExecStart line.")


def make_certificates(workdir: Path) -> tuple[Path, Path, Path]:
    """A CA and a certificate it signed for localhost and 127.0.0.1."""
    ca_key, ca_cert = workdir / "ca.key", workdir / "ca.pem"
    key, csr, cert = workdir / "site.key", workdir / "site.csr", workdir / "site.pem"
    extensions = workdir / "site.ext"
    extensions.write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n"
        "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
    )
    for command in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-keyout", ca_key, "-out", ca_cert, "-subj", "/CN=Throw-away test CA"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr]
        + ["-subj", "/CN=localhost"],
        ["x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key]
        + ["-CAcreateserial", "-days", "2", "-out", cert, "-extfile", extensions],
    ):
        subprocess.run(
            ["openssl", *map(str, command)],
            check=True,
            capture_output=True,
            timeout=60,
        )
    return ca_cert, cert, key


def app_environment(
    workdir: Path, smtp_port: int | None, purge_port: int
) -> dict[str, str]:
    """What /etc/btob/env holds for this deployment."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DJANGO", "DATABASE", "REDIS", "LEADS", "EMAIL", "FRONTEND_CACHE")
        )
        and key not in {"DEBUG", "HTTPS_ONLY", "TRUSTED_PROXIES", "MEDIA_ROOT"}
    }
    environment.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        CSRF_TRUSTED_ORIGINS=f"https://{HOST}",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        LEADS_SPOOL_DIR=str(workdir / "var" / "lead-spool"),
        HTTPS_ONLY="1",
        TRUSTED_PROXIES="127.0.0.1,::1",
        LEADS_RATE_LIMIT=RATE_LIMIT,
        FRONTEND_CACHE_URL=f"http://127.0.0.1:{purge_port}",
        FRONTEND_CACHE_TIMEOUT="2",
    )
    if smtp_port is not None:
        environment.update(
            LEADS_NOTIFY_EMAILS=SALES,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            EMAIL_USE_TLS="0",
        )
    return environment


def manage(environment: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"manage.py {args[0]} failed ({result.returncode}): {result.stderr[-3000:]}"
        )
    return result.stdout


def prepare_database(environment: dict[str, str]) -> dict:
    manage(environment, "migrate", "--no-input", "-v0")
    manage(environment, "collectstatic", "--no-input", "-v0")
    manage(environment, "load_demo_content")
    output = manage(environment, "shell", "-c", SETUP_SCRIPT)
    return json.loads(output.strip().splitlines()[-1])


def wait_for_port(port: int, process: subprocess.Popen, name: str, log: Path):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} stopped: {log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{name} did not listen on {port}: {log.read_text()[-3000:]}")


def nginx_main_conf(workdir: Path, site_conf: Path) -> str:
    # As root, nginx's workers would otherwise drop to a user who cannot read
    # the test's private temporary directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    module = f"load_module {PURGE_MODULE};\n" if PURGE_MODULE.exists() else ""
    temp = "\n".join(
        f"    {kind}_temp_path {workdir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{module}{user}worker_processes 1;
pid {workdir / "nginx.pid"};
error_log {workdir / "nginx-error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {workdir / "nginx-access.log"};
{temp}
    include {site_conf};
}}
"""


@contextmanager
def deployment(
    workdir: Path,
    *,
    http_port: int = 0,
    https_port: int = 0,
    smtp_port: int | None = None,
):
    """Yield a running Stack; every process is stopped on the way out. With
    `smtp_port`, the worker mails each lead to SALES through that server."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    http_port = http_port or free_port()
    https_port = https_port or free_port()
    app_port, purge_port = free_port(), free_port()
    ca_cert, cert, key = make_certificates(workdir)
    environment = app_environment(workdir, smtp_port, purge_port)
    stored = prepare_database(environment)
    media = Path(environment["MEDIA_ROOT"])

    command = exec_start(WEB_UNIT)
    command[0] = command[0].replace(APP_DIR, str(ROOT))
    command = [
        arg.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}").replace(
            "/run/btob/", f"{workdir}/"
        )
        for arg in command
    ]

    site_conf = workdir / "btob.conf"
    site_conf.write_text(
        rewrite(
            NGINX_CONF.read_text(),
            {
                "server_name btobservices.pk www.btobservices.pk;": (
                    f"server_name {HOST} www.{HOST};"
                ),
                "server_name www.btobservices.pk;": f"server_name www.{HOST};",
                "server_name btobservices.pk;": f"server_name {HOST};",
                "https://btobservices.pk$request_uri": f"https://{HOST}$request_uri",
                "listen 80;": f"listen 127.0.0.1:{http_port};",
                "listen [::]:80;": f"listen [::1]:{http_port};",
                "listen 443 ssl http2": f"listen 127.0.0.1:{https_port} ssl http2",
                "listen [::]:443 ssl http2": f"listen [::1]:{https_port} ssl http2",
                "/etc/letsencrypt/live/btobservices.pk/fullchain.pem": str(cert),
                "/etc/letsencrypt/live/btobservices.pk/privkey.pem": str(key),
                "/srv/btob/media/": f"{media}/",
                "http://127.0.0.1:8000": f"http://127.0.0.1:{app_port}",
                "listen 127.0.0.1:6081;": f"listen 127.0.0.1:{purge_port};",
                "/var/cache/nginx/btob": str(workdir / "edge-cache"),
            },
            NGINX_CONF,
        )
    )
    main_conf = workdir / "nginx.conf"
    main_conf.write_text(nginx_main_conf(workdir, site_conf))

    with ExitStack() as processes:
        web_log = workdir / "gunicorn.log"
        web = processes.enter_context(
            started(command, log=web_log, cwd=ROOT, env=environment)
        )
        wait_for_port(app_port, web, "gunicorn", web_log)
        worker_command = exec_start(WORKER_UNIT)
        worker_command[0] = worker_command[0].replace(APP_DIR, str(ROOT))
        processes.enter_context(
            started(
                worker_command, log=workdir / "worker.log", cwd=ROOT, env=environment
            )
        )
        nginx_log = workdir / "nginx.log"
        proxy = processes.enter_context(
            started(
                [nginx, "-c", str(main_conf), "-p", str(workdir), "-g", "daemon off;"],
                log=nginx_log,
            )
        )
        wait_for_port(https_port, proxy, "nginx", nginx_log)
        yield Stack(
            http_port=http_port,
            https_port=https_port,
            purge_port=purge_port,
            ca_file=ca_cert,
            database=workdir / "db.sqlite3",
            media=media,
            environment=environment,
            **stored,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--http-port", type=int, default=0)
    parser.add_argument("--https-port", type=int, default=0)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    # SIGTERM stops it as Ctrl-C does: through deployment()'s clean-up.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with deployment(
            args.workdir, http_port=args.http_port, https_port=args.https_port
        ) as stack:
            sys.stdout.write(
                f"ready http={stack.http_port} https={stack.https_port} "
                f"ca={stack.ca_file}\n"
            )
            sys.stdout.flush()
            while True:
                signal.pause()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
