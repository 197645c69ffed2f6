"""Link-checker benchmark: kbcheck against markdown-link-check on the same loopback URLs.

A server in a child process answers on 20 loopback addresses (127.0.0.2 ... 127.0.0.21), each
response after 20 ms. Both tools check the same 2,000 distinct URLs in the same run; the figures
are printed side by side. Then a synthetic KB citing 50 arXiv papers is checked against a local
stand-in for the arXiv API, to show that all 50 ids are resolved in one request.

    python bench/links.py [--urls 2000] [--hosts 20] [--latency-ms 20] [--repeat 3]
                          [--mlc PATH | --no-mlc]

markdown-link-check comes from the npm registry: with no --mlc, it is installed into
bench/.node (ignored by git) on the first run; without npm the comparison is skipped, saying why.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kbcheck.links import HostPolicy, LinkConfig, Outcome, check_links  # noqa: E402
from kbcheck.models import Article, Source  # noqa: E402

NODE_DIR = Path(__file__).resolve().parent / ".node"


# --- the loopback server (child process) ----------------------------------------------------

def _atom(ids: list[str]) -> bytes:
    entries = "".join(
        f"<entry><id>http://arxiv.org/abs/{i}v1</id><published>2023-01-02T00:00:00Z</published>"
        f"<updated>2023-01-02T00:00:00Z</updated><title>Synthetic paper {i}</title></entry>"
        for i in ids)
    return (f'<feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>').encode()


async def _serve(hosts: list[str], latency: float, ready, stats) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
                await asyncio.sleep(latency)
                parts = urlsplit(target)
                body, ctype = b"<html><title>page</title></html>", "text/html"
                if parts.path == "/api/query":
                    stats["arxiv"] = stats.get("arxiv", 0) + 1
                    ids = parse_qs(parts.query)["id_list"][0].split(",")
                    body, ctype = _atom(ids), "application/atom+xml"
                else:
                    stats["pages"] = stats.get("pages", 0) + 1
                head_out = (f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\n"
                            f"Content-Length: {len(body)}\r\n\r\n").encode()
                writer.write(head_out + (b"" if method == "HEAD" else body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    first = await asyncio.start_server(handle, hosts[0], 0, backlog=1024)
    port = first.sockets[0].getsockname()[1]
    servers = [first] + [await asyncio.start_server(handle, h, port, backlog=1024)
                         for h in hosts[1:]]
    ready.send(port)
    while True:
        await asyncio.sleep(0.2)
        if ready.poll():
            ready.recv()
            ready.send(dict(stats))
            if all(s.is_serving() for s in servers):
                continue


def _server_main(hosts, latency, conn) -> None:
    asyncio.run(_serve(hosts, latency, conn, {}))


class Server:
    """The benchmark server in a child process, so it does not share the client's core."""

    def __init__(self, hosts: list[str], latency_s: float) -> None:
        self._conn, child = multiprocessing.Pipe()
        self._proc = multiprocessing.Process(target=_server_main, args=(hosts, latency_s, child),
                                             daemon=True)
        self._proc.start()
        self.port = self._conn.recv()

    def stats(self) -> dict:
        """Requests the server answered so far: {"pages": n, "arxiv": n}."""
        self._conn.send("stats")
        return self._conn.recv()

    def stop(self) -> None:
        """End the child process."""
        self._proc.terminate()
        self._proc.join(5)


# --- the two tools ---------------------------------------------------------------------------

def bench_kbcheck(urls: list[str], hosts: list[str]) -> tuple[float, dict[str, int], int]:
    """Seconds, outcome counts and requests of one kbcheck run over `urls`."""
    article = Article(path="bench.md", format="flat-markdown",
                      body_links=[Source(url=u) for u in urls])
    # The benchmark host is ours: politeness raised, as a user would for an intranet server.
    # Four connections per host and 64 in flight: more only adds pool bookkeeping (httpcore
    # checks every idle connection of a pool for each request it places).
    config = LinkConfig(allow_addresses=frozenset({"loopback"}), probe=None, max_concurrency=64,
                        hosts={h: HostPolicy(max_concurrency=4, min_gap_s=0.0) for h in hosts})
    start = time.perf_counter()
    report = check_links([article], config)
    return time.perf_counter() - start, report.counts(), report.requests


def find_mlc(given: str | None) -> tuple[list[str] | None, str]:
    """The markdown-link-check command, installing it into bench/.node if needed, or why not."""
    if given:
        return [given], "given"
    local = NODE_DIR / "node_modules" / ".bin" / "markdown-link-check"
    if not local.exists():
        npm = shutil.which("npm")
        if npm is None:
            return None, "npm is not installed"
        done = subprocess.run([npm, "install", "--prefix", str(NODE_DIR), "--no-audit",
                               "--no-fund", "markdown-link-check"], capture_output=True,
                              text=True, timeout=600)
        if done.returncode != 0 or not local.exists():
            return None, f"npm install failed: {done.stderr.strip()[-300:]}"
    return [str(local)], "npm"


