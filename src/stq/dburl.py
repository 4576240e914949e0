"""DATABASE_URL parsing that also accepts libpq's multi-host form (no Django imports: settings use it).

    postgres://stq@db1:5432,db2:5432,db3:5432/stq_prod?target_session_attrs=read-write

dj-database-url rejects a comma-separated host list, so the hosts are taken out, the rest is parsed by
dj-database-url as usual, and HOST / PORT become libpq's lists ("db1,db2,db3" / "5432,5432,5432"): psycopg hands
them to libpq, which tries the hosts in order and keeps the first that satisfies `target_session_attrs`
(read-write = the current primary). Query parameters become connection OPTIONS as dj-database-url makes them.
"""

from __future__ import annotations

from urllib.parse import unquote

import dj_database_url

MULTI_HOST_PLACEHOLDER = "multi-host.invalid"


def split_hosts(url: str) -> tuple[str, list[tuple[str, str]]]:
    """(url with the host list replaced by one placeholder host, [(host, port), ...]); no list → (url, [])."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url, []
    netloc, slash, tail = rest.partition("/")
    userinfo, at, hostlist = netloc.rpartition("@")
    if "," not in hostlist:
        return url, []
    hosts = []
    for item in hostlist.split(","):
        if item.startswith("["):  # [ipv6]:port
            host, _, port = item[1:].partition("]")
            port = port.lstrip(":")
        else:
            host, _, port = item.partition(":")
        if not host:
            raise ValueError(f"DATABASE_URL: empty host in the host list {hostlist!r}")
        hosts.append((unquote(host), port))
    return f"{scheme}://{userinfo}{at}{MULTI_HOST_PLACEHOLDER}{slash}{tail}", hosts


def parse(url: str, **kwargs) -> dict:
    """dj_database_url.parse, plus the multi-host form (PostgreSQL only)."""
    single, hosts = split_hosts(url)
    config = dj_database_url.parse(single, **kwargs)
    if hosts:
        if "postgresql" not in config["ENGINE"]:
            raise ValueError("DATABASE_URL: a host list is only supported for PostgreSQL")
        config["HOST"] = ",".join(h for h, _ in hosts)
        ports = [p or "5432" for _, p in hosts]
        config["PORT"] = ports[0] if len(set(ports)) == 1 else ",".join(ports)
    return config
