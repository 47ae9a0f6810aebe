"""``golive gate`` on a large evidence bundle, against merely parsing the same files.

    python bench/gate_large.py [--sarif N] [--components C] [--vulns V] [--cases T] [--repeat R]

Generates, in a temporary directory (deterministic content, built before timing):

- N SARIF results (100,000 by default) spread over 3 files of one tool each, with rules,
  locations and a mix of levels and ``security-severity`` values;
- a CycloneDX 1.6 SBOM with C components (10,000) and V vulnerabilities (5,000) with CVSS
  ratings and ``affects`` references;
- a JUnit XML report with T test cases (50,000) in 50 suites, a few failing.

Then, each in a fresh process, best of R runs (wall time and peak RSS from ``getrusage``):

- **bare parsing**: ``json.load`` of every JSON file and ``ElementTree.parse`` of the XML,
  nothing else (the floor for anything that reads these files);
- **golive gate**: the whole command (``golive gate --format json``), with a policy that has
  a ``tests_pass`` gate and a ``security`` gate over SAST and SCA, output to /dev/null.

Targets (issue: the release gate, part 1): gate time <= 2x bare parsing, peak memory <= 500 MB.
Record the figures in docs/performance.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

POLICY = """apiVersion: golive/v1
metadata: {name: bench}
environments:
  - id: production
gates:
  - id: tests
    type: tests_pass
    params: {pass_rate: 99}
  - id: security
    type: security
    params:
      sast: {max_severity: critical}
      sca: {max_severity: critical}
"""

BARE = """
import json, sys, xml.etree.ElementTree as ET
from pathlib import Path
for p in sorted(Path(sys.argv[1]).iterdir()):
    if p.suffix == ".xml":
        ET.parse(p)
    else:
        with open(p, "rb") as fh:
            json.load(fh)
"""


def make_sarif(directory: Path, results: int, files: int = 3) -> None:
    rng = random.Random(1)
    per_file = results // files
    for f in range(files):
        rules = [
            {
                "id": f"T{f}-R{r}",
                "defaultConfiguration": {"level": rng.choice(["error", "warning", "note"])},
                "properties": {"security-severity": f"{rng.uniform(0.5, 9.9):.1f}"},
            }
            for r in range(200)
        ]
        out = []
        for i in range(per_file):
            r = rng.randrange(200)
            out.append(
                {
                    "ruleId": f"T{f}-R{r}",
                    "ruleIndex": r,
                    "message": {"text": f"finding {i} of rule {r} in file {f}"},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": f"src/pkg{i % 97}/mod{i % 31}.py"},
                                "region": {"startLine": i % 2000 + 1, "startColumn": 5},
                            }
                        }
                    ],
                    "partialFingerprints": {"primaryLocationLineHash": f"{i:016x}"},
                }
            )
        doc = {
            "version": "2.1.0",
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "runs": [
                {
                    "tool": {"driver": {"name": f"BenchTool{f}", "version": "1.0", "rules": rules}},
                    "invocations": [{"executionSuccessful": True}],
                    "results": out,
                }
            ],
        }
        (directory / f"scan{f}.sarif").write_text(json.dumps(doc))


def make_cyclonedx(directory: Path, components: int, vulns: int) -> None:
    rng = random.Random(2)
    comps = [
        {
            "type": "library",
            "bom-ref": f"pkg:pypi/package-{i}@1.{i % 10}.0",
            "name": f"package-{i}",
            "version": f"1.{i % 10}.0",
            "purl": f"pkg:pypi/package-{i}@1.{i % 10}.0",
        }
        for i in range(components)
    ]
    vs = []
    for i in range(vulns):
        target = comps[rng.randrange(components)]["bom-ref"]
        vs.append(
            {
                "id": f"CVE-2026-{10000 + i}",
                "ratings": [
                    {
                        "source": {"name": "NVD"},
                        "score": round(rng.uniform(1.0, 9.8), 1),
                        "severity": "high",
                        "method": "CVSSv31",
                        "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
                    }
                ],
                "affects": [{"ref": target}],
                "description": f"synthetic vulnerability {i}",
            }
        )
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {"timestamp": "2026-11-24T09:00:00Z"},
        "components": comps,
        "vulnerabilities": vs,
    }
    (directory / "sbom.cdx.json").write_text(json.dumps(doc))


def make_junit(directory: Path, cases: int, suites: int = 50) -> None:
    per = cases // suites
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>']
    n = 0
    for s in range(suites):
        parts.append(f'<testsuite name="suite{s}" tests="{per}" timestamp="2026-11-24T09:00:00Z">')
        for c in range(per):
            n += 1
            body = ""
            if n % 5000 == 0:
                body = '<failure message="assert 1 == 2">trace</failure>'
            parts.append(
                f'<testcase classname="tests.suite{s}.TestCase{c % 20}" name="test_{c}" '
                f'time="0.01">{body}</testcase>'
            )
        parts.append("</testsuite>")
    parts.append("</testsuites>")
    (directory / "junit.xml").write_text("".join(parts))


def measure(cmd: list[str], repeat: int) -> tuple[float, float, int]:
    """Best wall time (s), peak RSS of the child (MB), and the exit code of the last run."""
    best, peak, code = float("inf"), 0.0, 0
    for _ in range(repeat):
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 1)
            os.execv(cmd[0], cmd)
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        best = min(best, elapsed)
        peak = max(peak, usage.ru_maxrss / 1024)
    return best, peak, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sarif", type=int, default=100_000)
    parser.add_argument("--components", type=int, default=10_000)
    parser.add_argument("--vulns", type=int, default=5_000)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    python = sys.executable
    golive = str(Path(python).with_name("golive"))
    with tempfile.TemporaryDirectory(prefix="golive-bench-") as tmp:
        ev = Path(tmp) / "evidence"
        ev.mkdir()
        make_sarif(ev, args.sarif)
        make_cyclonedx(ev, args.components, args.vulns)
        make_junit(ev, args.cases)
        policy = Path(tmp) / "policy.yaml"
        policy.write_text(POLICY)
        size = sum(p.stat().st_size for p in ev.iterdir()) / 1e6
        bare_t, bare_m, _ = measure([python, "-c", BARE, str(ev)], args.repeat)
        gate_cmd = [
            golive, "gate", "--policy", str(policy), "--env", "production",
            "--evidence", str(ev), "--now", "2026-11-24T10:00:00Z", "--format", "json",
        ]  # fmt: skip
        gate_t, gate_m, code = measure(gate_cmd, args.repeat)
        print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"{platform.system()} {platform.machine()}")  # fmt: skip
        print(f"bundle: {args.sarif:,} SARIF results in 3 files, {args.components:,} components "
              f"and {args.vulns:,} vulnerabilities in CycloneDX, {args.cases:,} JUnit cases; "
              f"{size:.1f} MB")  # fmt: skip
        print(f"bare parsing (json.load + ElementTree): {bare_t:.2f} s, peak {bare_m:.0f} MB")
        print(f"golive gate --format json:              {gate_t:.2f} s, peak {gate_m:.0f} MB "
              f"(exit {code})")  # fmt: skip
        ratio = gate_t / bare_t if bare_t else float("inf")
        print(f"ratio: {ratio:.2f}x bare parsing (target <= 2x); peak memory target <= 500 MB: "
              f"{'met' if gate_m <= 500 else 'NOT met'}")  # fmt: skip
        if code not in (0, 1):
            sys.exit(f"golive gate exited {code}")


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
