"""A fake Telegram Bot API: getMe, getUpdates, setWebhook, deleteWebhook, getWebhookInfo,
getChat, getChatMember, sendMessage, sendPhoto, sendMediaGroup, editMessageText,
editMessageReplyMarkup, answerCallbackQuery, getFile and file downloads, with Telegram's error
bodies, flood control (``parameters.retry_after``) and faults.

Requests go to ``/bot<token>/<method>`` with parameters in the query string, a form, a JSON body
or a multipart body (python-telegram-bot sends forms, and multipart when there are files).
Messages are recorded per chat, so a test can assert "published exactly once" with
``len(fake.messages("@channel")) == 1``.

Chats are created on first use (``@name`` becomes a public channel) unless ``strict_chats``;
``kick(chat)`` takes the bot out of a chat, ``block(chat_id)`` is a person blocking the bot in
their private chat, ``revoke(token)`` makes a token answer 401.

Updates honour ``allowed_updates`` as Telegram does: the list a ``getUpdates`` call gives is
remembered for the bot (a call without it keeps the previous one), the default leaves out
``chat_member``, ``message_reaction`` and ``message_reaction_count``, and an update of a type the
bot did not ask for is dropped, never delivered. ``push_reaction_count(chat, message_id,
{"👍": 3})`` is Telegram telling a channel's admin bot the reactions to one of its posts.
An update pushed with ``bot_token=`` goes to that bot only (by default: to every bot).

People talk to the bot through ``push_message(chat_id, "/start CODE")`` (an update for
getUpdates); ``wait_for_messages(chat, count)`` waits for the bot's answers without sleeping.
``push_photo(chat_id, data, caption=...)`` sends the bot a photo (its bytes come back through
getFile and ``/file/bot<token>/<file_path>``; ``file_size=`` can claim another size, and getFile
refuses files over Telegram's 20 MB); ``push_callback_query(chat_id, message_id, data)`` presses
an inline button of one of the bot's messages, whose ``reply_markup`` the fake records; the
bot's answers to button presses are in ``callback_answers``. ``setWebhook`` is recorded
(``webhook``) and, as on Telegram, getUpdates answers 409 while a webhook is set.

Run it alone for demos and benchmarks::

    python -m tests.fakes.telegram --port 8082
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from tests.fakes.server import FakeServer, Fault, RateLimit, RateState, RecordedRequest, Reply

METHODS = (
    "getMe",
    "getUpdates",
    "deleteWebhook",
    "getChat",
    "getChatMember",
    "sendMessage",
    "sendPhoto",
    "sendMediaGroup",
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "getFile",
    "setWebhook",
    "getWebhookInfo",
)
SEND_METHODS = ("sendMessage", "sendPhoto", "sendMediaGroup")
#: the rate bucket all sends count against, per bot and chat (``set_rate_limit(SEND, ...)``)
SEND = "send"
_CANONICAL = {method.lower(): method for method in METHODS}
_PATH = re.compile(r"^/bot([^/]+)/([A-Za-z]+)$")
_FILE_PATH = re.compile(r"^/file/bot([^/]+)/(.+)$")
#: getFile refuses bigger files (Telegram's documented limit for bots)
GET_FILE_LIMIT = 20 * 1024 * 1024
_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")
# getUpdates long polling waits at most this long in the fake, whatever `timeout` asks.
LONG_POLL_CAP = 1.0
# What getUpdates delivers to a bot that never said otherwise (Telegram's documented default).
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def _error(code: int, description: str, **parameters: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


# -- faults a test injects ---------------------------------------------------------------------


def server_error(status: int = 500) -> Fault:
    return Fault(status=status, body=_error(status, "Internal Server Error"))


def timeout(seconds: float = 0.6, *, accept: bool = False) -> Fault:
    """Answer only after ``seconds``. With ``accept`` the message is sent first."""
    return Fault(delay=seconds, drop=not accept, accept=accept)


def flood(retry_after: int = 7) -> Fault:
    """Telegram's flood control: 429 with ``parameters.retry_after``."""
    return Fault(
        status=429,
        body=_error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after),
        headers={"Retry-After": str(retry_after)},
    )


