"""Questions saved under a name, listed for everyone: each is the query string of its address
(the question and the shared filters), so opening a saved question is opening its address."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pandas as pd

from kam.explore.question import Question, QuestionError
from kam.readside.database import Database
from kam.store.work import Work


def save(work: Work, name: str, params: dict[str, str]) -> str:
    """Keep the address's parameters under the name (replacing a question saved under it before)."""
    name = name.strip()
    if not name:
        raise QuestionError("a saved question needs a name")
    Question.from_params(params)  # only a question that can be asked is kept
    with work.batch("saved_questions", operation="save question") as batch:
        return batch.upsert("saved_questions", [{"name": name, "question": urlencode(params)}])


def listing(db: Database) -> pd.DataFrame:
    """name, question (the query string), recorded_by and recorded_at of every saved question, by name."""
    return db.query("SELECT name, question, recorded_by, recorded_at FROM saved_questions ORDER BY name")


def params(question: str) -> dict[str, str]:
    """A saved query string as the address's parameters."""
    return dict(parse_qsl(question, keep_blank_values=False))
