"""Settings come from ``GOLIVE_<NAME>`` variables, typed and checked; values passed in win."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from golive.settings import Settings, load_settings


def test_each_setting_comes_from_its_variable_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_RATE_LIMIT_BURST", "7")
    monkeypatch.setenv("golive_log_level", "DEBUG")
    monkeypatch.setenv("GOLIVE_TOKEN", "s3cret")
    monkeypatch.setenv("GOLIVE_UNKNOWN_THING", "ignored")
    monkeypatch.setenv("OTHER_DATABASE_URL", "postgresql://elsewhere")
    settings = load_settings()
    assert settings.rate_limit_burst == 7
    assert settings.log_level == "DEBUG"
    assert settings.token.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings)
    assert settings.database_url == "sqlite:///golive.db"  # the default


def test_values_passed_in_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_DATABASE_URL", "sqlite:///from-env.db")
    monkeypatch.setenv("GOLIVE_RATE_LIMIT_BURST", "9")
    settings = Settings(database_url="sqlite:///given.db")
    assert settings.database_url == "sqlite:///given.db"
    assert settings.rate_limit_burst == 9


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("GOLIVE_RATE_LIMIT_BURST", "abc", "rate_limit_burst"),
        ("GOLIVE_MAX_REQUEST_BYTES", "0", "max_request_bytes"),
        ("GOLIVE_CHECKPOINT_INTERVAL", "soon", "checkpoint_interval"),
        ("GOLIVE_RATE_LIMIT_PER_SECOND", "", "rate_limit_per_second"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, field: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=field):
        load_settings()


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.log_level = "DEBUG"  # type: ignore[misc]