def unauthorized() -> Fault:
    return Fault(status=401, body=_error(401, "Unauthorized"))


def forbidden(description: str = "Forbidden: bot is not a member of the channel chat") -> Fault:
    return Fault(status=403, body=_error(403, description))


def bad_request(description: str = "Bad Request: message text is empty") -> Fault:
    return Fault(status=400, body=_error(400, description))


def accept_then_drop() -> Fault:
    """Send the message, then close the connection before answering."""
    return Fault(drop=True, accept=True)


FAULTS = {
    "server_error": server_error,
    "timeout": timeout,
    "flood": flood,
    "unauthorized": unauthorized,
    "forbidden": forbidden,
    "bad_request": bad_request,
    "accept_then_drop": accept_then_drop,
}


# -- the platform's state ----------------------------------------------------------------------


@dataclass
class FakeChat:
    id: int
    type: str
    title: str
    username: str | None = None
    kicked: bool = False
    blocked: bool = False  # a person's private chat in which they blocked the bot

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class FakeMessage:
    chat_id: int
    message_id: int
    date: int
    text: str | None = None
    caption: str | None = None
    photos: list[bytes] = field(default_factory=list)
    media_group_id: str | None = None
    bot_id: int = 0
    #: the inline keyboard the bot sent with it (or put on it since), as Telegram's JSON
    reply_markup: dict[str, Any] | None = None
    edits: int = 0


