"""The optional C extension; everything else is in pyproject.toml.

``golive._native`` (src/golive/_native.c) holds the ledger verifier's inner loops. It needs a
C compiler and the SQLite and OpenSSL headers (Debian: ``libsqlite3-dev``, ``libssl-dev``).
Where the libpq headers are found too (Debian: ``libpq-dev``; located with ``pg_config``, or
in ``/usr/include/postgresql``) it also verifies PostgreSQL ledgers in C; ``GOLIVE_NO_LIBPQ=1``
leaves that part out. It is optional: when it cannot be built the install goes on without
it, and golive runs the same checks in Python (``golive.native`` says which).
``GOLIVE_NO_NATIVE=1`` at install time skips it.
"""

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import Extension, setup


def _libpq_include() -> str | None:
    """The directory holding ``libpq-fe.h``, or None."""
    if os.environ.get("GOLIVE_NO_LIBPQ") == "1":
        return None
    candidates = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            found = subprocess.run(
                [pg_config, "--includedir"], capture_output=True, text=True, check=True
            ).stdout.strip()
            candidates.append(found)
        except (OSError, subprocess.CalledProcessError):
            pass
    candidates.append("/usr/include/postgresql")
    for directory in candidates:
        if directory and (Path(directory) / "libpq-fe.h").is_file():
            return directory
    return None


libpq = _libpq_include()
native = Extension(
    "golive._native",
    sources=["src/golive/_native.c", "src/golive/_gate.c", "src/golive/_findings.c"],
    depends=["src/golive/_native.h"],
    libraries=["sqlite3", "crypto", *(["pq"] if libpq else [])],
    include_dirs=[libpq] if libpq else [],
    define_macros=[("GOLIVE_LIBPQ", "1")] if libpq else [],
    extra_compile_args=["-O2", "-pthread"],
    extra_link_args=["-pthread"],
    optional=True,
)

setup(ext_modules=[] if os.environ.get("GOLIVE_NO_NATIVE") == "1" else [native])
