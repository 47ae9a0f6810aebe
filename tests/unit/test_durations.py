from __future__ import annotations

import pytest

from golive.core.durations import Duration, DurationError
from golive.core.quantities import Quantity


@pytest.mark.parametrize(
    ("text", "kind", "seconds", "words"),
    [
        ("30s", "elapsed", 30, "30 seconds"),
        ("15m", "elapsed", 900, "15 minutes"),
        ("4h", "elapsed", 14_400, "4 hours"),
        ("1h30m", "elapsed", 5_400, "1 hour 30 minutes"),
        ("7d", "elapsed", 604_800, "7 days"),
        ("2w", "elapsed", 1_209_600, "2 weeks"),
        ("5bd", "business", None, "5 business days"),
        ("1mo", "calendar", None, "1 month"),
        ("7y", "calendar", None, "7 years"),
    ],
)
def test_a_policy_duration_parses_to_its_kind_and_length(
    text: str, kind: str, seconds: int | None, words: str
) -> None:
    duration = Duration.parse(text)
    assert (duration.kind, duration.seconds, duration.describe()) == (kind, seconds, words)
    assert str(duration) == text


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("15 minutes", "write '15m'"),
        ("2 hours", "write '2h'"),
        ("15", "has no unit"),
        ("1.5h", "uses a fraction"),
        ("3M", "ambiguous"),
        ("30m1h", "largest unit first"),
        ("1h1h", "repeats a unit"),
        ("", "is empty"),
        ("soon", "is not a duration"),
    ],
)
def test_a_bad_duration_says_how_to_write_it(text: str, fragment: str) -> None:
    with pytest.raises(DurationError, match=fragment):
        Duration.parse(text)


def test_equal_lengths_are_equal_and_share_one_canonical_spelling() -> None:
    assert Duration.parse("48h") == Duration.parse("2d")
    assert Duration.parse("48h").canonical() == "2d"
    assert Duration.parse("90d").canonical() == "90d"
    assert Duration.parse("1h30m").canonical() == "90m"


def test_business_days_are_never_equal_to_elapsed_days() -> None:
    assert Duration.parse("5bd") != Duration.parse("5d")
    assert Duration.parse("5bd").timedelta is None


@pytest.mark.parametrize(
    ("raw", "value", "unit"),
    [
        (0.02, 0.02, ""),
        ("2%", 0.02, "ratio"),
        ("1500ms", 1.5, "seconds"),
        ("3s", 3.0, "seconds"),
        (5, 5.0, ""),
    ],
)
def test_a_threshold_keeps_what_it_compares(raw: object, value: float, unit: str) -> None:
    quantity = Quantity.parse(raw)
    assert quantity.value == pytest.approx(value)
    assert quantity.unit == unit


@pytest.mark.parametrize("raw", ["2 percent", "150%", True, [1], "fast"])
def test_a_bad_threshold_is_refused(raw: object) -> None:
    with pytest.raises(ValueError, match=r"threshold|over 100%"):
        Quantity.parse(raw)
