"""Every example evidence bundle gives the verdict its README documents.

A bundle is ``examples/evidence/<policy>/<variant>/bundle.json``: the policy, ``--now``, the
arguments of ``golive gate`` (``./x`` is relative to the bundle), and the expected verdict
and blocking checks. A bundle with ``repo`` holds a base and a head tree; the test commits
them into a fresh git repository (signing the head commit with a key made by ``ssh-keygen``
when ``sign`` is set, and pinning that key at the base) and passes ``--repo`` and ``--base``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from gate_support import assert_valid_decision
from git_support import Repo, keygen

from golive.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
BUNDLES = sorted((ROOT / "examples" / "evidence").glob("*/*/bundle.json"))


def _copy_tree(src: Path, dst: Path) -> None:
    for path in sorted(src.rglob("*")):
        if path.is_file():
            target = dst / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)


def _build_repo(bundle: Path, spec: dict[str, object], tmp: Path) -> tuple[Path, str]:
    repo = Repo(tmp / "repo")  # the bundle's trees become a base and a head commit
    _copy_tree(bundle / str(spec["base"]), repo.path)
    key = None
    if "sign" in spec:  # pin a key at the base; sign the head with it when "sign" is true
        key, public = keygen(tmp, "release-key")
        signers = repo.path / ".github" / "allowed_signers"
        signers.parent.mkdir(parents=True, exist_ok=True)
        signers.write_text(f"release@example.com {public}\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "base")
    base = repo.git("rev-parse", "HEAD")
    _copy_tree(bundle / str(spec["head"]), repo.path)
    repo.git("add", "-A")
    sign = ["-S"] if key is not None and spec["sign"] else []
    message = str(spec.get("message", "the change"))
    repo.git("commit", "-q", *sign, "-m", message, key=key)
    return repo.path, base


def _head(repo: Path) -> str:
    import subprocess

    return subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


def _with_head(arg: str, head: str, tmp: Path) -> str:
    """Exports of the pull request name its head commit, known once the repo is built."""
    path = Path(arg)
    if not path.is_file() or "{HEAD}" not in path.read_text(encoding="utf-8"):
        return arg
    copy = tmp / path.name
    copy.write_text(path.read_text(encoding="utf-8").replace("{HEAD}", head), encoding="utf-8")
    return str(copy)


@pytest.mark.parametrize(
    "bundle_file", BUNDLES, ids=[f"{p.parent.parent.name}/{p.parent.name}" for p in BUNDLES]
)
def test_each_example_bundle_gives_its_documented_verdict(
    bundle_file: Path, tmp_path: Path
) -> None:
    bundle = bundle_file.parent
    spec = json.loads(bundle_file.read_text())
    assert (bundle / "README.md").is_file(), "every bundle documents why it passes or not"
    args = [str(bundle / a) if a.startswith("./") else a for a in spec["args"]]
    if "repo" in spec:
        repo, base = _build_repo(bundle, spec["repo"], tmp_path)
        head = _head(repo)
        args = [_with_head(a, head, tmp_path) for a in args]
        args += ["--repo", str(repo), "--base", base]
    result = CliRunner().invoke(
        cli,
        [
            "gate",
            "--policy",
            str(ROOT / "examples" / "policies" / spec["policy"]),
            "--now",
            spec["now"],
            "--format",
            "json",
            *args,
        ],
    )
    assert result.exit_code in (0, 1), result.output
    decision = json.loads(result.output)
    assert_valid_decision(decision)
    summary = {c["id"]: (c["outcome"], c["summary"]) for c in decision["checks"]}
    assert decision["verdict"] == spec["verdict"], summary
    assert decision["summary"]["blocking"] == spec["blocking"], summary
    assert result.exit_code == (1 if spec["verdict"] == "blocked" else 0)


def test_there_is_a_pass_and_a_blocked_bundle_for_each_policy_with_bundles() -> None:
    policies = {p.parent.parent.name for p in BUNDLES}
    for name in policies:
        variants = {p.parent.name for p in BUNDLES if p.parent.parent.name == name}
        assert {"pass", "blocked"} <= variants, name
