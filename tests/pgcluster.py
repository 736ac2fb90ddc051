"""A throwaway PostgreSQL cluster for the team store's tests: real server, never a mock.

One cluster per test session (per xdist worker), in a temporary folder, listening only on a
Unix socket there (no TCP port), trust authentication, stopped and deleted at the end. As
root, `initdb` refuses to run, so the server runs as the unprivileged user `nobody`
(`runuser`). Each test gets a database of its own (`team_url`).

Without PostgreSQL's server binaries the team tests are skipped with the reason -- except in
CI (`CI=true`), where `.ci/run` installs Debian's `postgresql` package and a missing server is
a failure.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SERVER_USER = "nobody"
PG_USER = "linkcheck"


def find_bindir() -> Path | None:
    """The folder of `initdb`/`pg_ctl`: on PATH, else Debian's newest /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = []
    for initdb in Path("/usr/lib/postgresql").glob("*/bin/initdb"):
        try:
            versions.append((int(initdb.parent.parent.name), initdb.parent))
        except ValueError:
            continue
    return max(versions)[1] if versions else None


class Cluster:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.base = Path(tempfile.mkdtemp(prefix="linkcheck-pg-"))
        self.base.chmod(0o755)
        self.data = self.base / "data"
        self.socket_dir = self.base / "sock"
        self.data.mkdir()
        self.socket_dir.mkdir()
        self._as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam(SERVER_USER)
            for folder in (self.data, self.socket_dir):
                os.chown(folder, user.pw_uid, user.pw_gid)
            self._as = ["runuser", "-u", SERVER_USER, "--"]
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self._as, *args], capture_output=True, text=True, cwd=self.base)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}{result.stderr}")

    def start(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", PG_USER, "-E", "UTF8",
                  "--no-sync", "--no-instructions")
        options = f"-k {self.socket_dir} -c listen_addresses='' -F -c max_connections=60 -c shared_buffers=16MB"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-t", "60",
                  "-l", str(self.data / "server.log"), "start")

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql://{PG_USER}@/{database}?host={self.socket_dir}"

    def new_database(self) -> str:
        import psycopg

        name = f"team_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as pg:
            pg.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def sql(self, url: str, statement: str, params=None):
        """Run SQL on the server directly, as a hostile or broken server could."""
        import psycopg

        with psycopg.connect(url, autocommit=True) as pg:
            cur = pg.execute(statement, params)
            return cur.fetchall() if cur.description else None


@pytest.fixture(scope="session")
def pg_cluster():
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI: no PostgreSQL server binaries (initdb); .ci/run installs Debian's postgresql package")
        pytest.skip("no PostgreSQL server binaries (initdb) on this machine: install PostgreSQL (Debian: "
                    "apt-get install postgresql) to run the team store tests")
    cluster = Cluster(bindir)
    try:
        cluster.start()
    except BaseException:
        shutil.rmtree(cluster.base, ignore_errors=True)
        raise
    yield cluster
    cluster.stop()


@pytest.fixture
def team_url(pg_cluster) -> str:
    """The URL of a new, empty database on the session's cluster (no team store in it yet)."""
    return pg_cluster.new_database()
