"""`make bench-cluster`: requests per second through the load balancer with one web host and
with two (tests/support/cluster.py: hosts in network namespaces, HAProxy in front).

Each web host runs one gunicorn process (four threads), standing for a small server with one
core: this machine has two cores in all, shared by every host, the balancer, PostgreSQL and
the load generator, so a host with more processes would only take them from its neighbour.
wrk (Debian's package) drives the load for BENCH_SECONDS per page from this machine's own leg
on the hosts' bridge. The second web host is taken out of the balancer through HAProxy's admin
socket (as an operator drains a server) and put back, on the same cluster and data.

Not a test: it prints figures for the notes. Needs root (namespaces), HAProxy, wrk.
"""

import os
import re
import socket
import subprocess
import sys
import time

from tests.support.cluster import SITE, Cluster, available

SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
PAGES = ["/", "/events/", "/join/"]


def haproxy(cluster: Cluster, command: str) -> str:
    with socket.socket(socket.AF_UNIX) as admin:
        admin.connect(str(cluster.run / "haproxy.sock"))
        admin.sendall(command.encode() + b"\n")
        return admin.recv(65536).decode()


def wrk(path: str) -> tuple[float, str, int]:
    """Requests per second, the 99th percentile latency and non-2xx/3xx answers."""
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", SITE + path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+(\S+)", output).group(1)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: .*", output)
    return rps, p99 + (f" ({errors.group(0)})" if errors else ""), int(bad.group(1)) if bad else 0


def measure(label: str) -> dict[str, float]:
    figures = {}
    for path in PAGES:
        wrk(path)  # warm: every process has the page in memory
        rps, p99, bad = wrk(path)
        figures[path] = rps
        print(f"  {label:<14} {path:<10} {rps:8.0f} req/s   p99 {p99}   errors {bad}")
    return figures


def main() -> None:
    missing = available()
    if missing:
        sys.exit(f"bench-cluster needs {missing}")
    print(f"Starting the cluster (one gunicorn process per web host; {CONNECTIONS} connections)")
    with Cluster(extra_env={"GUNICORN_WORKERS": "1"}) as cluster:
        two = measure("two web hosts")
        haproxy(cluster, "disable server web/web2")
        time.sleep(1)  # let HAProxy's connections to web2 finish
        one = measure("one web host")
        haproxy(cluster, "enable server web/web2")
    print("\nRequests per second, one web host -> two:")
    for path in PAGES:
        print(f"  {path:<10} {one[path]:8.0f} -> {two[path]:8.0f}  (x{two[path] / one[path]:.2f})")


if __name__ == "__main__":
    main()
