"""Sign-in sources (访问来源): a short, readable name for a browser, and whether a source is new for a person."""

from __future__ import annotations

import re

# First match wins: the order matters (Edge and Opera also say Chrome; Chrome also says Safari).
_BROWSERS = (
    ("WeCom", re.compile(r"wxwork/", re.I)),
    ("WeChat", re.compile(r"MicroMessenger/", re.I)),
    ("Edge", re.compile(r"Edg(e|A|iOS)?/", re.I)),
    ("Opera", re.compile(r"OPR/|Opera", re.I)),
    ("Firefox", re.compile(r"Firefox/|FxiOS/", re.I)),
    ("Chrome", re.compile(r"Chrome/|CriOS/|Chromium/", re.I)),
    ("Safari", re.compile(r"Safari/", re.I)),
    ("curl", re.compile(r"^curl/", re.I)),
    ("Python", re.compile(r"python-requests|python-urllib|httpx|aiohttp", re.I)),
)
_SYSTEMS = (
    ("Android", re.compile(r"Android", re.I)),
    ("iOS", re.compile(r"iPhone|iPad|iPod", re.I)),
    ("Windows", re.compile(r"Windows", re.I)),
    ("macOS", re.compile(r"Mac OS X|Macintosh", re.I)),
    ("ChromeOS", re.compile(r"CrOS", re.I)),
    ("Linux", re.compile(r"Linux|X11", re.I)),
)
UNKNOWN = "?"


def browser_label(user_agent: str) -> str:
    """ "Chrome / Windows", "Safari / iOS", "Firefox / Linux" …: the family and the system, no version (an
    update is not a new browser); "?" for either part that is not recognised. No library needed."""
    agent = user_agent or ""
    family = next((name for name, pattern in _BROWSERS if pattern.search(agent)), UNKNOWN)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(agent)), UNKNOWN)
    return f"{family} / {system}"
