"""Download failures: cut-short bodies, error pages and odd URLs give DownloadError, keep nothing.

Every test talks to an http.server on 127.0.0.1 in a thread, never to the internet.
"""

from __future__ import annotations

import http.server
import io
import pickle
import tarfile
import threading
from typing import ClassVar

import numpy as np
import pytest

from nn.data import DownloadError, download_cifar10, load_cifar10

NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta"]


def official_like_archive() -> bytes:
    """A small .tar.gz with every official member name (10 images per batch)."""
    batch = {"data": np.zeros((10, 3072), np.uint8), "labels": list(range(10))}
    meta = {"label_names": [f"class{i}" for i in range(10)]}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name in NAMES:
            blob = pickle.dumps(meta if name == "batches.meta" else batch, protocol=4)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return buffer.getvalue()


ARCHIVE = official_like_archive()
HTML = b"<!DOCTYPE html><html><body>Please log in</body></html>"


class Handler(http.server.BaseHTTPRequestHandler):
    """Each path is one way for a server to misbehave (or behave)."""

    requests: ClassVar[list[str]] = []
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        Handler.requests.append(self.path)
        if self.path == "/good.tar.gz":
            self.send_body(ARCHIVE)
        elif self.path == "/page.html":  # status 200, but an error page
            self.send_body(HTML)
        elif self.path == "/half.tar.gz":  # a truncated archive, sent in full
            self.send_body(ARCHIVE[: len(ARCHIVE) // 2])
        elif self.path == "/chunked-cut.tar.gz":  # one chunk, then the connection drops
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            part = ARCHIVE[: len(ARCHIVE) // 2]
            self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.close_connection = True
        elif self.path == "/short.tar.gz":  # announces more bytes than it sends
            self.send_response(200)
            self.send_header("Content-Length", str(len(ARCHIVE)))
            self.end_headers()
            self.wfile.write(ARCHIVE[: len(ARCHIVE) // 2])
            self.close_connection = True
        else:
            self.send_error(404)

    def send_body(self, body: bytes):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def base_url():
    Handler.requests = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def leftovers(root):
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


@pytest.mark.parametrize("path,match", [
    ("/chunked-cut.tar.gz", "IncompleteRead"),
    ("/short.tar.gz", "announced|IncompleteRead"),
])
@pytest.mark.parametrize("md5", [None, "0" * 32])
def test_a_body_cut_short_is_a_download_error_and_leaves_nothing(base_url, tmp_path, path,
                                                                  match, md5):
    root = tmp_path / "data"
    with pytest.raises(DownloadError, match=match):
        download_cifar10(root, url=base_url + path, md5=md5, progress=False)
    assert leftovers(root) == []


@pytest.mark.parametrize("path", ["/page.html", "/half.tar.gz"])
def test_without_md5_a_non_archive_is_refused_and_not_kept(base_url, tmp_path, path):
    root = tmp_path / "data"
    with pytest.raises(DownloadError, match="did not send a usable tar archive"):
        download_cifar10(root, url=base_url + path, md5=None, progress=False)
    assert leftovers(root) == []
    # the next attempt downloads again (nothing bad was cached) and succeeds
    folder = download_cifar10(root, url=base_url + "/good.tar.gz", md5=None, progress=False)
    assert len(load_cifar10(folder, "test")) == 10
    assert Handler.requests == [path, "/good.tar.gz"]


def test_without_md5_a_bad_archive_left_on_disk_is_replaced(base_url, tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    (root / "cifar-10-python.tar.gz").write_bytes(HTML)  # e.g. from an older version
    download_cifar10(root, url=base_url + "/good.tar.gz", md5=None, progress=False)
    assert (root / "cifar-10-python.tar.gz").read_bytes() == ARCHIVE
    assert Handler.requests == ["/good.tar.gz"]


def test_without_md5_a_sound_archive_on_disk_is_reused(base_url, tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    (root / "cifar-10-python.tar.gz").write_bytes(ARCHIVE)
    download_cifar10(root, url=base_url + "/good.tar.gz", md5=None, progress=False)
    assert Handler.requests == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x.tar.gz",
                                 "/tmp/cifar-10-python.tar.gz", "data:,hello"])
def test_only_http_urls_are_accepted(tmp_path, url):
    with pytest.raises(DownloadError, match="only http:// and https://"):
        download_cifar10(tmp_path, url=url, md5=None, progress=False)
    assert leftovers(tmp_path) == []
