"""What every request passes before any view runs, for the UI, the API and the feeds alike.

- ``<int:...>`` in a route only matches ids a database id column can hold: a larger number is a
  page that does not exist (404), not a database error.
- Text a database cannot keep (a NUL character, a lone UTF-16 surrogate) and JSON nested
  deeper than any Herald document are refused with a message naming the field (400), in the
  query string, a form or a JSON body.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, flash, redirect, request
from flask_babel import gettext
from werkzeug.routing import IntegerConverter

from campaigns.db import INTEGER_MAX
from campaigns.i18n import N_

# Herald's deepest JSON (a campaign with its anniversaries) is 4 levels; 32 leaves room.
MAX_JSON_DEPTH = 32

HAS_NUL = N_("This text contains a NUL character, which is not allowed.")
HAS_SURROGATE = N_("This text contains an invalid character (a lone surrogate).")
TOO_DEEP = N_("The JSON body is nested too deeply.")
NUMBER_TOO_LONG = N_("The JSON body holds a number too long to read.")


class IdConverter(IntegerConverter):
    """``<int:...>``: a non-negative number no larger than an INTEGER column holds."""

    def __init__(self, map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INTEGER_MAX)
        super().__init__(map, *args, **kwargs)


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return HAS_NUL
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return HAS_SURROGATE
    return None


def _json_problems(value: Any, path: str, depth: int, problems: dict[str, str]) -> None:
    if depth > MAX_JSON_DEPTH:
        problems.setdefault(path or "json", TOO_DEEP)
        return
    if isinstance(value, str):
        problem = _text_problem(value)
        if problem:
            problems.setdefault(path or "json", problem)
    elif isinstance(value, dict):
        for key, item in value.items():
            problem = _text_problem(key)
            name = f"{path}.{key}" if path else key
            if problem:
                problems.setdefault(path or "json", problem)
                continue
            _json_problems(item, name, depth + 1, problems)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _json_problems(item, f"{path}.{index}" if path else str(index), depth + 1, problems)


def _problems() -> dict[str, str]:
    problems: dict[str, str] = {}
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            problem = _text_problem(key) or _text_problem(value)
            if problem:
                problems.setdefault(key.replace("\x00", "") or "query", problem)
    for key, upload in request.files.items(multi=True):
        problem = _text_problem(key) or _text_problem(upload.filename or "")
        if problem:
            problems.setdefault(key.replace("\x00", ""), problem)
    if request.is_json and request.content_length != 0:
        raw = request.get_data(cache=True)
        try:
            body = json.loads(raw)
        except RecursionError:
            problems["json"] = TOO_DEEP
        except json.JSONDecodeError:
            pass  # Flask answers 400 itself when the view reads the body.
        except ValueError:  # an integer of more digits than Python converts (4,300)
            problems["json"] = NUMBER_TOO_LONG
        else:
            _json_problems(body, "", 0, problems)
    return problems


def refuse_unstorable_input():
    problems = _problems()
    if not problems:
        return None
    from web.errors import json_error, wants_json

    messages = {field: gettext(message) for field, message in problems.items()}
    if wants_json():
        return json_error(
            400,
            gettext("Invalid input: %(fields)s", fields=", ".join(sorted(messages))),
            messages,
        )
    text = " ".join(sorted(set(messages.values())))
    target = request.referrer if _same_site(request.referrer) else None
    if request.method == "GET" or target is None:
        from web.errors import error_page

        return error_page(400, text)
    # A form: back to the page it was sent from, with the message.
    flash(text, "error")
    return redirect(target)


def _same_site(url: str | None) -> bool:
    return bool(url) and url.startswith(request.host_url)


def init_app(app: Flask) -> None:
    """Install before any blueprint registers a route (the converter binds at that moment)."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_unstorable_input)
