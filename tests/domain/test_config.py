from datetime import timedelta
from pathlib import Path

import pytest

from warroom.config import ConfigError, load_config, parse_config
from warroom.errors import Invalid


def test_without_a_file_the_p0_p3_preset_applies() -> None:
    config = load_config(None)
    assert [s.id for s in config.severities] == ["P0", "P1", "P2", "P3"]
    p1 = config.severity("p1")
    assert p1.ack_within == timedelta(minutes=15)
    assert (p1.escalate_after, p1.escalate_to) == (timedelta(minutes=15), "manager")
    assert config.severity("P0").monitor_for == timedelta(hours=2)
    assert config.severity("P3").business_hours is True


def test_the_sev_preset_is_one_line_away(tmp_path: Path) -> None:
    path = tmp_path / "warroom.toml"
    path.write_text('preset = "sev1-sev4"\n')
    config = load_config(path)
    assert [s.id for s in config.severities] == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert config.severity("SEV2").ack_within == timedelta(minutes=30)


def test_own_severities_replace_the_preset(tmp_path: Path) -> None:
    path = tmp_path / "warroom.toml"
    path.write_text(
        '[[severities]]\nid = "urgent"\nname = "Urgent"\nack_within = "10m"\n'
        '[[severities]]\nid = "later"\nname = "Later"\nack_within = "1d"\npages = false\n'
        '[[services]]\nname = "checkout"\nowner = "payments"\n'
    )
    config = load_config(path)
    assert [s.id for s in config.severities] == ["urgent", "later"]
    assert config.rank("later") == 1
    assert config.check_service("CHECKOUT") == "checkout"
    with pytest.raises(Invalid, match="not one of checkout"):
        config.check_service("billing")


def test_every_mistake_is_reported_on_its_own_line_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "warroom.toml"
    path.write_text(
        '[[severities]]\nid = "P1"\nname = "High"\nack_within = "15 minutes"\n'
        '[[severities]]\nid = "P2"\nname = "Medium"\nack_within = "1h"\nack_whithin = "2h"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = caught.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("severities[0].ack_within: '15 minutes' is not a duration")
    assert problems[1] == "severities[1].ack_whithin: unknown key (check its spelling)"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"preset": "p1-p9"}, "unknown preset 'p1-p9'"),
        ({"services": [{"name": "api"}, {"name": "API"}]}, "'API' is defined twice"),
        (
            {"severities": [{"id": "P1", "name": "x", "ack_within": "5m", "escalate_after": "5m"}]},
            "escalate_after needs escalate_to",
        ),
        (
            {
                "severities": [
                    {"id": "P1", "name": "x", "ack_within": "5m", "postmortem_required": True}
                ]
            },
            "postmortem_required needs postmortem_within",
        ),
        ({"severities": [{"id": "P1", "name": "x", "ack_within": 15}]}, "needs a unit"),
    ],
)
def test_inconsistent_settings_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    assert any(message in line for line in caught.value.problems), caught.value.problems


def test_a_file_that_is_not_toml_says_so(tmp_path: Path) -> None:
    path = tmp_path / "warroom.toml"
    path.write_text("severities = [\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems[0].startswith("not valid TOML")
