"""docs/configuration.md is generated from infra.config and must not go stale."""

from __future__ import annotations

import pytest

from infra import config_docs
from infra.config import known_keys

pytestmark = pytest.mark.unit


def test_the_configuration_doc_is_up_to_date() -> None:
    assert config_docs.DOC_PATH.read_text(encoding="utf-8") == config_docs.render(), (
        "docs/configuration.md is stale: run "
        "`python -m infra.config_docs --write docs/configuration.md`"
    )


def test_every_key_has_a_row() -> None:
    text = config_docs.render()
    for key in known_keys():
        short = key.removeprefix("retraining:")
        assert f"| `{key}` |" in text or f"| `{short}` |" in text, key
    assert "| `name` | lower-case name | required |" in text


def test_check_mode_reports_a_stale_file(tmp_path, capsys) -> None:
    stale = tmp_path / "configuration.md"
    stale.write_text("# Configuration\n", encoding="utf-8")
    assert config_docs.main(["--check", str(stale)]) == 1
    assert "is stale" in capsys.readouterr().out
    config_docs.main(["--write", str(stale)])
    assert config_docs.main(["--check", str(stale)]) == 0


def test_the_readme_carries_the_current_reference() -> None:
    readme = config_docs.DOC_PATH.parent.parent / "README.md"
    text = readme.read_text(encoding="utf-8")
    assert config_docs.refresh_readme(text) == text, (
        "README.md's configuration section is stale: run `make readme`"
    )
    for key in known_keys():
        short = key.removeprefix("retraining:")
        assert f"| `{key}` |" in text or f"| `{short}` |" in text, key
