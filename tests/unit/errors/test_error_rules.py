"""Error rules, pure: the first rule that matches a new issue's tag, title or exception type
sets its impact; a pattern RE2 refuses is refused when the config is read."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from onwatch.errors import rules


def test_rules_match_by_tag_message_and_exception_type() -> None:
    listed = [
        rules.RuleSpec.model_validate({"match": {"tag": "env=prod"}, "impact": "annoying"}),
        rules.RuleSpec.model_validate(
            {"match": {"exception": "sqlalchemy.exc.IntegrityError"}, "impact": "data_corrupting"}
        ),
        rules.RuleSpec.model_validate({"match": {"message": "(?i)timeout"}, "impact": "noise"}),
    ]
    seen = rules.Seen(title="Read TIMEOUT", exception=None, tags={})
    assert rules.impact_for(listed, seen) == "noise"
    seen = rules.Seen(title="x", exception="IntegrityError", tags={"env": {"prod": 1}})
    assert rules.impact_for(listed, seen) == "annoying"
    seen = rules.Seen(title="x", exception="IntegrityError", tags={"env": {"dev": 1}})
    assert rules.impact_for(listed, seen) == "data_corrupting"
    assert rules.impact_for(listed, rules.Seen("x", None, {})) is None


def test_a_rule_gives_exactly_one_match_and_a_pattern_re2_can_run() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        rules.RuleSpec.model_validate({"match": {"tag": "a=b", "message": "x"}, "impact": "noise"})
    with pytest.raises(ValidationError, match="RE2"):
        rules.RuleSpec.model_validate({"match": {"message": "(?=x)"}, "impact": "noise"})
    with pytest.raises(ValidationError, match="key=value"):
        rules.RuleSpec.model_validate({"match": {"tag": "novalue"}, "impact": "noise"})
