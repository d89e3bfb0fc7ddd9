"""Many hosts on one machine: the site as a campaign runs it on several servers, each server a
Linux network namespace this code makes (and removes), joined by a bridge of their own.

    db     10.231.47.2   PostgreSQL (a cluster of its own), Redis, an SMTP server (maildir)
    lb     10.231.47.10  HAProxy, round robin with health checks, the site's address
    web1   10.231.47.11  gunicorn          web2   10.231.47.12  gunicorn
    work1  10.231.47.21  Celery worker     work2  10.231.47.22  Celery worker
    beat   10.231.47.31  Celery beat

The machine running the test joins the bridge as 10.231.47.1 (and as VISITORS, the addresses
the simulated visitors come from), so every packet goes to a namespace's own address; none
leaves the machine. Killing a host is killing every process in its namespace (SIGKILL).

Used by tests/campaign_site/test_cluster.py and `make bench-cluster`
(tests/benchmarks/cluster.py). Needs root, iproute2, HAProxy and PostgreSQL's server binaries.
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.worker import PROJECT_DIR

SUBNET = "10.231.47"
HOSTS = {
    "db": f"{SUBNET}.2",
    "lb": f"{SUBNET}.10",
    "web1": f"{SUBNET}.11",
    "web2": f"{SUBNET}.12",
    "work1": f"{SUBNET}.21",
    "work2": f"{SUBNET}.22",
    "beat": f"{SUBNET}.31",
}
HERE = f"{SUBNET}.1"
VISITORS = [f"{SUBNET}.{n}" for n in range(100, 140)]
SITE = f"http://{HOSTS['lb']}"
VENV_BIN = Path(sys.executable).parent

HAPROXY_CFG = """
global
    maxconn 4096
    stats socket {run}/haproxy.sock mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    # A host busy with a burst still answers its health check within this.
    timeout check 5s
    # A server that refuses or drops the connection before answering: try the other one.
    # (A sign-up or a claim sent again is safe: both are idempotent for the same visitor.)
    retries 3
    option redispatch
    retry-on conn-failure empty-response
    option http-buffer-request

frontend site
    bind {lb}:80
    option forwardfor
    default_backend web

