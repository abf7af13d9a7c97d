"""Incidents to and from their database rows: the columns, and the JSON of signatures and claims.

Rows written before migration 0008 have no signature, claims or reasons; they read back as
incidents without them (they can still be searched and shown, but nothing joins them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.figures import Casualties, Category, Headline
from bot.core.incident_query import search_text
from bot.core.incidents.model import Claim, Incident, Source
from bot.core.incidents.signature import EventSignature


def _headlines_json(c: Casualties) -> list[dict[str, Any]]:
    return [
        {
            "category": h.category.value,
            "value": h.value,
            "qualifier": h.qualifier,
            "group": h.group,
            "confidence": h.confidence,
            "uncertain": h.uncertain,
        }
        for h in c.headlines
    ]


def _casualties(raw: Any) -> Casualties:
    heads = {
        h["category"]: Headline(
            Category(h["category"]),
            int(h["value"]),
            h.get("qualifier"),
            h.get("group"),
            confidence=_probability(h.get("confidence")),
            uncertain=h.get("uncertain") is True,
        )
        for h in raw or ()
        if isinstance(h, dict) and h.get("category") in {c.value for c in Category}
    }
    return Casualties(
        killed=heads.get("killed"),
        wounded=heads.get("wounded"),
        displaced=heads.get("displaced"),
        missing=heads.get("missing"),
    )


def _probability(raw: Any) -> float | None:
    """A stored confidence; rows written before it existed have none."""
    return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None


def _event_json(e: EventSignature | None) -> dict[str, Any] | None:
    if e is None:
        return None
    return {
        "kind": e.kind,
        "place": e.place,
        "place_key": e.place_key,
        "specific": e.specific,
        "facilities": sorted(e.facilities),
        "names": sorted(e.names),
        "tokens": sorted(e.tokens),
        "ordinal": e.ordinal,
        "context_sites": sorted(e.context_sites),
    }


def _event(raw: Any) -> EventSignature | None:
    if not isinstance(raw, dict):
        return None
    return EventSignature(
        kind=raw.get("kind"),
        place=raw.get("place"),
        place_key=str(raw.get("place_key") or ""),
        specific=bool(raw.get("specific")),
        facilities=frozenset(raw.get("facilities") or ()),
        names=frozenset(raw.get("names") or ()),
        tokens=frozenset(raw.get("tokens") or ()),
        ordinal=raw.get("ordinal"),
        context_sites=frozenset(raw.get("context_sites") or ()),
    )


def _claims_json(claims: tuple[Claim, ...]) -> list[dict[str, Any]]:
    return [
        {
            "outlet": c.outlet,
            "published": c.published.isoformat(),
            "headlines": _headlines_json(c.casualties),
            "said_by": c.said_by,
            "disputed_by": c.disputed_by,
            "link": c.link,
        }
        for c in claims
    ]


def _claims(raw: Any) -> tuple[Claim, ...]:
    out = []
    for c in raw or ():
        if not isinstance(c, dict):
            continue
        out.append(
            Claim(
                outlet=str(c.get("outlet") or ""),
                published=datetime.fromisoformat(str(c["published"])),
                casualties=_casualties(c.get("headlines")),
                said_by=c.get("said_by"),
                disputed_by=c.get("disputed_by"),
                link=c.get("link"),
            )
        )
    return tuple(out)


def incident_values(inc: Incident) -> dict[str, Any]:
    c = inc.casualties
    return {
        "watchlist": inc.watchlist,
        "place": inc.place,
        "title": inc.title,
        "summary": inc.summary,
        "killed": c.value(Category.KILLED),
        "wounded": c.value(Category.WOUNDED),
        "displaced": c.value(Category.DISPLACED),
        "missing": c.value(Category.MISSING),
        "headlines": _headlines_json(c),
        "terms": list(inc.terms),
        "search": search_text(place=inc.place, title=inc.title, incident_terms=inc.terms),
        "sources": [
            {
                "feed_id": s.feed_id,
                "item_id": s.item_id,
                "name": s.name,
                "link": s.link,
                "published": s.published.isoformat(),
                "story": s.story,
            }
            for s in inc.sources
        ],
        "tokens": sorted(inc.tokens),
        "first_seen": inc.first_seen,
        "updated": inc.updated,
        "alerted": inc.alerted,
        "event": _event_json(inc.event),
        "claims": _claims_json(inc.claims),
        "why": list(inc.why),
        "severity": inc.severity,
        "held": inc.held,
    }


def incident_from_row(m: Any) -> Incident:
    return Incident(
        key=m["key"],
        watchlist=m["watchlist"],
        place=m["place"],
        title=m["title"],
        summary=m["summary"],
        casualties=_casualties(m["headlines"]),
        terms=tuple(m["terms"]),
        sources=tuple(
            Source(
                feed_id=s["feed_id"],
                item_id=s["item_id"],
                name=s["name"],
                link=s["link"],
                published=datetime.fromisoformat(s["published"]),
                story=str(s.get("story") or ""),
            )
            for s in m["sources"]
        ),
        tokens=frozenset(m["tokens"]),
        first_seen=m["first_seen"],
        updated=m["updated"],
        alerted=bool(m["alerted"]),
        event=_event(m.get("event")),
        claims=_claims(m.get("claims")),
        why=tuple(m.get("why") or ()),
        severity=int(m.get("severity") or 0),
        held=m.get("held"),
    )
