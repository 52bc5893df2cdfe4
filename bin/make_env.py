"""Write a local `.env` for the demo, once: fresh random secrets, the sandbox switched on.

The file is git-ignored and never committed; running this again leaves an existing file alone.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ENV_FILE = Path(__file__).resolve().parent.parent / ".env"


def main() -> int:
    if ENV_FILE.exists():
        print(f"{ENV_FILE.name} already exists; keeping it.")
        return 0
    port = sys.argv[1] if len(sys.argv) > 1 else "8000"
    base = f"http://127.0.0.1:{port}"
    ENV_FILE.write_text(
        "# Local demo settings written by `make run`. Never commit this file.\n"
        "DEBUG=true\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"GUIDE_ENCRYPTION_KEYS={Fernet.generate_key().decode()}\n"
        "ASHBY_SANDBOX=true\n"
        f"ASHBY_API_URL={base}/sandbox/ashby/api\n"
        f"PUBLIC_BASE_URL={base}\n"
        f"GUIDE_METRICS_TOKEN={secrets.token_urlsafe(32)}\n"
    )
    ENV_FILE.chmod(0o600)
    print(f"Wrote {ENV_FILE.name} with new local secrets.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
