"""A same-event judgement learnt from labelled crisis windows: a logistic model over ``evidence``.

The written rule's weights were set by hand on the development windows. A policy can carry learnt
weights instead (``EventPolicy(model=…)``): fitted by ``eval/stream/train_same_event.py`` on labelled
windows, they decide after the rule's vetoes, which stay in front (a model never joins a hospital to a
school, two towns, or two kinds of event). The bot ships no weights: fitted on seven windows and
measured on the one left out, they did not beat the written rule (``docs/ACCURACY.md``). Pure: the
weights come in as data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.incidents.evidence import FEATURES
from bot.errors import ConfigError


@dataclass(frozen=True, slots=True)
class LearntJudgement:
    weights: tuple[float, ...]
    """One per ``FEATURES`` name, in that order."""
    bias: float
    threshold: float
    """Join when the probability reaches this."""
    trained_on: tuple[str, ...] = ()
    """The labelled windows the weights were fitted on (for the record)."""

    def probability(self, values: Sequence[float]) -> float:
        z = self.bias + math.fsum(w * v for w, v in zip(self.weights, values, strict=True))
        # Both branches are the logistic function; each avoids overflow on its side.
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def strongest(self, values: Sequence[float], n: int = 2) -> tuple[str, ...]:
        """The evidence that pushed hardest towards joining, for the judgement's reasons."""
        pushes = sorted(
            ((w * v, name) for name, w, v in zip(FEATURES, self.weights, values, strict=True) if w * v > 0),
            reverse=True,
        )
        return tuple(name for _, name in pushes[:n])

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> LearntJudgement:
        """Read stored weights; they must name exactly the evidence this version computes."""
        try:
            weights = dict(raw["weights"])
            names = tuple(weights)
            if names != FEATURES:
                missing = sorted(set(FEATURES) - set(names))
                extra = sorted(set(names) - set(FEATURES))
                raise ConfigError(
                    f"same-event weights do not fit this version (missing {missing}, unknown {extra});"
                    " retrain them with eval/stream/train_same_event.py"
                )
            return cls(
                weights=tuple(float(weights[n]) for n in FEATURES),
                bias=float(raw["bias"]),
                threshold=float(raw["threshold"]),
                trained_on=tuple(str(x) for x in raw.get("trained_on", ())),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise ConfigError(f"same-event weights are malformed: {e}") from e

    def to_dict(self) -> dict[str, Any]:
        return {
            "weights": dict(zip(FEATURES, self.weights, strict=True)),
            "bias": self.bias,
            "threshold": self.threshold,
            "trained_on": list(self.trained_on),
        }


__all__ = ["LearntJudgement"]
