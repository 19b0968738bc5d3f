"""The store URL from CORRIDOR_STORE, from a file (--store-file, CORRIDOR_STORE_FILE) so that no password sits on
a command line, and a warning on stderr when --store carries one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from corridor.errors import InvalidOptionError
from corridor.store.database import default_store_url, store_url_from_file

SECRET_URL = "postgresql://corridor:s3cret-pw@127.0.0.1:9/corridor"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CORRIDOR_STORE")}
    return subprocess.run(
        [sys.executable, "-m", "corridor", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **(env or {})},
    )


def test_the_file_holds_the_first_url_line(tmp_path: Path) -> None:
    path = tmp_path / "store.url"
    path.write_text("# the results store\n\n  sqlite:///runs.sqlite  \nignored\n", encoding="utf-8")
    assert store_url_from_file(path) == "sqlite:///runs.sqlite"


@pytest.mark.parametrize(
    ("text", "message"),
    [(None, "cannot be read: No such file"), ("# only a comment\n\n", "holds no URL"), (b"\xff\xfe", "not UTF-8")],
)
def test_bad_store_files_are_named(tmp_path: Path, text: str | bytes | None, message: str) -> None:
    path = tmp_path / "store.url"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    elif isinstance(text, bytes):
        path.write_bytes(text)
    with pytest.raises(InvalidOptionError, match=f"Store file {str(path)!r}.*{message}"):
        store_url_from_file(path)


def test_environment_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "store.url"
    path.write_text("sqlite:///from-file.sqlite\n", encoding="utf-8")
    monkeypatch.delenv("CORRIDOR_STORE", raising=False)
    monkeypatch.setenv("CORRIDOR_STORE_FILE", str(path))
    assert default_store_url() == "sqlite:///from-file.sqlite"
    monkeypatch.setenv("CORRIDOR_STORE", "sqlite:///from-env.sqlite")  # the URL itself wins
    assert default_store_url() == "sqlite:///from-env.sqlite"


def test_apikey_with_store_file_and_env_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.sqlite'}"
    path = tmp_path / "store.url"
    path.write_text(url + "\n", encoding="utf-8")
    made = run("apikey", "create", "--name", "a", "--store-file", str(path), "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["store"] == url and "warning" not in made.stderr
    listed = run("apikey", "list", "--json", env={"CORRIDOR_STORE_FILE": str(path)})
    assert listed.returncode == 0 and [k["name"] for k in json.loads(listed.stdout)] == ["a"]
    runs = run("scenario", "runs", "--store-file", str(path), "--json")
    assert runs.returncode == 0 and json.loads(runs.stdout) == []


def test_a_password_on_the_command_line_is_warned_about(tmp_path: Path) -> None:
    result = run("apikey", "list", "--store", SECRET_URL)
    assert "warning: --store holds a password" in result.stderr and "--store-file" in result.stderr
    assert result.returncode == 2 and "s3cret-pw" not in result.stderr  # it cannot connect; the message hides it
    path = tmp_path / "store.url"
    path.write_text(SECRET_URL, encoding="utf-8")
    quiet = run("apikey", "list", "--store-file", str(path))
    assert quiet.returncode == 2 and "warning" not in quiet.stderr and "s3cret-pw" not in quiet.stderr
    plain = run("apikey", "list", "--store", f"sqlite:///{tmp_path / 'k.sqlite'}")
    assert plain.returncode == 0 and "warning" not in plain.stderr


def test_store_and_store_file_together_are_refused(tmp_path: Path) -> None:
    result = run("apikey", "list", "--store", "sqlite:///x.sqlite", "--store-file", str(tmp_path / "f"))
    assert result.returncode == 2 and "--store or with --store-file, not both" in result.stderr


def test_serve_with_a_store_file_keeps_the_url_out_of_the_process_list(tmp_path: Path) -> None:
    import socket
    import time
    import urllib.request

    url = f"sqlite:///{tmp_path / 'served.sqlite'}"
    path = tmp_path / "store.url"
    path.write_text(url + "\n", encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CORRIDOR_STORE")}
    command = [sys.executable, "-m", "corridor", "serve", "--port", str(port), "--store-file", str(path)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=clean)
    try:
        deadline, health = time.monotonic() + 60, None
        while time.monotonic() < deadline and health is None and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                    health = json.loads(answer.read())
            except OSError:
                time.sleep(0.2)
        assert health is not None and health["store"] == url
        argv = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode().split("\0")
        assert "--store-file" in argv and not any(url in a for a in argv)
    finally:
        process.terminate()
        process.wait(15)
        assert process.stderr is not None
        process.stderr.close()
