"""The scorecard JSON of SPEC §5: validation into domain values, and back to JSON.

Every problem is collected (not just the first) with the path of the field it concerns, e.g.
``sections[0].criteria[2].weight``, so a form can show each error next to its field. Keys this
module does not know are kept and exported unchanged.
"""

from __future__ import annotations

import math
import re
from typing import Any, TypeGuard

from neuronlens.domain import Criterion, CriterionKind, Scorecard, ScorecardSection
from neuronlens.errors import ValidationFailed

MAX_SECTIONS = 50
MAX_CRITERIA = 200
MAX_EXAMPLES_PER_LANGUAGE = 50
MAX_TEXT = 2000

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_CARD_KEYS = {"name", "pass_threshold", "sections"}
_SECTION_KEYS = {"name", "criteria"}
_CRITERION_KEYS = {"id", "question", "weight", "fatal", "kind", "within_seconds", "examples"}
METRIC_PARAMS: dict[str, dict[str, tuple[float, float, bool]]] = {
    # kind -> parameter -> (minimum, maximum, integer?)
    CriterionKind.MAX_SILENCE.value: {"max_seconds": (0.0, 3600.0, False)},
    CriterionKind.AGENT_TALK_SHARE.value: {
        "min_share": (0.0, 1.0, False),
        "max_share": (0.0, 1.0, False),
    },
    CriterionKind.INTERRUPTIONS.value: {
        "max_count": (0.0, 10_000.0, True),
        "min_overlap_seconds": (0.0, 60.0, False),
    },
}
_ALL_PARAMS = {name for params in METRIC_PARAMS.values() for name in params}
KINDS = tuple(kind.value for kind in CriterionKind)


