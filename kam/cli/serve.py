"""`python -m kam serve`: the app, its read side warmed while the server starts.

cmd_serve starts the app in this process after starting warm_up() in a thread:
the store's tables are brought into DuckDB and the questions of the first page (the
overview, default filters) and the revisit page's coverage trend are answered and kept,
so the first person to open the app does not wait for them; the thread warms again after
every write and at midnight. A page asking a question the warm-up is still answering
waits for that answer (kam.readside) rather than asking it again.
"""
from __future__ import annotations

import datetime as dt
import os
import runpy
import sys
import threading
import time
from pathlib import Path

from kam.accounts import account_file
from kam.i18n import DEFAULT_LANGUAGE, translator
from kam.meeting import screens
from kam.sales import overview
from kam.revisits import revisit_policy
from kam.revisits import coverage
from kam.readside import choices
from kam.readside.database import Database
from kam.filters import Filters
from kam.store.delta import Store
from kam.cli.usage import UsageError


def warm_up(store: Store, today: dt.date | None = None, *, meeting: bool = True) -> float:
    """Answer the first page's questions, and make the weekly meeting's screens if asked; returns
    the seconds it took."""
    started = time.perf_counter()
    today = today or dt.date.today()
    db = Database(store)
    db.refresh()
    filters = Filters.from_params({}, today)
    if choices.period_has_data(db, filters):
        overview.kpis(db, filters, today=today)
        overview.monthly_trend(db, filters)
        # the revisit page's coverage trend: a part per month end, the costliest first render there
        coverage.coverage_trend(db, filters, revisit_policy.load(db), today)
        account_file.search(db, today=today)  # the sidebar's account search and the forms' customer picker
        if meeting:  # a meeting opened on a fresh server finds its screens made, the questions behind them answered
            screens.all_screens(screens.Meeting(db, filters, translator(DEFAULT_LANGUAGE), DEFAULT_LANGUAGE, today))
    else:
        choices.data_range(db)
    return time.perf_counter() - started


POLL_SECONDS = 10.0


def start(store: Store, *, keep_warm: bool = True) -> threading.Thread:
    """warm_up() in a daemon thread, and again whenever the day or a table's version changes
    (an import, a form saved, midnight), so the first page stays warm for whoever comes next.
    A failure is printed, never fatal: the pages ask again."""
    def once(meeting: bool) -> None:
        try:
            seconds = warm_up(store, meeting=meeting)
            print(f"kam: read side warm in {seconds:.1f} s", file=sys.stderr)
        except Exception as error:  # noqa: BLE001 - a cold start is slower, not broken
            print(f"kam: warm-up skipped: {error}", file=sys.stderr)

    def run() -> None:
        seen = None
        while True:
            now = (dt.date.today(), store.versions())
            if now != seen:
                # the meeting's screens at start and each morning; after a write, the questions
                # of other tables stay answered, and the page makes what changed ahead of the presenter
                once(meeting=seen is None or now[0] != seen[0])
                seen = now
            if not keep_warm:
                return
            time.sleep(POLL_SECONDS)

    thread = threading.Thread(target=run, name="kam-warm-up", daemon=True)
    thread.start()
    return thread


OPEN_WITHOUT_SIGN_IN = "--open-without-sign-in"


def sign_in_configured(options: list[str]) -> bool:
    """Whether the secrets Streamlit will read hold an [auth] section (st.login's settings): the
    files passed with --secrets.files, else Streamlit's defaults, ~/.streamlit/ and ./.streamlit/."""
    import tomllib

    given = [options[i + 1] for i, o in enumerate(options[:-1]) if o == "--secrets.files"]
    given += [o.split("=", 1)[1] for o in options if o.startswith("--secrets.files=")]
    paths = given or [Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml"]
    for path in map(Path, paths):
        try:
            if "auth" in tomllib.loads(path.read_text(encoding="utf-8")):
                return True
        except FileNotFoundError:
            continue
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise UsageError(f"{path}: cannot read the secrets: {error}") from None
    return False


def listening(options: list[str]) -> list[str]:
    """Streamlit's options with the address to listen on. Without sign-in the app trusts whoever
    reaches it, so it listens on this computer only, unless told otherwise in so many words."""
    if OPEN_WITHOUT_SIGN_IN in options:
        return [o for o in options if o != OPEN_WITHOUT_SIGN_IN]
    if sign_in_configured(options):
        return options
    address = [o for i, o in enumerate(options) if i and options[i - 1] == "--server.address"]
    address += [o.split("=", 1)[1] for o in options if o.startswith("--server.address=")]
    if any(a not in ("127.0.0.1", "localhost") for a in address):
        raise UsageError(f"sign-in is not configured (no [auth] in .streamlit/secrets.toml), so the app listens "
                         f"on 127.0.0.1 only; to listen on {address[0]} without sign-in, add {OPEN_WITHOUT_SIGN_IN}")
    return [*options, "--server.address", "127.0.0.1"] if not address else options


def cmd_serve(store: Store, args) -> int:
    """The app's server (ui/server.py: `streamlit run app.py`) in this process, its options passed
    on, after starting the warm-up in a thread: the first page opens on tables already held and
    questions answered. The server is the app's own script, run by its path: kam never imports
    Streamlit or the app."""
    options = listening(args.options)
    os.environ["KAM_DATA_DIR"] = str(store.root)  # the app reads the store this command was given
    start(store)
    server = Path(__file__).resolve().parents[2] / "ui" / "server.py"
    sys.argv = [str(server), *options]
    runpy.run_path(str(server), run_name="__main__")
    return 0
