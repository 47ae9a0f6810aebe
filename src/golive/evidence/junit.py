"""JUnit XML: pytest, Surefire, and the many tools that write the same shape.

What is read (``testmoapp/junitxml`` README; Surefire's rerun elements):

- The root is ``<testsuites>`` or a bare ``<testsuite>``; suites may nest.
- A ``<testcase>`` holding ``<failure>``, ``<error>`` or ``<skipped>`` failed,
  errored or was skipped; one holding none of them passed.
- Surefire ``<flakyFailure>``/``<flakyError>``: the test failed, then passed on
  a rerun (flaky). ``<rerunFailure>``/``<rerunError>``: failed attempts of a
  test that still failed.

Traps handled:

- **Counters lie.** Suite attributes are kept as ``declared`` but every count
  golive uses is recounted from the cases.
- **Duplicate records.** pytest-rerunfailures (16.x) writes one ``<testcase>``
  per attempt, the failed attempts as empty passing records; the ``flaky``
  plugin duplicates cases; pytest writes a second record for a teardown error.
  Records are folded on ``(suite, classname, name, file)``: if the last record
  passed and there were several, the test is flaky; otherwise the worst
  outcome of the final attempt counts (a call failure plus a teardown error is
  an error).
- **One suite per host or project.** Playwright writes each spec file once per
  project (browser), the project name in the suite's ``hostname``: suites that
  share a name but not a ``hostname`` are told apart as ``name [hostname]``, so
  a test failing on one browser and passing on another is a failure, not a
  rerun that passed. A ``hostname`` shared by every suite (Surefire, pytest)
  changes nothing.
- **Zero cases** is valid XML and is recorded as an incomplete report.
- **PHPUnit 9 warnings.** PHPUnit 9's JUnit logger writes a test that ended in a warning (an
  invalid data provider, a mock of a method that cannot be configured) as ``<warning>``, and
  counts it in the suite's ``warnings``; PHPUnit 9 exits non-zero for it. Such a test failed
  (a risky test is already an ``<error>``).
- **A status without an element.** ctest (``--output-junit``) and GoogleTest write
  ``status="notrun"`` or ``status="disabled"`` on a test that did not run; an old GoogleTest
  writes no ``<skipped>`` with it. Such a test was skipped, not passed.
- **The spec file on one suite.** mocha-junit-reporter (Cypress: one file per spec) writes
  the spec's path only on the ``Root Suite``, a sibling of the suites holding the tests; a
  case without ``file`` takes its nearest suite's, or else the one file its document names.
- **Naive timestamps** are kept as written with ``timestamp_has_offset=False``.
- System output and stack traces are never kept; messages are cut to 300 chars.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from golive import native
from golive.core.findings import (
    Completeness,
    TestCase,
    TestCounts,
    TestOutcome,
    TestReport,
    TestSuite,
)
from golive.evidence._doc import clean

FORMAT = "junit"
_MESSAGE_LIMIT = 300


@dataclass(slots=True)
class _Record:
    suite: str
    classname: str
    name: str
    file: str | None
    time: float | None
    outcome: TestOutcome
    message: str
    skip_kind: str | None
    reruns: int = 0


def read(root: ET.Element, source: str) -> TestReport:
    """Facts of a JUnit XML document whose root is ``testsuites`` or ``testsuite``."""
    suites: list[TestSuite] = []
    records: list[_Record] = []
    notes: list[str] = []
    root_tag = _local(root.tag)
    declared_root = _declared(root) if root_tag == "testsuites" else None

    # suite names written with several hostnames (Playwright: one suite per project)
    hosts: dict[str, set[str]] = {}
    files: set[str] = set()  # the spec or source files the suites name
    for elem in root.iter():
        tag = elem.tag  # every element: _local() inlined
        if tag == "testsuite" or (isinstance(tag, str) and tag.endswith("}testsuite")):
            hosts.setdefault(_attr(elem, "name") or "", set()).add(_attr(elem, "hostname") or "")
            suite_file = _attr(elem, "file")
            if suite_file:
                files.add(suite_file)
    per_host = {name for name, seen in hosts.items() if len(seen) > 1}

    # Iterative walk: nested suites to any depth without recursion. Each entry carries the
    # index of its outermost suite, to compare what that suite declares with what it holds.
    stack: list[tuple[ET.Element, str, int, str | None]] = [(root, "", -1, None)]
    top_declared = 0  # what the outermost suites declare (a suite's name may itself hold "/")
    tops: list[tuple[str, int]] = []  # outermost suites: name, declared failures + errors
    top_of: list[int] = []  # per record: its outermost suite, -1 for none
    synthetic = 0  # records golive adds for errors of a suite outside its test cases
    while stack:
        elem, parent, top, where = stack.pop()
        tag = _local(elem.tag)
        if tag == "testsuite":
            name = _attr(elem, "name") or "(unnamed suite)"
            if (_attr(elem, "name") or "") in per_host:
                name = f"{name} [{_attr(elem, 'hostname') or 'no hostname'}]"
            full = f"{parent}/{name}" if parent else name
            stamp = _attr(elem, "timestamp")
            where = _attr(elem, "file") or where
            declared = _declared(elem)
            if not parent:
                top_declared += declared.total
                top = len(tops)
                tops.append((full, declared.failed + declared.errors))
            suites.append(
                TestSuite(
                    name=full,
                    declared=declared,
                    timestamp=stamp,
                    timestamp_has_offset=_has_offset(stamp),
                )
            )
            nested: list[tuple[ET.Element, str, int, str | None]] = []
            children = list(elem)
            plain, count = _plain_records(children, full, where)
            if count == len(children):  # test cases only, none with anything to read
                records.extend(cast("list[_Record]", plain))  # no None among them
                top_of.extend([top] * count)
                continue
            for child, rec in zip(children, plain, strict=True):
                if rec is not None:
                    records.append(rec)
                    top_of.append(top)
                    continue
                ctag = _local(child.tag)
                if ctag == "testcase":
                    records.append(_record(child, full, where))
                    top_of.append(top)
                elif ctag in {"testsuite", "testsuites"}:
                    nested.append((child, full, top, where))
                elif ctag in {"error", "failure"}:
                    # an error of the suite itself, outside any test (a hook, a crash)
                    records.append(_suite_error(full, _message(child)))
                    top_of.append(top)
                    synthetic += 1
            stack.extend(reversed(nested))
        elif tag == "testsuites":
            for child in reversed(list(elem)):
                if _local(child.tag) in {"testsuite", "testsuites"}:
                    stack.append((child, parent, top, where))
        elif tag == "testcase":  # a case directly under <testsuites>
            records.append(_record(elem, parent or "(no suite)", where))
            top_of.append(top)

    if len(files) == 1:  # one spec file per document (mocha-junit-reporter, Cypress)
        (only,) = files
        for rec in records:
            if rec.file is None:
                rec.file = only
    synthetic += _undeclared_errors(tops, top_of, records, notes)
    raw_records = len(records) - synthetic  # <testcase> elements as written

    groups: dict[tuple[str, str, str, str], list[_Record]] = {}
    for rec in records:
        key = (rec.suite, rec.classname, rec.name, rec.file or "")
        groups.setdefault(key, []).append(rec)

    # most tests have one record: their cases are built in one call (see native.instances)
    rows = [_single(g[0]) if len(g) == 1 else _fold(g) for g in groups.values()]
    cases = tuple(native.instances(TestCase, rows))
    counts = _count(cases)
    duplicates = len(records) - len(cases)
    if duplicates:
        notes.append(
            f"{duplicates} duplicate <testcase> record(s) folded (reruns or teardown errors)"
        )
    ambiguous = [g[-1] for g in groups.values() if len(g) > 1 and _failed_then_passed(g)]
    if ambiguous:
        # a retry plugin (Gradle test-retry) writes a failed attempt, then the pass; so do two
        # different tests that share a name (parameterised tests in old Surefire, jest
        # it.each with one title): the report cannot tell which, so the reader says so
        first = ambiguous[0]
        notes.append(
            f"{len(ambiguous)} test(s) failed and then passed under one name (first: "
            f"{first.classname}.{first.name}), counted as flaky: either retries, or distinct "
            "tests sharing a name; give parameterised tests distinct names to tell"
        )
    declared_total = (
        declared_root.total
        if declared_root is not None and root.get("tests") is not None
        else top_declared
    )
    if declared_total != raw_records and (root.get("tests") is not None or suites):
        notes.append(
            f"declared test count {declared_total} disagrees with the "
            f"{raw_records} <testcase> record(s); counts are recounted from the cases"
        )
    naive = sorted({s.timestamp for s in suites if s.timestamp and s.timestamp_has_offset is False})
    if naive:
        notes.append(f"timestamp without a UTC offset (local time of the runner): {naive[0]}")
    reasons = [] if cases else ["the report holds no test cases"]
    return TestReport(
        source=source,
        format=FORMAT,
        suites=tuple(suites),
        cases=cases,
        counts=counts,
        records=raw_records,
        completeness=Completeness.of(reasons),
        notes=tuple(notes),
    )


#: The name of the case golive adds for a suite that declares failures or errors its cases do
#: not hold.
SUITE_ERROR = "(suite error outside any test case)"


def _suite_error(suite: str, message: str) -> _Record:
    return _Record(
        suite=suite,
        classname=suite,
        name=SUITE_ERROR,
        file=None,
        time=None,
        outcome=TestOutcome.ERROR,
        message=message,
        skip_kind=None,
    )


def _undeclared_errors(
    tops: list[tuple[str, int]], top_of: list[int], records: list[_Record], notes: list[str]
) -> int:
    """An outermost suite declaring failures or errors that none of its cases records.

    karma-junit-reporter writes ``errors="1"`` on a browser's suite when the browser errored or
    disconnected (the bundle did not load, an error thrown outside a spec) and no test case for
    it; tests that never ran leave no record. Recounting from the cases alone would read such a
    suite as passing: it gets an error case of its own instead. Only a suite whose cases hold
    no failure or error at all is concerned, so a tool counting failed assertions rather than
    failed tests (several per case) changes nothing.
    """
    added = 0
    bad = [0] * len(tops)
    for rec, top in zip(records, top_of, strict=True):
        if top >= 0 and rec.outcome in (TestOutcome.FAILED, TestOutcome.ERROR):
            bad[top] += 1
    for (name, declared), found in zip(tops, bad, strict=True):
        if declared > 0 and found == 0:
            records.append(
                _suite_error(
                    name,
                    f"the suite declares {declared} failure(s)/error(s) that no test case "
                    "records (an error outside the tests: a crash, a disconnect, a hook)",
                )
            )
            notes.append(
                f"suite {name!r} declares {declared} failure(s)/error(s) but none of its test "
                "cases failed; counted as one error of the suite"
            )
            added += 1
    return added


def _local(tag: object) -> str:
    text = tag if isinstance(tag, str) else ""
    return text.rsplit("}", 1)[-1]


def _attr(elem: ET.Element, name: str) -> str | None:
    value = elem.get(name)
    return clean(value) if value else None


def _num(elem: ET.Element, name: str) -> int:
    value = elem.get(name)
    if value is None:
        return 0
    try:
        return int(float(value))
    except (ValueError, OverflowError):
        return 0


def _declared(elem: ET.Element) -> TestCounts:
    tests = _num(elem, "tests")
    failures = _num(elem, "failures")
    errors = _num(elem, "errors")
    skipped = _num(elem, "skipped") or _num(elem, "skips") or _num(elem, "disabled")
    passed = max(0, tests - failures - errors - skipped)
    return TestCounts(
        total=tests, passed=passed, failed=failures, errors=errors, skipped=skipped, flaky=0
    )


def _has_offset(stamp: str | None) -> bool | None:
    if not stamp:
        return None
    text = stamp.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.tzinfo is not None


def _time(elem: ET.Element) -> float | None:
    value = elem.get("time")
    if value is None:
        return None
    try:
        parsed = float(value.replace(",", ""))
    except ValueError:
        return None
    return parsed if parsed == parsed and parsed not in (float("inf"), float("-inf")) else None


def _message(elem: ET.Element) -> str:
    text = elem.get("message") or ""
    if not text:
        lines = (elem.text or "").strip().splitlines()
        text = lines[0] if lines else ""
    # one line: a message attribute may hold the whole output (gotestsum writes a skip's as
    # "=== RUN ...&#xA;...", Robot Framework a suite setup's on two lines)
    text = " ".join(clean(text).split())
    return text if len(text) <= _MESSAGE_LIMIT else text[: _MESSAGE_LIMIT - 1] + "…"


def _plain_records(
    children: list[ET.Element], suite: str, where: str | None
) -> tuple[list[_Record | None], int]:
    """For each child of a suite, the record of a plain test case (a ``<testcase>`` without
    namespace, child elements or ``status``: what :func:`_record` makes of it), read in C
    where ``golive._native`` is built; None for every other child, which the caller reads.
    Also how many records there are."""
    if not native.enabled():
        return [None] * len(children), 0
    return native.junit_records(children, suite, where, _CONTEXT)


#: ``status`` values of a test that did not run (ctest ``--output-junit``, GoogleTest).
_NOT_RUN = {"notrun", "disabled", "skipped"}


def _record(case: ET.Element, suite: str, where: str | None = None) -> _Record:
    outcome = TestOutcome.PASSED
    message = ""
    skip_kind: str | None = None
    flaky = 0
    reruns = 0
    for child in case:
        tag = _local(child.tag)
        if tag == "failure" and outcome is not TestOutcome.ERROR:
            outcome, message = TestOutcome.FAILED, _message(child)
        elif tag == "error":
            outcome, message = TestOutcome.ERROR, _message(child)
        elif tag == "warning" and outcome is TestOutcome.PASSED:
            # PHPUnit 9: a test that ended in a warning; PHPUnit fails the run for it
            outcome = TestOutcome.FAILED
            message = _message(child) or "ended in a warning"
        elif tag == "skipped" and outcome is TestOutcome.PASSED:
            outcome, message = TestOutcome.SKIPPED, _message(child)
            kind = (child.get("type") or "").lower()
            skip_kind = "xfail" if "xfail" in kind else "skip"
        elif tag in {"flakyFailure", "flakyError"}:
            flaky += 1
        elif tag in {"rerunFailure", "rerunError"}:
            reruns += 1
    status = (case.get("status") or "").strip().lower()
    if outcome is TestOutcome.PASSED and status in _NOT_RUN:
        outcome, skip_kind = TestOutcome.SKIPPED, "skip"
        message = f"not run (status {status!r})"
    if outcome is TestOutcome.PASSED and flaky:
        outcome = TestOutcome.FLAKY
    return _Record(
        suite=suite,
        classname=_attr(case, "classname") or "",
        name=_attr(case, "name") or "(unnamed test)",
        file=_attr(case, "file") or where,
        time=_time(case),
        outcome=outcome,
        message=message,
        skip_kind=skip_kind,
        reruns=flaky + reruns,
    )


_WORST = {
    TestOutcome.ERROR: 3,
    TestOutcome.FAILED: 2,
    TestOutcome.FLAKY: 1,
    TestOutcome.SKIPPED: 0,
    TestOutcome.PASSED: 0,
}


def _failed_then_passed(records: list[_Record]) -> bool:
    """A record with a failure or error followed, later, by a passing one."""
    failed = False
    for rec in records:
        if rec.outcome in (TestOutcome.FAILED, TestOutcome.ERROR):
            failed = True
        elif failed and rec.outcome in (TestOutcome.PASSED, TestOutcome.FLAKY):
            return True
    return False


def _single(rec: _Record) -> tuple[object, ...]:
    """The fields of the case of a test with one record, in :class:`TestCase`'s order."""
    t = rec.time
    return (
        rec.suite,
        rec.classname,
        rec.name,
        rec.outcome,
        rec.file,
        round(t, 6) if t is not None else None,
        1 + rec.reruns,
        rec.message,
        rec.skip_kind if rec.outcome is TestOutcome.SKIPPED else None,
    )


