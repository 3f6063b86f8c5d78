"""Requests per second for the article page: gunicorn next to a static server.

Builds a scratch PostgreSQL database with the demo content, serves it with
gunicorn (DEBUG=0, as in production), saves the article's HTML and serves that
file with nginx (or Python's http.server when nginx is missing). With nginx, the
same nginx also serves the article through an edge cache in front of gunicorn
(a plain-HTTP copy of deploy/nginx/btob.conf's cache directives). All are loaded
in alternating rounds with wrk (or a small Python client), and the ratios of the
medians to the static file are reported, since absolute figures on a shared
machine mean little.

    .venv/bin/python bench/article_rps.py [--rounds 3] [--seconds 10]

Only 127.0.0.1 is contacted; every loop is bounded in count and time.
"""

import argparse
import http.client
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = "/insights/us-interest-in-pakistans-minerals/"
PG = "postgres://postgres@127.0.0.1:5432"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, path: str = "/", timeout: float = 300) -> bytes:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status == 200:
                return body
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"nothing answered on port {port} within {timeout} s")


# deploy/nginx/btob.conf's edge cache, without TLS (as the static server has none).
TRACKING = "utm_source|utm_medium|utm_campaign|utm_term|utm_content|gclid|fbclid"
EDGE_CACHE = """
  proxy_cache_path {workdir}/edge-cache levels=1:2 keys_zone=btob_pages:10m
                   use_temp_path=off;
  proxy_temp_path {workdir}/proxy-temp;
  map $args $btob_query_not_cached {{
    "" 0;
    "~^(({tracking})(=[^&]*)?(&|$))+$" 0;
    default 1;
  }}
  map $http_cookie $btob_has_session {{
    "~(^|;)\\s*sessionid=" 1;
    default 0;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://127.0.0.1:{app_port};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_cache btob_pages;
      proxy_cache_key "$scheme://$host$uri";
      proxy_cache_bypass $btob_query_not_cached $btob_has_session;
      proxy_no_cache $btob_query_not_cached $btob_has_session;
      proxy_cache_lock on;
      proxy_cache_use_stale error timeout updating http_502 http_503 http_504;
      add_header X-Cache-Status $upstream_cache_status always;
    }}
  }}
"""


def cache_status(port: int, path: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.getheader("X-Cache-Status", "")


def wrk(port: int, path: str, seconds: int, connections: int) -> float:
    result = subprocess.run(
        [
            "wrk",
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "-H",
            "Host: 127.0.0.1",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    if "Non-2xx" in result.stdout:
        raise SystemExit(f"errors under load:\n{result.stdout}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))


def python_load(port: int, path: str, seconds: int, connections: int) -> float:
    count = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker():
        nonlocal count
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        done = 0
        while time.monotonic() < stop:
            conn.request("GET", path, headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"HTTP {response.status} under load")
            done += 1
        with lock:
            count += done

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    load = wrk if shutil.which("wrk") else python_load

    database = f"btob_bench_{os.getpid()}"
    subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", database], check=True
    )
    env = {
        **os.environ,
        "DEBUG": "0",
        "HTTPS_ONLY": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{PG}/{database}",
    }
    processes = []
    workdir = Path(tempfile.mkdtemp(prefix="btob-bench-"))
    try:
        manage = [sys.executable, "manage.py"]
        for command in (
            ["migrate", "--no-input", "-v0"],
            ["load_demo_content"],
            ["collectstatic", "--no-input", "-v0"],
        ):
            subprocess.run(manage + command, cwd=ROOT, env=env, check=True)

        app_port = free_port()
        gunicorn = Path(sys.executable).parent / "gunicorn"
        processes.append(
            subprocess.Popen(
                [
                    str(gunicorn),
                    "btob.wsgi:application",
                    "-b",
                    f"127.0.0.1:{app_port}",
                    "-w",
                    str(args.workers),
                    "--no-control-socket",
                ],
                cwd=ROOT,
                env=env,
                stderr=subprocess.DEVNULL,
            )
        )
        html = wait_for(app_port, ARTICLE)
        (workdir / "index.html").write_bytes(html)

        static_port = free_port()
        edge_port = None
        if shutil.which("nginx"):
            static_name = "nginx"
            edge_port = free_port()
            edge = EDGE_CACHE.format(
                workdir=workdir, port=edge_port, app_port=app_port, tracking=TRACKING
            )
            conf = workdir / "nginx.conf"
            conf.write_text(
                f"worker_processes {args.workers};\npid {workdir}/nginx.pid;\n"
                f"error_log {workdir}/error.log;\nevents {{}}\nhttp {{\n"
                f"  access_log off;\n"
                f"  client_body_temp_path {workdir};\n"
                f"  server {{ listen 127.0.0.1:{static_port}; root {workdir}; }}\n"
                f"{edge}}}\n"
            )
            command = ["nginx", "-c", str(conf), "-g", "daemon off;"]
        else:
            static_name = "python http.server"
            command = [
                sys.executable,
                "-m",
                "http.server",
                str(static_port),
                "--bind",
                "127.0.0.1",
                "--directory",
                str(workdir),
            ]
        processes.append(subprocess.Popen(command, stderr=subprocess.DEVNULL))
        wait_for(static_port, "/index.html")

        load(app_port, ARTICLE, 2, args.connections)  # warm caches and renditions
        edge_status = ""
        if edge_port:
            wait_for(edge_port, ARTICLE)
            edge_status = cache_status(edge_port, ARTICLE)
        app_rps, static_rps, edge_rps = [], [], []
        for _ in range(args.rounds):
            app_rps.append(load(app_port, ARTICLE, args.seconds, args.connections))
            static_rps.append(
                load(static_port, "/index.html", args.seconds, args.connections)
            )
            if edge_port:
                edge_rps.append(
                    load(edge_port, ARTICLE, args.seconds, args.connections)
                )
        app, static = statistics.median(app_rps), statistics.median(static_rps)
        print(
            f"load generator: {load.__name__}, {args.connections} connections, "
            f"{args.rounds} alternating rounds of {args.seconds} s"
        )
        print(f"article HTML: {len(html)} bytes")
        print(
            f"gunicorn ({args.workers} workers), article page: {app:,.0f} req/s "
            f"(rounds: {', '.join(f'{r:,.0f}' for r in app_rps)})"
        )
        print(
            f"{static_name}, same HTML as a file: {static:,.0f} req/s "
            f"(rounds: {', '.join(f'{r:,.0f}' for r in static_rps)})"
        )
        print(f"ratio gunicorn / static: {app / static:.4f}")
        if edge_port:
            edge = statistics.median(edge_rps)
            print(
                f"nginx edge cache before gunicorn, article page (warm, "
                f"X-Cache-Status: {edge_status}): {edge:,.0f} req/s "
                f"(rounds: {', '.join(f'{r:,.0f}' for r in edge_rps)})"
            )
            print(f"ratio edge cache / static: {edge / static:.3f}")
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", database])
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
