"""Media on S3-compatible storage, shared by app hosts that share no disk.

moto's S3 server stands in for the object store. Two gunicorn processes, each
started from deploy/systemd/btob-web.service's command line in a working
directory and MEDIA_ROOT of its own, share the test's PostgreSQL database and
the bucket, whose policy is deploy/s3-bucket-policy.json's.
"""

import io
import os
import secrets
import subprocess
import sys
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

import boto3
import pytest
import requests
from bs4 import BeautifulSoup
from django.db import connection
from moto.server import ThreadedMotoServer
from PIL import Image as PillowImage
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Collection, CollectionViewRestriction

from tests.builders import make_article, make_home
from tests.deploy.stack import (
    APP_DIR,
    ROOT,
    WEB_UNIT,
    exec_start,
    free_port,
    wait_for_port,
)
from tests.processes import started

# Before any fixture, so that SQLite does not build a test database for nothing.
pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two processes cannot share the in-memory SQLite test database",
)

BUCKET = "btob-media"
POLICY = ROOT / "deploy" / "s3-bucket-policy.json"
PASSWORD = secrets.token_urlsafe(16)
DOCUMENT_BYTES = b"Board minutes: confidential."
SECRET_KEY = secrets.token_urlsafe(50)


@pytest.fixture
def object_store():
    """moto's S3 server with the bucket and the README's bucket policy."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",  # noqa: S106
    )
    s3.create_bucket(Bucket=BUCKET)
    # The shipped policy names the bucket btob-media, as this one is.
    s3.put_bucket_policy(Bucket=BUCKET, Policy=POLICY.read_text())
    yield endpoint, s3
    server.stop()


def app_environment(endpoint: str, host_dir: Path) -> dict[str, str]:
    db = connection.settings_dict
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO", "DATABASE", "REDIS", "AWS", "MEDIA"))
        and key not in {"DEBUG", "HTTPS_ONLY", "TRUSTED_PROXIES", "LEADS_SPOOL_DIR"}
    }
    environment.update(
        DEBUG="0",
        HTTPS_ONLY="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=(
            f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        MEDIA_S3_BUCKET=BUCKET,
        MEDIA_S3_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="test-key",
        AWS_SECRET_ACCESS_KEY="test-secret",  # noqa: S106
        AWS_DEFAULT_REGION="us-east-1",
        MEDIA_ROOT=str(host_dir / "media"),
        LEADS_SPOOL_DIR=str(host_dir / "var" / "lead-spool"),
        # The code is found from anywhere; the working directory is the host's.
        PYTHONPATH=str(ROOT),
    )
    return environment


def web_command(port: int, host_dir: Path) -> list[str]:
    """btob-web.service's ExecStart, on this port, with one worker."""
    command = exec_start(WEB_UNIT)
    command[0] = command[0].replace(APP_DIR, str(ROOT))
    command = [
        arg.replace("127.0.0.1:8000", f"127.0.0.1:{port}").replace(
            "/run/btob/", f"{host_dir}/"
        )
        for arg in command
    ]
    command[command.index("--workers") + 1] = "1"
    return command


@pytest.fixture
def two_hosts(transactional_db, object_store, tmp_path):
    """Yield the base URLs of two app processes and their host folders."""
    endpoint, _ = object_store
    host_dirs = [tmp_path / "host1", tmp_path / "host2"]
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=app_environment(endpoint, tmp_path),
        check=True,
        timeout=300,
    )
    with ExitStack() as processes:
        urls = []
        for host_dir in host_dirs:
            host_dir.mkdir()
            port = free_port()
            log = tmp_path / f"{host_dir.name}.log"
            process = processes.enter_context(
                started(
                    web_command(port, host_dir),
                    log=log,
                    cwd=host_dir,
                    env=app_environment(endpoint, host_dir),
                )
            )
            wait_for_port(port, process, host_dir.name, log)
            urls.append(f"http://127.0.0.1:{port}")
        yield urls, host_dirs


