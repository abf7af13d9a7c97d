"""The watchlist modal: Block Kit for ``/watch add`` and ``/watch edit``, and its submission read
back into the plain form that ``parse_watchlist`` validates.

Regions are one per line, extra spellings after a colon (``Idlib: Idleb, إدلب``); keywords and
exclusions one per line or comma-separated; channels come from a channel picker; thresholds are
number inputs. Validation errors come back per block (``field_errors``), so Slack shows each one
under the field it is about.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.slack_text import clean
from bot.core.watchlist_validation import FieldError
from bot.core.watchlists import Rule, Watchlist

CALLBACK_ID = "watch_save"
MAX_TEXT = 3000  # Slack's limit for a plain_text_input
MAX_TERMS = 200
THRESHOLDS = ("min_killed", "min_wounded", "min_displaced", "min_missing")
_RULE_LABELS = {
    Rule.REGION_AND_KEYWORD: "A region and a keyword",
    Rule.REGION: "A region alone",
    Rule.KEYWORD: "A keyword alone",
    Rule.ANY: "A region or a keyword",
}
_SPLIT = re.compile(r"[\n,;]+")


@dataclass(frozen=True, slots=True)
class FormMeta:
    """What the modal remembers between opening and submission (``private_metadata``)."""

    mode: str  # "add" or "edit"
    name: str = ""
    version: str | None = None
    """The edited watchlist's version when the form opened: a concurrent save is detected."""

    def dump(self) -> str:
        return json.dumps({"mode": self.mode, "name": self.name, "version": self.version})

    @classmethod
    def load(cls, raw: str) -> FormMeta | None:
        try:
            data = json.loads(raw)
        except (TypeError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("mode") not in ("add", "edit"):
            return None
        name, version = data.get("name", ""), data.get("version")
        if not isinstance(name, str) or not (version is None or isinstance(version, str)):
            return None
        return cls(data["mode"], name, version)


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:150]}


def _text_input(
    block_id: str, label: str, *, initial: str, multiline: bool, hint: str, optional: bool, placeholder: str
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": block_id,
        "multiline": multiline,
        "max_length": MAX_TEXT,
        "placeholder": _plain(placeholder),
    }
    if initial:
        element["initial_value"] = initial[:MAX_TEXT]
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": _plain(label),
        "hint": _plain(hint),
        "element": element,
    }


def _number_input(block_id: str, label: str, initial: int | None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "number_input",
        "action_id": block_id,
        "is_decimal_allowed": False,
        "min_value": "0",
    }
    if initial is not None:
        element["initial_value"] = str(initial)
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": _plain(label),
        "element": element,
    }


def _rule_option(rule: Rule) -> dict[str, Any]:
    return {"text": _plain(_RULE_LABELS[rule]), "value": rule.value}


def regions_text(watchlist: Watchlist) -> str:
    return "\n".join(f"{r.name}: {', '.join(r.aliases)}" if r.aliases else r.name for r in watchlist.regions)