def _fold(records: list[_Record]) -> TestCase:
    """The case of a test with several records (one record: :func:`_single`)."""
    last = records[-1]
    attempts = len(records) + sum(r.reruns for r in records)
    if last.outcome in (TestOutcome.PASSED, TestOutcome.FLAKY):
        chosen, outcome = last, TestOutcome.FLAKY
    elif last.outcome is TestOutcome.SKIPPED:
        chosen, outcome = last, TestOutcome.SKIPPED
    else:
        # The final attempt may span two records (call failure, then teardown
        # error): take the worst of the trailing non-passing records.
        tail: list[_Record] = []
        for rec in reversed(records):
            if rec.outcome not in (TestOutcome.FAILED, TestOutcome.ERROR):
                break
            tail.append(rec)
        chosen = max(tail, key=lambda r: _WORST[r.outcome])
        outcome = chosen.outcome
        attempts -= len(tail) - 1
    times = [r.time for r in records if r.time is not None]
    return TestCase(
        suite=last.suite,
        classname=last.classname,
        name=last.name,
        outcome=outcome,
        file=last.file,
        time=round(sum(times), 6) if times else None,
        attempts=attempts,
        message=chosen.message,
        skip_kind=chosen.skip_kind if outcome is TestOutcome.SKIPPED else None,
    )


def _count(cases: tuple[TestCase, ...]) -> TestCounts:
    def n(outcome: TestOutcome) -> int:
        return sum(1 for c in cases if c.outcome is outcome)

    return TestCounts(
        total=len(cases),
        passed=n(TestOutcome.PASSED),
        failed=n(TestOutcome.FAILED),
        errors=n(TestOutcome.ERROR),
        skipped=n(TestOutcome.SKIPPED),
        flaky=n(TestOutcome.FLAKY),
    )


#: What the compiled reader of plain cases needs (see :func:`_plain_records`).
_CONTEXT = (_Record, native.field_names(_Record), TestOutcome.PASSED, clean)