class FakeTelegram(FakeServer):
    """The fake Telegram Bot API. See the module docstring."""

    default_fault_routes = SEND_METHODS
    fault_factories = FAULTS
    default_rate_limits = {SEND: RateLimit(10_000, 60)}

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        strict_chats: bool = False,
        bot_username: str = "herald_test_bot",
        verbose: bool = False,
    ) -> None:
        super().__init__(host=host, port=port, verbose=verbose)
        self.strict_chats = strict_chats
        self.bot_username = bot_username
        self._updates_changed = threading.Condition(self._lock)
        self._messages_changed = threading.Condition(self._lock)
        self.reset_state()

    def reset_state(self) -> None:
        self._chats: dict[str, FakeChat] = {}
        self._messages: dict[int, list[FakeMessage]] = {}
        self._revoked: set[str] = set()
        self._updates: list[dict[str, Any]] = []
        # bot id -> the update types it asked for (None: Telegram's default)
        self._allowed: dict[int, list[str] | None] = {}
        # update id -> the bot it is for (missing: every bot)
        self._update_bots: dict[int, int] = {}
        self._update_ids = itertools.count(1)
        self._incoming_ids = itertools.count(1)
        self._channel_ids = itertools.count(1_001_000_000_001)
        self._callback_ids = itertools.count(1)
        # file_id -> (file_path, bytes, size Telegram reports)
        self._files: dict[str, tuple[str, bytes, int]] = {}
        #: answerCallbackQuery calls: {"callback_query_id", "text", "show_alert"}
        self.callback_answers: list[dict[str, Any]] = []
        #: what setWebhook set ({"url", "secret_token", "allowed_updates"}), None when unset
        self.webhook: dict[str, Any] | None = None

    # -- what tests use ------------------------------------------------------------------------

    def add_chat(
        self, chat: str | int, *, type: str = "channel", title: str | None = None
    ) -> FakeChat:
        with self._lock:
            return self._chat(str(chat), create=True, type=type, title=title)  # type: ignore[return-value]

    def kick(self, chat: str | int) -> None:
        """Take the bot out of the chat: sends answer 403 from now on."""
        with self._lock:
            found = self._chat(str(chat), create=True)
            assert found is not None
            found.kicked = True

    def block(self, chat: str | int) -> None:
        """The person blocks the bot in their private chat: sends answer 403 from now on."""
        with self._lock:
            found = self._chat(str(chat), create=True)
            assert found is not None
            found.blocked = True

    def revoke(self, token: str) -> None:
        with self._lock:
            self._revoked.add(token)

    def messages(self, chat: str | int) -> list[FakeMessage]:
        """Messages sent to a chat (``@username`` or numeric id), oldest first."""
        with self._lock:
            found = self._chat(str(chat), create=False)
            return list(self._messages.get(found.id, [])) if found else []

    def wait_for_messages(
        self, chat: str | int, count: int = 1, timeout: float = 5.0
    ) -> list[FakeMessage]:
        """The chat's messages once there are at least ``count`` (or when ``timeout`` ends)."""
        with self._messages_changed:
            self._messages_changed.wait_for(
                lambda: len(self._messages_of(str(chat))) >= count, timeout=timeout
            )
            return self._messages_of(str(chat))

    def _messages_of(self, chat: str) -> list[FakeMessage]:
        found = self._chat(chat, create=False)
        return list(self._messages.get(found.id, [])) if found else []

    def all_messages(self) -> list[FakeMessage]:
        with self._lock:
            return [message for messages in self._messages.values() for message in messages]

    def push_update(self, update: dict[str, Any], *, bot_token: str | None = None) -> int:
        """Queue an update for getUpdates (for the bot of ``bot_token`` only, if given); its
        ``update_id`` is assigned and returned."""
        with self._updates_changed:
            update_id = next(self._update_ids)
            self._updates.append({**update, "update_id": update_id})
            if bot_token is not None:
                self._update_bots[update_id] = int(bot_token.split(":", 1)[0])
            self._updates_changed.notify_all()
            return update_id

    def push_reaction_count(
        self,
        chat: str | int,
        message_id: int,
        reactions: dict[str, int],
        *,
        bot_token: str | None = None,
    ) -> int:
        """Telegram tells the channel's admin bot the reactions to a post now: a
        ``message_reaction_count`` update (emoji -> count; ``custom:<id>`` for custom emoji)."""
        with self._lock:
            found = self._chat(str(chat), create=True)
            assert found is not None
            chat_json = found.as_json()
        counts = []
        for key, count in reactions.items():
            if key.startswith("custom:"):
                kind = {"type": "custom_emoji", "custom_emoji_id": key.removeprefix("custom:")}
            elif key == "paid":
                kind = {"type": "paid"}
            else:
                kind = {"type": "emoji", "emoji": key}
            counts.append({"type": kind, "total_count": count})
        update = {
            "message_reaction_count": {
                "chat": chat_json,
                "message_id": message_id,
                "date": int(self.clock()),
                "reactions": counts,
            }
        }
        return self.push_update(update, bot_token=bot_token)

    def push_message(
        self,
        chat_id: int,
        text: str,
        *,
        chat_type: str = "private",
        username: str | None = "linh_paris",
        first_name: str = "Linh",
    ) -> int:
        """Someone writes ``text`` to the bot in chat ``chat_id`` (their private chat unless
        ``chat_type`` says otherwise); a leading ``/command`` is marked as Telegram marks it."""
        user, chat = self._person(chat_id, chat_type, username, first_name)
        message: dict[str, Any] = {
            "message_id": next(self._incoming_ids),
            "date": int(self.clock()),
            "chat": chat,
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.push_update({"message": message})

    def _person(
        self, chat_id: int, chat_type: str, username: str | None, first_name: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        user: dict[str, Any] = {"id": abs(chat_id), "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat.update({key: value for key, value in user.items() if key != "is_bot"})
        else:
            chat["title"] = f"chat {chat_id}"
        return user, chat

    def push_photo(
        self,
        chat_id: int,
        data: bytes,
        *,
        caption: str | None = None,
        file_size: int | None = None,
        chat_type: str = "private",
        username: str | None = "linh_paris",
        first_name: str = "Linh",
    ) -> int:
        """Someone sends the bot a photo (``data``), with a caption; ``file_size`` is the size
        Telegram reports (default: the real one). Returns the update id."""
        user, chat = self._person(chat_id, chat_type, username, first_name)
        size = len(data) if file_size is None else file_size
        with self._lock:
            number = len(self._files) + 1
            digest = hashlib.sha256(data).hexdigest()
            file_id = f"AgACph{number}{digest[:24]}"
            self._files[file_id] = (f"photos/file_{number}.jpg", data, size)
        message: dict[str, Any] = {
            "message_id": next(self._incoming_ids),
            "date": int(self.clock()),
            "chat": chat,
            "from": user,
            "photo": [
                {
                    "file_id": file_id,
                    "file_unique_id": "AQAD" + digest[:12],
                    "width": 1280,
                    "height": 960,
                    "file_size": size,
                }
            ],
        }
        if caption is not None:
            message["caption"] = caption
        return self.push_update({"message": message})

    def push_callback_query(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        username: str | None = "linh_paris",
        first_name: str = "Linh",
    ) -> int:
        """Someone presses the inline button carrying ``data`` under the bot's message
        ``message_id`` in chat ``chat_id``. Returns the update id."""
        user, chat = self._person(
            chat_id, "private" if chat_id > 0 else "group", username, first_name
        )
        with self._lock:
            found = self._chat(str(chat_id), create=False)
            sent = (
                next(
                    (m for m in self._messages.get(found.id, []) if m.message_id == message_id),
                    None,
                )
                if found
                else None
            )
            if sent is not None and found is not None:
                message = self._message_json(sent, found)
            else:  # a message the fake never sent: Telegram calls it inaccessible
                message = {"chat": chat, "message_id": message_id, "date": 0}
            query_id = str(next(self._callback_ids))
        query = {
            "id": query_id,
            "from": user,
            "message": message,
            "chat_instance": str(abs(chat_id)),
            "data": data,
        }
        return self.push_update({"callback_query": query})

    def buttons(self, message: FakeMessage) -> list[tuple[str, str]]:
        """The (text, callback_data) of every inline button on a message, row by row."""
        keyboard = (message.reply_markup or {}).get("inline_keyboard", [])
        return [(b.get("text", ""), b.get("callback_data", "")) for row in keyboard for b in row]

    def state(self) -> dict[str, Any]:
        return {
            "messages": [
                {
                    "chat_id": m.chat_id,
                    "message_id": m.message_id,
                    "text": m.text,
                    "caption": m.caption,
                    "photos": len(m.photos),
                    "date": m.date,
                }
                for m in self.all_messages()
            ]
        }

    # -- the server ----------------------------------------------------------------------------

    def route_for(self, method: str, path: str) -> str | None:
        if _FILE_PATH.match(path):
            return "file"
        match = _PATH.match(path)
        return _CANONICAL.get(match.group(2).lower()) if match else None

    def not_found(self, request: RecordedRequest) -> Reply:
        return Reply(404, _error(404, "Not Found"))

    def authenticate(self, request: RecordedRequest) -> tuple[str | None, Reply | None]:
        match = _PATH.match(request.path) or _FILE_PATH.match(request.path)
        token = unquote(match.group(1)) if match else ""  # file URLs quote the token's colon
        if not _TOKEN.match(token):
            return None, Reply(404, _error(404, "Not Found"))
        with self._lock:
            if token in self._revoked:
                return None, Reply(401, _error(401, "Unauthorized"))
        return token, None

    def rate_bucket(self, route: str) -> str:
        return SEND if route in SEND_METHODS else route

    def rate_key(self, request: RecordedRequest, account: str) -> str:
        return f"{account}:{request.param('chat_id')}"

    def rate_limited_reply(self, state: RateState) -> Reply:
        retry_after = max(1, math.ceil(state.reset_at - self.clock()))
        return Reply(
            429,
            _error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after),
            {"Retry-After": str(retry_after)},
        )

    def handle(self, request: RecordedRequest, account: str) -> Reply:
        method = request.route
        bot_id = int(account.split(":", 1)[0])
        if method == "getMe":
            return self._ok(
                {
                    "id": bot_id,
                    "is_bot": True,
                    "first_name": "Herald",
                    "username": self.bot_username,
                    "can_join_groups": True,
                    "can_read_all_group_messages": False,
                    "supports_inline_queries": False,
                }
            )
        if method == "getUpdates":
            if self.webhook is not None:
                return Reply(
                    409,
                    _error(
                        409,
                        "Conflict: can't use getUpdates method while webhook is active;"
                        " use deleteWebhook to delete the webhook first",
                    ),
                )
            return self._get_updates(request, bot_id)
        if method in ("setWebhook", "deleteWebhook", "getWebhookInfo"):
            return self._webhook(request, method)
        if method == "answerCallbackQuery":
            return self._answer_callback_query(request)
        if method == "getFile":
            return self._get_file(request)
        if method == "file":
            return self._download(request)
        with self._lock:
            chat_param = request.param("chat_id")
            if not chat_param:
                return Reply(400, _error(400, "Bad Request: chat_id is empty"))
            chat = self._chat(chat_param, create=not self.strict_chats)
            if chat is None:
                return Reply(400, _error(400, "Bad Request: chat not found"))
            if method == "getChat":
                return self._ok({**chat.as_json(), "accent_color_id": 0, "max_reaction_count": 11})
            if method == "getChatMember":
                return self._chat_member(request, chat, bot_id)
            if chat.kicked:
                return Reply(403, _error(403, "Forbidden: bot is not a member of the channel chat"))
            if chat.blocked:
                return Reply(403, _error(403, "Forbidden: bot was blocked by the user"))
            if method == "sendMessage":
                return self._send_message(request, chat, bot_id)
            if method == "sendPhoto":
                return self._send_photo(request, chat, bot_id)
            if method in ("editMessageText", "editMessageReplyMarkup"):
                return self._edit_message(request, chat, method)
            return self._send_media_group(request, chat, bot_id)

    # -- endpoints -----------------------------------------------------------------------------

    @staticmethod
    def _ok(result: Any) -> Reply:
        return Reply(200, {"ok": True, "result": result})

    def _chat(
        self, key: str, *, create: bool, type: str = "channel", title: str | None = None
    ) -> FakeChat | None:
        chat = self._chats.get(key)
        if chat is not None or not create:
            return chat
        if key.startswith("@"):
            chat = FakeChat(-next(self._channel_ids), type, title or key[1:], username=key[1:])
        else:
            number = int(key)
            kind = "private" if number > 0 else ("channel" if key.startswith("-100") else "group")
            chat = FakeChat(number, kind if type == "channel" else type, title or f"chat {key}")
        self._chats[key] = chat
        self._chats[str(chat.id)] = chat
        if chat.username:
            self._chats["@" + chat.username] = chat
        return chat

    def _chat_member(self, request: RecordedRequest, chat: FakeChat, bot_id: int) -> Reply:
        user_id = int(request.param("user_id") or 0)
        user = {"id": user_id, "is_bot": user_id == bot_id, "first_name": "Herald"}
        if chat.kicked:
            return self._ok({"status": "kicked", "user": user, "until_date": 0})
        return self._ok(
            {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": False,
                "can_restrict_members": False,
                "can_promote_members": False,
                "can_change_info": False,
                "can_invite_users": True,
                "can_post_messages": True,
                "can_edit_messages": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            }
        )

    def _record_message(self, chat: FakeChat, bot_id: int, **content: Any) -> FakeMessage:
        messages = self._messages.setdefault(chat.id, [])
        message = FakeMessage(
            chat_id=chat.id,
            message_id=len(messages) + 1,
            date=int(self.clock()),
            bot_id=bot_id,
            **content,
        )
        messages.append(message)
        self._messages_changed.notify_all()
        return message

    @staticmethod
    def _message_json(message: FakeMessage, chat: FakeChat) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": chat.as_json(),
        }
        if chat.type == "channel":
            data["sender_chat"] = chat.as_json()
        if message.text is not None:
            data["text"] = message.text
        if message.caption is not None:
            data["caption"] = message.caption
        if message.media_group_id is not None:
            data["media_group_id"] = message.media_group_id
        if message.reply_markup:
            data["reply_markup"] = message.reply_markup
        if message.edits:
            data["edit_date"] = message.date
        for photo in message.photos:
            digest = hashlib.sha256(photo).hexdigest()
            data["photo"] = [
                {
                    "file_id": "AgAC" + digest[:40],
                    "file_unique_id": "AQAD" + digest[:12],
                    "width": 1280,
                    "height": 720,
                    "file_size": len(photo),
                }
            ]
        return data

    def _send_message(self, request: RecordedRequest, chat: FakeChat, bot_id: int) -> Reply:
        text = request.param("text") or ""
        if not text.strip():
            return Reply(400, _error(400, "Bad Request: message text is empty"))
        if len(text) > 4096:
            return Reply(400, _error(400, "Bad Request: message is too long"))
        message = self._record_message(
            chat, bot_id, text=text, reply_markup=self._reply_markup(request)
        )
        return self._ok(self._message_json(message, chat))

    @staticmethod
    def _reply_markup(request: RecordedRequest) -> dict[str, Any] | None:
        raw = request.param("reply_markup")
        if not raw:
            return None
        try:
            markup = json.loads(raw)
        except ValueError:
            return None
        return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None

    def _edit_message(self, request: RecordedRequest, chat: FakeChat, method: str) -> Reply:
        message_id = int(request.param("message_id") or 0)
        message = next(
            (m for m in self._messages.get(chat.id, []) if m.message_id == message_id), None
        )
        if message is None:
            return Reply(400, _error(400, "Bad Request: message to edit not found"))
        markup = self._reply_markup(request)
        if method == "editMessageText":
            text = request.param("text") or ""
            if not text.strip():
                return Reply(400, _error(400, "Bad Request: message text is empty"))
            if text == message.text and markup == message.reply_markup:
                return Reply(
                    400,
                    _error(
                        400,
                        "Bad Request: message is not modified: specified new message"
                        " content and reply markup are exactly the same as a current content"
                        " and reply markup of the message",
                    ),
                )
            message.text = text
        message.reply_markup = markup
        message.edits += 1
        self._messages_changed.notify_all()
        return self._ok(self._message_json(message, chat))

    def _answer_callback_query(self, request: RecordedRequest) -> Reply:
        query_id = request.param("callback_query_id")
        if not query_id:
            return Reply(400, _error(400, "Bad Request: query_id_invalid"))
        show_alert = (request.param("show_alert") or "").lower() in ("true", "1")
        with self._lock:
            self.callback_answers.append(
                {
                    "callback_query_id": query_id,
                    "text": request.param("text"),
                    "show_alert": show_alert,
                }
            )
            self._messages_changed.notify_all()
        return self._ok(True)

    def wait_for_callback_answers(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until the bot answered ``count`` button presses in all; returns the answers."""
        with self._messages_changed:
            self._messages_changed.wait_for(lambda: len(self.callback_answers) >= count, timeout)
            return list(self.callback_answers)

    def _get_file(self, request: RecordedRequest) -> Reply:
        with self._lock:
            found = self._files.get(request.param("file_id") or "")
        if found is None:
            return Reply(400, _error(400, "Bad Request: invalid file_id"))
        path, _, size = found
        if size > GET_FILE_LIMIT:
            return Reply(400, _error(400, "Bad Request: file is too big"))
        file_id = request.param("file_id")
        return self._ok(
            {
                "file_id": file_id,
                "file_unique_id": "AQAD" + path,
                "file_size": size,
                "file_path": path,
            }
        )

    def _download(self, request: RecordedRequest) -> Reply:
        match = _FILE_PATH.match(request.path)
        wanted = match.group(2) if match else ""
        with self._lock:
            for path, data, _ in self._files.values():
                if path == wanted:
                    return Reply(200, data)
        return Reply(404, _error(404, "Not Found"))

    def _webhook(self, request: RecordedRequest, method: str) -> Reply:
        with self._lock:
            if method == "setWebhook":
                url = request.param("url") or ""
                if url and not url.startswith("https://") and not url.startswith("http://127."):
                    return Reply(
                        400,
                        _error(
                            400, "Bad Request: bad webhook: HTTPS url must be provided for webhook"
                        ),
                    )
                allowed = request.param("allowed_updates")
                self.webhook = (
                    {
                        "url": url,
                        "secret_token": request.param("secret_token"),
                        "allowed_updates": json.loads(allowed) if allowed else None,
                    }
                    if url
                    else None
                )
                return self._ok(True)
            if method == "deleteWebhook":
                self.webhook = None
                return self._ok(True)
            info: dict[str, Any] = {
                "url": self.webhook["url"] if self.webhook else "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
            if self.webhook and self.webhook.get("allowed_updates"):
                info["allowed_updates"] = self.webhook["allowed_updates"]
            return self._ok(info)

    def _photo_bytes(self, request: RecordedRequest, reference: str | None) -> bytes | None:
        if reference is None:
            return None
        if reference.startswith("attach://"):
            upload = request.files.get(reference.removeprefix("attach://"))
            return upload.data if upload else None
        return reference.encode()  # a file_id or URL: recorded as given

    def _send_photo(self, request: RecordedRequest, chat: FakeChat, bot_id: int) -> Reply:
        upload = request.files.get("photo")
        photo = upload.data if upload else self._photo_bytes(request, request.param("photo"))
        if not photo:
            return Reply(400, _error(400, "Bad Request: there is no photo in the request"))
        caption = request.param("caption")
        if caption is not None and len(caption) > 1024:
            return Reply(400, _error(400, "Bad Request: message caption is too long"))
        message = self._record_message(
            chat, bot_id, caption=caption, photos=[photo], reply_markup=self._reply_markup(request)
        )
        return self._ok(self._message_json(message, chat))

    def _send_media_group(self, request: RecordedRequest, chat: FakeChat, bot_id: int) -> Reply:
        try:
            items = json.loads(request.param("media") or "[]")
        except ValueError:
            items = []
        if not 2 <= len(items) <= 10:
            return Reply(400, _error(400, "Bad Request: wrong number of media in the album"))
        group_id = str(10_000_000 + sum(len(m) for m in self._messages.values()))
        sent = []
        for item in items:
            photo = self._photo_bytes(request, item.get("media"))
            if not photo:
                return Reply(400, _error(400, "Bad Request: wrong file identifier"))
            message = self._record_message(
                chat, bot_id, caption=item.get("caption"), photos=[photo], media_group_id=group_id
            )
            sent.append(self._message_json(message, chat))
        return self._ok(sent)

    def _get_updates(self, request: RecordedRequest, bot_id: int) -> Reply:
        offset = int(request.param("offset") or 0)
        wait = min(float(request.param("timeout") or 0), LONG_POLL_CAP)
        allowed_param = request.param("allowed_updates")
        with self._updates_changed:
            if allowed_param is not None:
                try:
                    allowed = json.loads(allowed_param)
                except ValueError:
                    allowed = [name for name in allowed_param.split(",") if name]
                self._allowed[bot_id] = list(allowed) or None
            if offset:
                self._updates = [
                    u
                    for u in self._updates
                    if u["update_id"] >= offset or not self._mine(u, bot_id)
                ]
            # Types the bot did not ask for are dropped, as Telegram never stores them for it.
            self._updates = [
                u for u in self._updates if not self._mine(u, bot_id) or self._wanted(u, bot_id)
            ]
            if not any(self._mine(u, bot_id) for u in self._updates) and wait > 0:
                self._updates_changed.wait(wait)
            limit = int(request.param("limit") or 100)
            mine = [u for u in self._updates if self._mine(u, bot_id)]
            return self._ok(mine[:limit])

    def _mine(self, update: dict[str, Any], bot_id: int) -> bool:
        return self._update_bots.get(update["update_id"], bot_id) == bot_id

    def _wanted(self, update: dict[str, Any], bot_id: int) -> bool:
        kind = next(key for key in update if key != "update_id")
        allowed = self._allowed.get(bot_id)
        return kind not in NOT_BY_DEFAULT if allowed is None else kind in allowed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.telegram", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--strict-chats", action="store_true", help="400 for unknown chats")
    parser.add_argument("--send-limit", type=int, help="messages per chat per window")
    parser.add_argument("--window", type=float, default=60, help="rate-limit window, seconds")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    options = parser.parse_args(argv)
    fake = FakeTelegram(
        host=options.host,
        port=options.port,
        strict_chats=options.strict_chats,
        verbose=options.verbose,
    )
    if options.send_limit is not None:
        fake.set_rate_limit(SEND, options.send_limit, options.window)
    fake.serve_until_interrupted()


if __name__ == "__main__":
    main()
