"""Notes on customer accounts (issue 17): the one command the collections workspace adds.

Two small pieces, kept here so they can be ported as one:

- `Notes`, a mixin of the Decider (engine/decide.py): `_add_note` validates and writes one
  NoteAdded entry (customer, text; the envelope carries actor and reason).
- `fold`, called once per segment by `State.apply_segment` (one clearly marked line): it
  keeps every note's customer, effective day, segment, position, actor and text, so the
  account views list them as of any day and as known at any time without reading the log.
"""

from __future__ import annotations

import numpy as np

from arledger.domain import validate as V
from arledger.domain.errors import error


class Notes:
    """`self` is the Decider: the same overlay, envelope and validate-before-write rule."""

    def _add_note(self, m, env, out) -> None:  # type: ignore[no-untyped-def]
        if not m.actor.strip():
            raise error("ACTOR_REQUIRED", "a note needs an actor (who wrote it)")
        V.text(m.text, "text", required=True)
        cust, r = self._live_customer(m.customer_id)  # type: ignore[attr-defined]
        day = V.day(m.effective_date, "effective_date")
        if day < r[3]:
            raise error("DATE_BEFORE_ORIGIN", "effective_date is before the account opened")
        self.entry("NoteAdded", day, env, customer_ix=cust, text=m.text)  # type: ignore[attr-defined]


def fold(S, tables: dict, eff: np.ndarray, seg) -> None:  # type: ignore[no-untyped-def]
    """Keep the notes of one durable segment (live path and replay alike)."""
    c = tables.get("NoteAdded")
    if c is None:
        return
    if not hasattr(S, "notes"):
        init(S)
    env = tables["entry"]
    e = np.asarray(c["_e"])
    S.notes.append(len(e), customer=c["customer_ix"], day=eff[e], seq=seg.seq,
                   pos=seg.first_position + e)
    S.note_texts.extend(c["text"])
    S.note_actors.extend(env["actor"][i] for i in e.tolist())


def init(S) -> None:  # type: ignore[no-untyped-def]
    from arledger.engine.state import Columns
    S.notes = Columns({"customer": "<i4", "day": "<i4", "seq": "<i4", "pos": "<i8"})
    S.note_texts = []
    S.note_actors = []