def logged_in(base_url: str, username: str) -> requests.Session:
    session = requests.Session()
    login = session.get(f"{base_url}/admin/login/", timeout=30)
    response = session.post(
        f"{base_url}/admin/login/",
        data={
            "csrfmiddlewaretoken": csrf_token(login.text),
            "username": username,
            "password": PASSWORD,
        },
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text
    return session


def csrf_token(html: str) -> str:
    soup = BeautifulSoup(html, "html5lib")
    return soup.find("input", attrs={"name": "csrfmiddlewaretoken"})["value"]


def upload(session: requests.Session, url: str, fields: dict, file) -> None:
    form = session.get(url, timeout=30)
    assert form.status_code == 200
    response = session.post(
        url,
        data={"csrfmiddlewaretoken": csrf_token(form.text), **fields},
        files={"file": file},
        allow_redirects=False,
        timeout=60,
    )
    assert response.status_code == 302, response.text


def png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", size, (30, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def image_urls(html: str) -> list[str]:
    """Every image address in the article's hero picture and social tags."""
    soup = BeautifulSoup(html, "html5lib")
    picture = soup.select_one(".article__hero picture")
    urls = [
        candidate.split()[0]
        for source in picture.find_all(["source", "img"])
        for candidate in (source.get("srcset") or source["src"]).split(",")
    ]
    urls.append(soup.find("meta", property="og:image")["content"])
    return sorted(set(urls))


def listing(s3) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]


def test_media_uploaded_on_one_host_are_served_from_the_bucket_by_another(
    object_store, two_hosts, django_user_model
):
    endpoint, s3 = object_store
    (first, second), host_dirs = two_hosts
    media_url = f"{endpoint}/{BUCKET}/"
    django_user_model.objects.create_superuser("editor", "editor@example.com", PASSWORD)
    make_home()
    root = Collection.get_first_root_node()
    board = root.add_child(name="Board papers")
    CollectionViewRestriction.objects.create(
        collection=board, restriction_type=CollectionViewRestriction.LOGIN
    )

    editor = logged_in(first, "editor")
    upload(
        editor,
        f"{first}/admin/images/add/",
        {"title": "Chagai hills", "collection": root.pk, "tags": ""},
        ("chagai.png", png((1600, 900)), "image/png"),
    )
    upload(
        editor,
        f"{first}/admin/documents/add/",
        {"title": "Board minutes", "collection": board.pk, "tags": ""},
        ("minutes.txt", DOCUMENT_BYTES, "text/plain"),
    )
    image = Image.objects.get(title="Chagai hills")
    document = Document.objects.get(title="Board minutes")
    assert image.file.name.startswith("original_images/")
    assert document.file.name.startswith("documents/")

    article = make_article(hero_image=image, social_image=image)
    # Rendered by the second host, which makes the renditions; then by the
    # first, past the page cache, from the renditions the second recorded.
    # One Host header for both, as a load balancer passes the reader's.
    site = {"Host": "127.0.0.1"}
    from_second = requests.get(second + article.url, headers=site, timeout=120)
    from_first = requests.get(
        first + article.url + "?render=1", headers=site, timeout=120
    )
    assert from_second.status_code == from_first.status_code == 200
    urls = image_urls(from_second.text)
    # The policy lets the page load images from the bucket's path, and no more.
    policy = dict(
        directive.split(maxsplit=1)
        for directive in from_second.headers["Content-Security-Policy"].split("; ")
    )
    assert policy["img-src"].split() == ["'self'", "data:", media_url]
    assert image_urls(from_first.text) == urls
    assert from_first.content == from_second.content, "either host's copy will do"
    assert len(urls) >= 7  # 3 formats x 2 sizes, and the social image

    keys = listing(s3)
    assert image.file.name in keys
    assert document.file.name in keys
    for url in urls:
        assert url.startswith(f"{media_url}images/"), url
        assert url.removeprefix(media_url) in keys
        assert "?" not in url, "a stable address, not a signed one"
        public = requests.get(url, timeout=30)  # anonymous, as a reader's browser
        assert public.status_code == 200, url
        assert public.headers["Content-Type"].startswith("image/")
        assert public.headers["Cache-Control"] == "public, max-age=2592000"
    jpeg = next(url for url in urls if ".fill-640x336." in url and "jpeg" in url)
    rendition = PillowImage.open(io.BytesIO(requests.get(jpeg, timeout=30).content))
    assert rendition.size == (640, 336)

    # The document's object is private; Wagtail's view applies the collection's
    # restriction and reads the object for an editor, on either host.
    assert requests.get(media_url + document.file.name, timeout=30).status_code == 403
    served = f"{second}{document.url}"
    assert document.url.startswith("/documents/")
    anonymous = requests.get(served, allow_redirects=False, timeout=30)
    assert anonymous.status_code == 302
    location = urllib.parse.urlsplit(anonymous.headers["Location"])
    assert location.path.endswith("/login/")
    assert urllib.parse.parse_qs(location.query)["next"] == [document.url]
    allowed = editor.get(served, timeout=30)
    assert allowed.status_code == 200
    assert allowed.content == DOCUMENT_BYTES

    for host_dir in host_dirs:
        written = [path for path in host_dir.rglob("*") if path.is_file()]
        assert written == [], "nothing is written to a host's disk"