class ScorecardInvalid(ValidationFailed):
    """The scorecard JSON is not valid; ``errors`` lists every problem with its field path."""

    code = "invalid_scorecard"

    def __init__(self, errors: list[dict[str, str]]) -> None:
        shown = "; ".join(f"{e['field'] or '(body)'}: {e['message']}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"the scorecard is not valid: {shown}{more}")
        self.errors = errors
        self.extra = {"errors": errors}


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append({"field": path, "message": message})


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _text(errors: _Errors, path: str, value: Any, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip():
        errors.add(path, "must be a non-empty string")
        return ""
    if len(value) > limit:
        errors.add(path, f"must be at most {limit} characters")
    return value.strip()


def parse_scorecard(data: Any) -> Scorecard:
    """A validated Scorecard from the SPEC §5 JSON; ScorecardInvalid lists every problem."""
    errors = _Errors()
    if not isinstance(data, dict):
        raise ScorecardInvalid([{"field": "", "message": "the scorecard must be a JSON object"}])
    name = _text(errors, "name", data.get("name"), 200)
    threshold = data.get("pass_threshold")
    if not _number(threshold) or not 0 <= threshold <= 100:
        errors.add("pass_threshold", "must be a number from 0 to 100")
        threshold = 0.0
    sections_data = data.get("sections")
    sections: list[ScorecardSection] = []
    if not isinstance(sections_data, list) or not sections_data:
        errors.add("sections", "must be a non-empty list of sections")
        sections_data = []
    elif len(sections_data) > MAX_SECTIONS:
        errors.add("sections", f"at most {MAX_SECTIONS} sections")
    seen: dict[str, str] = {}
    total = 0
    for s_index, section in enumerate(sections_data):
        path = f"sections[{s_index}]"
        if not isinstance(section, dict):
            errors.add(path, "must be an object with 'name' and 'criteria'")
            continue
        section_name = _text(errors, f"{path}.name", section.get("name"), 200)
        criteria_data = section.get("criteria")
        if not isinstance(criteria_data, list) or not criteria_data:
            errors.add(f"{path}.criteria", "must be a non-empty list of criteria")
            criteria_data = []
        criteria = []
        for c_index, item in enumerate(criteria_data):
            total += 1
            criterion = _criterion(errors, f"{path}.criteria[{c_index}]", item, seen)
            if criterion is not None:
                criteria.append(criterion)
        extra = {k: v for k, v in section.items() if k not in _SECTION_KEYS}
        sections.append(ScorecardSection(section_name, tuple(criteria), extra))
    if total > MAX_CRITERIA:
        errors.add("sections", f"at most {MAX_CRITERIA} criteria in all")
    if errors.items:
        raise ScorecardInvalid(errors.items)
    extra = {k: v for k, v in data.items() if k not in _CARD_KEYS}
    return Scorecard(name, float(threshold), tuple(sections), extra)


def _criterion(errors: _Errors, path: str, item: Any, seen: dict[str, str]) -> Criterion | None:
    if not isinstance(item, dict):
        errors.add(path, "must be an object")
        return None
    before = len(errors.items)
    criterion_id = item.get("id")
    if not isinstance(criterion_id, str) or not _ID.match(criterion_id):
        errors.add(
            f"{path}.id", "must be 1-80 letters, digits, '_', '.', ':' or '-' (e.g. greeting)"
        )
        criterion_id = ""
    elif criterion_id in seen:
        errors.add(f"{path}.id", f"duplicate id {criterion_id!r} (also at {seen[criterion_id]})")
    else:
        seen[criterion_id] = path
    question = _text(errors, f"{path}.question", item.get("question"))
    weight = item.get("weight")
    if not _number(weight) or not 0 < weight <= 1000:
        errors.add(f"{path}.weight", "must be a number greater than 0 (at most 1000)")
        weight = 1.0
    fatal = item.get("fatal", False)
    if not isinstance(fatal, bool):
        errors.add(f"{path}.fatal", "must be true or false")
        fatal = False
    kind = item.get("kind", CriterionKind.REQUIRED.value)
    if kind not in KINDS:
        errors.add(f"{path}.kind", f"must be one of: {', '.join(KINDS)}")
        kind = ""
    within = item.get("within_seconds")
    if within is not None:
        if kind not in (CriterionKind.REQUIRED.value, CriterionKind.WITHIN_SECONDS.value):
            errors.add(f"{path}.within_seconds", "applies only to 'required' criteria")
        elif not _number(within) or not 0 < within <= 36_000:
            errors.add(f"{path}.within_seconds", "must be a number of seconds greater than 0")
            within = None
    elif kind == CriterionKind.WITHIN_SECONDS.value:
        errors.add(f"{path}.within_seconds", "is required for kind 'within_seconds'")
    examples = _examples(errors, f"{path}.examples", item.get("examples"))
    # Examples define what to listen for (they also pick the built-in cue lexicon).
    needs_examples = kind in (
        CriterionKind.REQUIRED.value,
        CriterionKind.WITHIN_SECONDS.value,
        CriterionKind.PROHIBITED.value,
    )
    if needs_examples and (
        "examples" not in item or (not examples and len(errors.items) == before)
    ):
        errors.add(f"{path}.examples", "give at least one example phrasing")
    params = _params(errors, path, kind, item)
    if len(errors.items) > before:
        return None
    extra = {k: v for k, v in item.items() if k not in _CRITERION_KEYS and k not in _ALL_PARAMS}
    return Criterion(
        id=criterion_id,
        question=question,
        weight=float(weight),
        kind=kind,
        fatal=fatal,
        within_seconds=float(within) if within is not None else None,
        examples=examples,
        params=params,
        extra=extra,
    )


def _examples(errors: _Errors, path: str, value: Any) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add(path, 'must be an object of language code -> phrasings, e.g. {"hi": [...]}')
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for language, phrases in value.items():
        where = f"{path}.{language}"
        if not isinstance(language, str) or not _LANGUAGE.match(language):
            errors.add(where, "the key must be a language code such as 'hi' or 'en-IN'")
            continue
        if not isinstance(phrases, list) or not phrases:
            errors.add(where, "must be a non-empty list of phrasings")
            continue
        if len(phrases) > MAX_EXAMPLES_PER_LANGUAGE:
            errors.add(where, f"at most {MAX_EXAMPLES_PER_LANGUAGE} phrasings per language")
        texts = [_text(errors, f"{where}[{i}]", p, 500) for i, p in enumerate(phrases)]
        out[language] = tuple(t for t in texts if t)
    return out


def _params(errors: _Errors, path: str, kind: str, item: dict[str, Any]) -> dict[str, float]:
    allowed = METRIC_PARAMS.get(kind, {})
    params: dict[str, float] = {}
    for name in sorted(_ALL_PARAMS & item.keys()):
        value = item[name]
        if name not in allowed:
            errors.add(f"{path}.{name}", f"does not apply to kind {kind!r}")
            continue
        low, high, integer = allowed[name]
        if not _number(value) or not low <= value <= high or (integer and value != int(value)):
            what = "a whole number" if integer else "a number"
            errors.add(f"{path}.{name}", f"must be {what} from {low:g} to {high:g}")
            continue
        params[name] = float(value)
    if kind == CriterionKind.MAX_SILENCE.value and "max_seconds" not in item:
        errors.add(f"{path}.max_seconds", "is required for kind 'max_silence'")
    if kind == CriterionKind.INTERRUPTIONS.value and "max_count" not in item:
        errors.add(f"{path}.max_count", "is required for kind 'interruptions'")
    if kind == CriterionKind.AGENT_TALK_SHARE.value:
        if not {"min_share", "max_share"} & item.keys():
            errors.add(f"{path}.max_share", "give min_share and/or max_share (0..1)")
        elif params.get("min_share", 0.0) > params.get("max_share", 1.0):
            errors.add(f"{path}.min_share", "must not exceed max_share")
    return params


def _plain(value: float) -> float | int:
    return int(value) if value == int(value) else value


def scorecard_to_json(scorecard: Scorecard) -> dict[str, Any]:
    """The SPEC §5 JSON of a scorecard (import/export format), unknown keys included."""
    return {
        "name": scorecard.name,
        "pass_threshold": _plain(scorecard.pass_threshold),
        "sections": [
            {
                "name": section.name,
                "criteria": [criterion_to_json(c) for c in section.criteria],
                **section.extra,
            }
            for section in scorecard.sections
        ],
        **scorecard.extra,
    }


def criterion_to_json(criterion: Criterion) -> dict[str, Any]:
    """One criterion in the SPEC §5 shape."""
    out: dict[str, Any] = {
        "id": criterion.id,
        "question": criterion.question,
        "weight": _plain(criterion.weight),
        "fatal": criterion.fatal,
        "kind": criterion.kind,
    }
    if criterion.within_seconds is not None:
        out["within_seconds"] = _plain(criterion.within_seconds)
    if criterion.examples:
        out["examples"] = {lang: list(texts) for lang, texts in criterion.examples.items()}
    out.update({name: _plain(value) for name, value in criterion.params.items()})
    out.update(criterion.extra)
    return out