backend web
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz/ hdr Host {lb}
    default-server check inter 1s fall 3 rise 2
{servers}
"""


def postgres_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    if not versions:
        raise RuntimeError("PostgreSQL's server binaries are not installed")
    return versions[-1].parent


def available() -> str | None:
    """Why a cluster cannot run here, or None."""
    if os.geteuid() != 0:
        return "root (network namespaces)"
    for program in ("ip", "haproxy", "runuser"):
        if shutil.which(program) is None:
            return program
    try:
        postgres_bin()
    except RuntimeError as error:
        return str(error)
    return None


def sh(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


@dataclass
class Cluster:
    web_hosts: tuple[str, ...] = ("web1", "web2")
    worker_hosts: tuple[str, ...] = ("work1", "work2")
    extra_env: dict[str, str] = field(default_factory=dict)
    tag: str = field(default_factory=lambda: secrets.token_hex(2))

    def __post_init__(self):
        self.stack = ExitStack()
        self.run = Path(tempfile.mkdtemp(prefix="campaign-cluster-"))
        self.run.chmod(0o755)
        self.processes: dict[str, list[subprocess.Popen]] = {}
        self.maildir = self.run / "maildir"
        self.database = f"postgres://postgres@{HOSTS['db']}:5432/campaign"
        self.env = {
            "PATH": f"{VENV_BIN}:/usr/bin:/bin:/usr/sbin:/sbin",
            "HOME": str(self.run),
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SECRET_KEY": "cluster-" + secrets.token_urlsafe(40),
            "DATABASE_URL": self.database,
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": f"redis://{HOSTS['db']}:6379/0",
            "SITE_URL": SITE,
            "TRUSTED_PROXY_COUNT": "1",
            "EMAIL_HOST": HOSTS["db"],
            "EMAIL_PORT": "2525",
            "DEFAULT_FROM_EMAIL": "Campaign <team@example.org>",
            "CAMPAIGN_VAR_DIR": str(self.run / "var"),
            "GUNICORN_BIND": "0.0.0.0:8000",
            "GUNICORN_WORKERS": "2",
            **self.extra_env,
        }

    def namespace(self, host: str) -> str:
        return f"cs{self.tag}-{host}"

    # --- the network ---------------------------------------------------------------------

    def _network_up(self) -> None:
        bridge = self.namespace("net")
        sh("ip", "netns", "add", bridge)
        self.stack.callback(subprocess.run, ["ip", "netns", "del", bridge], check=False)
        sh("ip", "-n", bridge, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", bridge, "link", "set", "br0", "up")
        for host, address in HOSTS.items():
            namespace = self.namespace(host)
            sh("ip", "netns", "add", namespace)
            self.stack.callback(subprocess.run, ["ip", "netns", "del", namespace], check=False)
            sh("ip", "link", "add", "eth0", "netns", namespace, "type", "veth",
               "peer", "name", host, "netns", bridge)  # fmt: skip
            sh("ip", "-n", bridge, "link", "set", host, "master", "br0", "up")
            sh("ip", "-n", namespace, "addr", "add", f"{address}/24", "dev", "eth0")
            sh("ip", "-n", namespace, "link", "set", "eth0", "up")
            sh("ip", "-n", namespace, "link", "set", "lo", "up")
        # This machine's own leg on the bridge, with the visitors' addresses.
        here = f"cs{self.tag}"
        sh("ip", "link", "add", here, "type", "veth", "peer", "name", "here", "netns", bridge)
        self.stack.callback(subprocess.run, ["ip", "link", "del", here], check=False)
        sh("ip", "-n", bridge, "link", "set", "here", "master", "br0", "up")
        sh("ip", "addr", "add", f"{HERE}/24", "dev", here)
        for address in VISITORS:
            sh("ip", "addr", "add", f"{address}/32", "dev", here)
        sh("ip", "link", "set", here, "up")

    # --- processes on hosts --------------------------------------------------------------

    def start(self, host: str, command: list, *, user: str | None = None, env=None, name=None):
        log = self.run / f"{name or host}.log"
        prefix = ["ip", "netns", "exec", self.namespace(host)]
        if user:
            prefix += ["runuser", "-u", user, "--"]
        process = subprocess.Popen(  # noqa: S603
            [*prefix, *map(str, command)],
            cwd=PROJECT_DIR,
            env=env or self.env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.setdefault(host, []).append(process)
        return process

    def log(self, name: str) -> str:
        path = self.run / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill_host(self, host: str) -> None:
        """The host dies: every process in its namespace is killed at once."""
        pids = subprocess.run(
            ["ip", "netns", "pids", self.namespace(host)], capture_output=True, text=True
        ).stdout.split()
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        for process in self.processes.pop(host, []):
            process.wait(timeout=10)

    def wait_for(self, condition, what: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                logs = "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in
                                 sorted(self.run.glob("*.log")))  # fmt: skip
                raise AssertionError(f"no {what} within {timeout} s\n{logs}")
            time.sleep(0.1)

    def manage(self, host: str, *arguments: str) -> str:
        result = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                self.namespace(host),
                VENV_BIN / "python",
                "manage.py",
                *arguments,
            ],  # fmt: skip
            cwd=PROJECT_DIR,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise AssertionError(f"manage.py {' '.join(arguments)}:\n{result.stderr[-3000:]}")
        return result.stdout

    def shell(self, host: str, code: str):
        """Run `code` in `manage.py shell` on `host`; what its last printed line says, as JSON."""
        lines = self.manage(host, "shell", "--no-imports", "-c", code).strip().splitlines()
        return json.loads(lines[-1]) if lines else None

    # --- the services --------------------------------------------------------------------

    def _database_host_up(self) -> None:
        data = self.run / "pgdata"
        data.mkdir()
        shutil.chown(data, "postgres", "postgres")
        sh("runuser", "-u", "postgres", "--", str(postgres_bin() / "initdb"), "-D", str(data),
           "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")  # fmt: skip
        with (data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {SUBNET}.0/24 trust\n")
        self.start(
            "db",
            [
                postgres_bin() / "postgres",
                "-D",
                data,
                "-c",
                f"listen_addresses={HOSTS['db']}",
                "-c",
                f"unix_socket_directories={data}",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=300",
            ],  # fmt: skip
            user="postgres",
            name="postgres",
        )
        self.start(
            "db",
            [
                "redis-server",
                "--bind",
                HOSTS["db"],
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
            ],  # fmt: skip
            name="redis",
        )
        self.start(
            "db",
            [
                VENV_BIN / "python",
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"{HOSTS['db']}:2525",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                self.maildir,
            ],  # fmt: skip
            name="smtp",
        )
        self.wait_for(self._postgres_answers, "PostgreSQL on the db host")
        sh("ip", "netns", "exec", self.namespace("db"), "createdb", "-h", HOSTS["db"],
           "-U", "postgres", "campaign")  # fmt: skip

    def _postgres_answers(self) -> bool:
        return (
            subprocess.run(
                ["pg_isready", "-q", "-h", HOSTS["db"], "-p", "5432"], capture_output=True
            ).returncode
            == 0
        )

    def start_web(self, host: str) -> None:
        self.start(host, [VENV_BIN / "gunicorn", "-c", "python:campaign_site.gunicorn_conf",
                          "campaign_site.wsgi"])  # fmt: skip
        self.wait_for(lambda: self.answers(f"http://{HOSTS[host]}:8000/healthz/"), f"{host}")

    def start_worker(self, host: str) -> None:
        self.start(host, [VENV_BIN / "celery", "-A", "campaign_site", "worker", "-l", "INFO",
                          "--concurrency=2", "-n", f"{host}@%h"])  # fmt: skip
        self.wait_for(lambda: "ready." in self.log(host), f"worker on {host}")

    def _balancer_up(self) -> None:
        servers = "\n".join(
            f"    server {host} {HOSTS[host]}:8000" for host in ("web1", "web2")
            if host in self.web_hosts
        )  # fmt: skip
        config = self.run / "haproxy.cfg"
        config.write_text(HAPROXY_CFG.format(run=self.run, lb=HOSTS["lb"], servers=servers))
        self.start("lb", ["haproxy", "-W", "-db", "-f", config], name="haproxy")
        self.wait_for(lambda: self.answers(f"{SITE}/healthz/"), "the site through HAProxy")

    @staticmethod
    def answers(url: str) -> bool:
        host = HOSTS["lb"]
        request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False

    def __enter__(self) -> "Cluster":
        try:
            self._network_up()
            self._database_host_up()
            self.manage("web1", "migrate", "--noinput", "-v0")
            self.manage("web1", "collectstatic", "--noinput", "-v0")
            for host in self.web_hosts:
                self.start_web(host)
            for host in self.worker_hosts:
                self.start_worker(host)
            self.start("beat", [VENV_BIN / "celery", "-A", "campaign_site", "beat", "-l", "INFO",
                                "-s", self.run / "beat-schedule"])  # fmt: skip
            self._balancer_up()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        for host in list(self.processes):
            self.kill_host(host)
        self.stack.close()
        shutil.rmtree(self.run, ignore_errors=True)

    # --- what arrived --------------------------------------------------------------------

    def emails(self) -> list:
        """Every email the SMTP server on the db host has received."""
        import mailbox

        if not (self.maildir / "new").exists():
            return []
        return list(mailbox.Maildir(self.maildir, create=False))
