"""Write (or check) ``docs/openapi.json``, the control plane's OpenAPI document.

``python -m golive.tools.genopenapi`` writes it; ``--check`` exits 1 when the
committed copy differs from what the code serves (the test suite runs that check).
The app is built on a throwaway SQLite URL: nothing connects.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from golive.tools.gendocs import ROOT

PATH = ROOT / "docs" / "openapi.json"


def document() -> dict[str, Any]:
    from golive.api.app import create_app
    from golive.settings import Settings

    app = create_app(Settings(database_url="sqlite:///:memory:"))
    spec: dict[str, Any] = app.openapi()
    spec["info"]["version"] = "v1"  # the API version, not the package's (which moves daily)
    return spec


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if docs/openapi.json is stale")
    args = parser.parse_args(argv)
    text = render()
    current = PATH.read_text(encoding="utf-8") if PATH.exists() else None
    if current == text:
        return 0
    if args.check:
        print(
            f"{PATH.relative_to(ROOT)} is out of date; run 'python -m golive.tools.genopenapi'",
            file=sys.stderr,
        )
        return 1
    PATH.write_text(text, encoding="utf-8")
    print(f"wrote {PATH.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
