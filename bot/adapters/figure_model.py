"""Loads the packaged figure-confidence weights (``bot/data/figure_confidence.json``).

The weights are fitted by ``eval/casualties/train_confidence.py``; the core model that reads them
is ``bot.core.figure_confidence.ConfidenceModel``. A missing or broken file is a ``ConfigError``
naming it, so a bad install fails at start-up rather than at the first alert.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from bot.core.figure_confidence import ConfidenceModel
from bot.errors import ConfigError

PACKAGED = "data/figure_confidence.json"


def load_confidence_model(path: Path | None = None) -> ConfidenceModel:
    """The figure-confidence model at ``path``, or the packaged one."""
    where = str(path) if path is not None else f"bot/{PACKAGED}"
    try:
        if path is None:
            text = resources.files("bot").joinpath(PACKAGED).read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        return ConfidenceModel.from_dict(json.loads(text))
    except (OSError, json.JSONDecodeError, ValueError, AttributeError) as e:
        raise ConfigError(f"figure confidence weights {where}: {e}") from e
