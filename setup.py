"""The optional C extension; everything else is in pyproject.toml.

``golive._native`` (src/golive/_native.c) holds the ledger verifier's inner loops. It needs a
C compiler and the SQLite and OpenSSL headers (Debian: ``libsqlite3-dev``, ``libssl-dev``).
It is optional: when it cannot be built the install goes on without it, and golive runs the
same checks in Python (``golive.native`` says which). ``GOLIVE_NO_NATIVE=1`` at install
time skips it.
"""

import os

from setuptools import Extension, setup

native = Extension(
    "golive._native",
    sources=["src/golive/_native.c"],
    libraries=["sqlite3", "crypto"],
    extra_compile_args=["-O2", "-pthread"],
    extra_link_args=["-pthread"],
    optional=True,
)

setup(ext_modules=[] if os.environ.get("GOLIVE_NO_NATIVE") == "1" else [native])
