"""The meeting pack: the meeting's screens as pages, for mail and print.

HTML is one file that opens offline: its charts are drawn by plotly's JavaScript held inline,
and it names no other host. The PDF is that HTML printed by headless Chromium (Debian's
/usr/bin/chromium): A4 landscape, the period and filters and the page number in each page's
footer (CSS page margin boxes), the fonts it used embedded.
"""
from __future__ import annotations

import html
import os
import subprocess
import tempfile
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from kam.meeting.screens import Meeting, Screen, all_screens

CHROMIUM = Path("/usr/bin/chromium")
PRINT_SECONDS = 120
FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", sans-serif'

STYLE = """
@page { size: A4 landscape; margin: 12mm 12mm 16mm 12mm;
        @bottom-left { content: %(footer)s; font: 9pt %(fonts)s; color: #444; }
        @bottom-right { content: %(page)s; font: 9pt %(fonts)s; color: #444; } }
body { font-family: %(fonts)s; color: #111; margin: 0; }
section { break-after: page; padding: 0 4mm; }
section:last-of-type { break-after: auto; }
h1 { font-size: 20pt; margin: 0 0 4mm 0; }
.numbers { display: grid; grid-template-columns: repeat(5, 1fr); gap: 3mm; margin-bottom: 4mm; }
.number { border: 1px solid #bbb; border-radius: 2mm; padding: 2mm 3mm; }
.number .label { font-size: 10pt; color: #444; }
.number .value { font-size: 17pt; font-weight: 600; white-space: nowrap; }
.number .good { color: #0072B2; } .number .bad { color: #D55E00; } .number .same { color: #666; }
.body { display: grid; grid-template-columns: 1fr; gap: 4mm; }
.body.both { grid-template-columns: 2fr 3fr; }
table { border-collapse: collapse; font-size: 10pt; width: 100%%; }
th, td { border-bottom: 1px solid #ccc; padding: 1.2mm 2mm; text-align: left; }
th { background: #eee; }
.note { font-size: 10pt; color: #444; margin-top: 3mm; }
.screen-footer { font-size: 9pt; color: #666; margin-top: 3mm; }
@media screen { section { border-bottom: 2px solid #999; padding: 8mm; max-width: 1400px; } }
"""


def _css_string(text: str) -> str:
    """Text as a CSS string literal: every character but letters, digits and spaces escaped, so
    no stored value (a region's name) can end the string."""
    return '"' + "".join(c if c.isalnum() and c.isascii() or c == " " else f"\\{ord(c):x} " for c in text) + '"'


def _number(n) -> str:
    tone = "same" if n.good is None else "good" if n.good else "bad"
    change = f'<div class="{tone}">{html.escape(n.change)}</div>' if n.change else ""
    return (f'<div class="number"><div class="label">{html.escape(n.label)}</div>'
            f'<div class="value">{html.escape(n.value)}</div>{change}</div>')


def _chart(figure: go.Figure) -> str:
    printed = go.Figure(figure).update_layout(height=260, margin={"t": 10, "b": 10, "l": 10, "r": 10},
                                               font={"size": 12, "family": FONTS})
    return printed.to_html(full_html=False, include_plotlyjs=False,
                           config={"staticPlot": True, "displayModeBar": False})


def _section(screen: Screen, footer: str) -> str:
    parts = [f"<h1>{html.escape(screen.title)}</h1>"]
    if screen.numbers:
        parts.append('<div class="numbers">' + "".join(_number(n) for n in screen.numbers) + "</div>")
    body = []
    if screen.chart is not None:
        body.append(f"<div>{_chart(screen.chart)}</div>")
    if screen.table is not None and len(screen.table):
        body.append(screen.table.to_html(index=False, escape=True, border=0))
    if body:
        parts.append(f'<div class="body{" both" if len(body) == 2 else ""}">' + "".join(body) + "</div>")
    if screen.note:
        parts.append(f'<p class="note">{html.escape(screen.note)}</p>')
    parts.append(f'<p class="screen-footer">{html.escape(footer)}</p>')
    return "<section>" + "".join(parts) + "</section>"


def html_pack(m: Meeting) -> str:
    """The pack as one self-contained HTML document."""
    t = m.t
    filters = m.filters.human_clause(t)
    style = STYLE % {"footer": _css_string(f"{t('meeting.pack_title')} · {m.today} · {filters}"),
                     "page": 'counter(page) " / " counter(pages)', "fonts": FONTS}
    sections = [_section(s, f"{t('meeting.pack_title')} · {m.today} · {filters}") for s in all_screens(m)]
    title = html.escape(f"{t('meeting.pack_title')} {m.today}")
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if m.lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f"<title>{title}</title><style>{style}</style>"
            f'<script type="text/javascript">{get_plotlyjs()}</script></head>'
            f"<body>{''.join(sections)}</body></html>")


def print_pdf(page: Path, out: Path) -> None:
    """Print an HTML file to PDF with headless Chromium; raises RuntimeError saying why it failed."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: the PDF pack is printed by Chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="kam-pdf-") as profile:
        partial = out.with_name(f".{out.name}.part")
        command = [str(CHROMIUM), "--headless", "--disable-gpu", "--disable-dev-shm-usage",
                   "--disable-background-networking", "--disable-component-update", "--no-first-run",
                   f"--user-data-dir={profile}", "--no-pdf-header-footer", "--virtual-time-budget=5000",
                   f"--print-to-pdf={partial}", page.resolve().as_uri()]
        if os.geteuid() == 0:  # Chromium's sandbox refuses to run as root
            command.insert(1, "--no-sandbox")
        done = subprocess.run(command, capture_output=True, text=True, timeout=PRINT_SECONDS)
        if done.returncode != 0 or not partial.exists() or partial.stat().st_size == 0:
            partial.unlink(missing_ok=True)
            raise RuntimeError(f"Chromium could not print the pack (exit {done.returncode}): {done.stderr[-500:]}")
        partial.replace(out)  # whole or not at all


def write(m: Meeting, form: str, out: Path) -> Path:
    """Write the pack as `pdf` or `html` to out, atomically."""
    out = Path(out)
    document = html_pack(m)
    if form == "html":
        partial = out.with_name(f".{out.name}.part")
        partial.write_text(document, encoding="utf-8")
        partial.replace(out)
        return out
    if form != "pdf":
        raise ValueError(f"the pack is written as pdf or html, not {form!r}")
    with tempfile.TemporaryDirectory(prefix="kam-pack-") as folder:
        page = Path(folder) / "pack.html"
        page.write_text(document, encoding="utf-8")
        print_pdf(page, out)
    return out


def pack_bytes(m: Meeting, form: str) -> bytes:
    """The pack's file, for a download button."""
    with tempfile.TemporaryDirectory(prefix="kam-pack-") as folder:
        return write(m, form, Path(folder) / f"pack.{form}").read_bytes()