def watch_modal(watchlist: Watchlist | None, meta: FormMeta, *, channel: str | None = None) -> dict[str, Any]:
    """The add (``watchlist`` None) or edit modal; ``channel`` preselects the picker when adding."""
    w = watchlist
    blocks: list[dict[str, Any]] = []
    if meta.mode == "add":
        blocks.append(
            _text_input(
                "name",
                "Name",
                initial=meta.name,
                multiline=False,
                hint="Lower-case letters, digits, - and _; used in /watch and /incidents watch: NAME.",
                optional=False,
                placeholder="idlib",
            )
        )
    blocks += [
        _text_input(
            "regions",
            "Regions",
            initial=regions_text(w) if w else "",
            multiline=True,
            hint="One place per line; extra spellings after a colon: Idlib: Idleb, Edlib. "
            "Towns inside a region match it.",
            optional=True,
            placeholder="Idlib",
        ),
        _text_input(
            "keywords",
            "Keywords",
            initial="\n".join(w.keywords) if w else "",
            multiline=True,
            hint="One per line or separated by commas.",
            optional=True,
            placeholder="airstrike, ceasefire, displaced",
        ),
        _text_input(
            "exclude",
            "Exclude",
            initial="\n".join(w.exclude) if w else "",
            multiline=True,
            hint="Any of these in a story keeps it out.",
            optional=True,
            placeholder="football",
        ),
        _text_input(
            "scope",
            "Scope",
            initial=(w.scope or "") if w else "",
            multiline=True,
            hint="What the desk watches there, in a sentence. Told to the reader (the language-model "
            "check) when one is configured; matching does not use it.",
            optional=True,
            placeholder="The Gaza Strip. Not the West Bank, Israel or Lebanon.",
        ),
    ]
    picker: dict[str, Any] = {
        "type": "multi_conversations_select",
        "action_id": "channels",
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        "placeholder": _plain("Where alerts are posted"),
    }
    initial_channels = list(w.channels) if w else ([channel] if channel else [])
    if initial_channels:
        picker["initial_conversations"] = initial_channels
    blocks.append({"type": "input", "block_id": "channels", "label": _plain("Channels"), "element": picker})
    rule = w.rule if w else Rule.REGION_AND_KEYWORD
    blocks.append(
        {
            "type": "input",
            "block_id": "rule",
            "label": _plain("Alert when a story names"),
            "element": {
                "type": "static_select",
                "action_id": "rule",
                "options": [_rule_option(r) for r in Rule],
                "initial_option": _rule_option(rule),
            },
        }
    )
    for key, label in zip(
        THRESHOLDS,
        ("At least N killed", "At least N wounded", "At least N displaced", "At least N missing"),
        strict=True,
    ):
        blocks.append(_number_input(key, label, getattr(w, key) if w else None))
    any_option = {"text": _plain("Any threshold is reached"), "value": "any"}
    all_option = {"text": _plain("All thresholds are reached"), "value": "all"}
    blocks.append(
        {
            "type": "input",
            "block_id": "thresholds_any",
            "label": _plain("With several thresholds, alert when"),
            "element": {
                "type": "radio_buttons",
                "action_id": "thresholds_any",
                "options": [any_option, all_option],
                "initial_option": any_option if (w is None or w.thresholds_any) else all_option,
            },
        }
    )
    blocks += [
        _text_input(
            "digest",
            "Digest times",
            initial=", ".join(w.digest) if w else "07:00, 19:00",
            multiline=False,
            hint="Local times of the digest: the period's incidents by place, then the stories that did "
            "not ping. Empty: no scheduled digest (/sitrep digest still works).",
            optional=True,
            placeholder="07:00, 19:00",
        ),
        _text_input(
            "timezone",
            "Time zone",
            initial=w.timezone if w else "UTC",
            multiline=False,
            hint="The zone of the digest times and quiet hours, like Europe/London.",
            optional=True,
            placeholder="Europe/London",
        ),
        _text_input(
            "quiet_hours",
            "Quiet hours",
            initial=(w.quiet_hours or "") if w else "",
            multiline=False,
            hint="Only severe events ping in these hours; the rest waits for the next digest.",
            optional=True,
            placeholder="22:00-07:00",
        ),
    ]
    limit = _number_input(
        "max_posts_per_hour", "At most N alerts an hour", w.max_posts_per_hour if w else None
    )
    limit["hint"] = _plain("More new events in an hour go to the digest, with a line saying so.")
    blocks.append(limit)
    title = "New watchlist" if meta.mode == "add" else f"Edit {meta.name}"
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": meta.dump(),
        "title": _plain(title[:24]),
        "submit": _plain("Save"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def message_view(title: str, text: str) -> dict[str, Any]:
    """A plain modal with one message (a confirmation, a refusal, a test result)."""
    chunks = [text[i : i + 2900] for i in range(0, min(len(text), 2900 * 10), 2900)] or [""]
    return {
        "type": "modal",
        "title": _plain(title[:24]),
        "close": _plain("Close"),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": c or " "}} for c in chunks],
    }


# -- reading a submission -------------------------------------------------------------------------


def _value(values: Mapping[str, Any], block: str) -> Mapping[str, Any]:
    entry = values.get(block)
    if not isinstance(entry, Mapping):
        return {}
    action = entry.get(block) or (next(iter(entry.values()), None) if len(entry) == 1 else None)
    return action if isinstance(action, Mapping) else {}


def _option(values: Mapping[str, Any], block: str) -> Any:
    """A select's or radio group's chosen value (validation judges it); None when absent."""
    chosen = _value(values, block).get("selected_option")
    return chosen.get("value") if isinstance(chosen, Mapping) else None


def _text(values: Mapping[str, Any], block: str, errors: list[FieldError]) -> str:
    raw = _value(values, block).get("value")
    if raw is None:
        return ""
    if not isinstance(raw, str):
        errors.append((block, "must be text"))
        return ""
    if len(raw) > MAX_TEXT:
        errors.append((block, f"is {len(raw):,} characters; at most {MAX_TEXT:,}"))
        return ""
    # Line by line: clean() folds all whitespace, and lines separate regions.
    return "\n".join(clean(line) for line in raw.splitlines())


def _terms(text: str, block: str, errors: list[FieldError]) -> list[str]:
    terms = [t.strip() for t in _SPLIT.split(text) if t.strip()]
    if len(terms) > MAX_TERMS:
        errors.append((block, f"{len(terms)} entries; at most {MAX_TERMS}"))
        return []
    return terms


def _regions(text: str, errors: list[FieldError]) -> list[Any]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_TERMS:
        errors.append(("regions", f"{len(lines)} regions; at most {MAX_TERMS}"))
        return []
    out: list[Any] = []
    for line in lines:
        name, _, rest = line.partition(":")
        aliases = [a.strip() for a in _SPLIT.split(rest) if a.strip()]
        out.append({"name": name.strip(), "aliases": aliases} if aliases else name.strip())
    return out


def _threshold(values: Mapping[str, Any], block: str, errors: list[FieldError]) -> int | None:
    raw = _value(values, block).get("value")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        number = int(str(raw).strip())
    except ValueError:
        errors.append((block, f"must be a whole number, not {str(raw)[:20]!r}"))
        return None
    if not 0 <= number <= 10_000_000:
        errors.append((block, "must be between 0 and 10,000,000"))
        return None
    return number


def read_form(
    values: Mapping[str, Any], meta: FormMeta, current: Watchlist | None
) -> tuple[dict[str, Any], list[FieldError]]:
    """The submitted form as the plain dict ``parse_watchlist`` takes, and problems found reading it.

    What the form does not show (the mute) is carried over from ``current``."""
    errors: list[FieldError] = []
    name = meta.name if meta.mode == "edit" else _text(values, "name", errors).strip().lower()
    channels = _value(values, "channels").get("selected_conversations") or []
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        errors.append(("channels", "pick channels from the list"))
        channels = []
    rule = _option(values, "rule") or Rule.REGION_AND_KEYWORD.value
    mode = _option(values, "thresholds_any") or "any"
    raw: dict[str, Any] = {
        "name": name,
        "channels": channels[:20],
        "regions": _regions(_text(values, "regions", errors), errors),
        "keywords": _terms(_text(values, "keywords", errors), "keywords", errors),
        "exclude": _terms(_text(values, "exclude", errors), "exclude", errors),
        "rule": rule,
        "thresholds_any": mode != "all",
    }
    scope = _text(values, "scope", errors).strip()
    if scope:
        raw["scope"] = scope
    digest = [t.strip() for t in re.split(r"[,;\s]+", _text(values, "digest", errors)) if t.strip()]
    if digest:
        raw["digest"] = digest
    timezone = _text(values, "timezone", errors).strip()
    if timezone:
        raw["timezone"] = timezone
    quiet = _text(values, "quiet_hours", errors).strip()
    if quiet:
        raw["quiet_hours"] = quiet
    limit = _threshold(values, "max_posts_per_hour", errors)
    if limit is not None:
        raw["max_posts_per_hour"] = limit
    for key in THRESHOLDS:
        number = _threshold(values, key, errors)
        if number is not None:
            raw[key] = number
    if current is not None:
        raw["muted"] = current.muted
        if current.muted_until is not None:
            raw["muted_until"] = current.muted_until.isoformat()
    return raw, errors


_BLOCK_OF = {
    "name": "name",
    "channel": "channels",
    "channels": "channels",
    "regions": "regions",
    "keywords": "keywords",
    "exclude": "exclude",
    "rule": "rule",
    "thresholds_any": "thresholds_any",
    "scope": "scope",
    "digest": "digest",
    "timezone": "timezone",
    "quiet_hours": "quiet_hours",
    "max_posts_per_hour": "max_posts_per_hour",
    **{k: k for k in THRESHOLDS},
}


def field_errors(errors: Sequence[FieldError], meta: FormMeta) -> dict[str, str]:
    """Slack's ``response_action: errors`` map: each problem under the block it is about."""
    fallback = "name" if meta.mode == "add" else "regions"
    out: dict[str, str] = {}
    for field, message in errors:
        block = _BLOCK_OF.get(re.split(r"[\[.]", field, maxsplit=1)[0], fallback)
        if block == "name" and meta.mode == "edit":
            block = fallback
        # Indexed fields' messages quote the offending entry, so the index adds nothing for people.
        out[block] = f"{out[block]}; {message}" if block in out else message
    return {block: text[:300] for block, text in out.items()}
