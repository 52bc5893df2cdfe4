"""Exit 0 when the PostgreSQL server of the given URL answers, 1 otherwise (used by `make test`)."""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

import psycopg


def main(url: str) -> int:
    parts = urlsplit(url)
    # Connect to the maintenance database: the test database is created by the test run.
    dsn = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(dsn, connect_timeout=3):
            return 0
    except psycopg.Error:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