def bench_mlc(cmd: list[str], urls: list[str]) -> tuple[float, int, int, str]:
    """Seconds, links reported alive, links reported dead, and the tool's version."""
    with tempfile.TemporaryDirectory() as tmp:
        md = Path(tmp) / "bench.md"
        md.write_text("# bench\n\n" + "".join(f"- [l{i}]({u})\n" for i, u in enumerate(urls)))
        version = subprocess.run([*cmd, "--version"], capture_output=True, text=True).stdout
        start = time.perf_counter()
        done = subprocess.run([*cmd, str(md)], capture_output=True, text=True, timeout=1800)
        elapsed = time.perf_counter() - start
    alive = len(re.findall(r"\[✓\]", done.stdout))
    dead = len(re.findall(r"\[✖\]", done.stdout))
    return elapsed, alive, dead, version.strip()


def bench_arxiv(server: Server, n: int = 50) -> tuple[int, int, int]:
    """(ids cited, ids resolved ok, arXiv API requests) for a synthetic KB of `n` papers."""
    ids = [f"2301.{k:05d}" for k in range(1, n + 1)]
    articles = [Article(path=f"kb/{k}.md", format="frontmatter-markdown",
                        primary_sources=[Source(title=f"Synthetic paper {i}", year=2023,
                                                url=f"https://arxiv.org/abs/{i}")])
                for k, i in enumerate(ids)]
    before = server.stats().get("arxiv", 0)
    config = LinkConfig(allow_addresses=frozenset({"loopback"}), probe=None,
                        arxiv_api=f"http://127.0.0.1:{server.port}/api/query")
    report = check_links(articles, config)
    ok = sum(r.outcome is Outcome.ok for r in report.results)
    return n, ok, server.stats().get("arxiv", 0) - before


def main() -> int:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--urls", type=int, default=2000)
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--latency-ms", type=float, default=20.0)
    ap.add_argument("--mlc", help="path of a markdown-link-check executable")
    ap.add_argument("--no-mlc", action="store_true", help="skip markdown-link-check")
    ap.add_argument("--repeat", type=int, default=1, help="runs per tool; the median is shown")
    args = ap.parse_args()
    hosts = [f"127.0.0.{k}" for k in range(2, 2 + args.hosts)]
    server = Server([*hosts, "127.0.0.1"], args.latency_ms / 1000)
    try:
        urls = [f"http://{hosts[k % len(hosts)]}:{server.port}/page/{k}"
                for k in range(args.urls)]
        runs = [bench_kbcheck(urls, hosts) for _ in range(args.repeat)]
        secs, counts, requests = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
        rows = [("kbcheck", secs, counts.get("ok", 0), requests)]
        note = ""
        if not args.no_mlc:
            cmd, how = find_mlc(args.mlc)
            if cmd is None:
                note = f"markdown-link-check skipped: {how}"
            else:
                before = server.stats().get("pages", 0)
                m_runs = [bench_mlc(cmd, urls) for _ in range(args.repeat)]
                sent = (server.stats().get("pages", 0) - before) // args.repeat
                m_secs, alive, dead, version = sorted(m_runs)[len(m_runs) // 2]
                rows.append((f"markdown-link-check {version}", m_secs, alive, sent))
                if dead:
                    note = f"markdown-link-check reported {dead} dead links"
        n, ok, arxiv_requests = bench_arxiv(server)
    finally:
        server.stop()
    print(f"{len(urls)} distinct URLs over {len(hosts)} loopback hosts, "
          f"{args.latency_ms:g} ms per response, median of {args.repeat} run(s) per tool, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'tool':<34}{'seconds':>9}{'URLs/s':>9}{'ok':>7}{'requests':>10}")
    for name, s, good, sent in rows:
        print(f"{name:<34}{s:>9.2f}{len(urls) / s:>9.0f}{good:>7}{sent:>10}")
    if len(rows) == 2:
        print(f"speed-up: {rows[1][1] / rows[0][1]:.1f}x")
    if note:
        print(note)
    print(f"arXiv: {n} ids cited, {ok} resolved, in {arxiv_requests} API request(s)")
    print(json.dumps({"urls": len(urls), "kbcheck_urls_per_s": round(len(urls) / rows[0][1]),
                      "mlc_urls_per_s": round(len(urls) / rows[1][1]) if len(rows) == 2 else None,
                      "arxiv_ids": n, "arxiv_requests": arxiv_requests}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
