"""The Web API methods of the fake Slack: each takes a call's params and gives the answer.

:class:`SlackMethods` is the part of :class:`tests.fake_slack.FakeSlack` that carries out
``auth.test``, ``chat.*``, ``conversations.*``, ``users.*``, ``views.*`` and
``usergroups.users.update`` on the fake's state; :data:`METHODS` maps each method name to its
handler. A handler gives the answer without ``"ok"`` or raises :class:`MethodError` with the
Slack error code. Answers follow Slack's documented shapes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Iterator
from typing import Any


class MethodError(Exception):
    """A Slack error answer (``{"ok": false, "error": code}``) from a method handler."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class SlackMethods:
    """The method handlers, on the state :class:`tests.fake_slack.FakeSlack` sets up."""

    team_id: str
    team_domain: str
    app_id: str
    bot_user_id: str
    bot_id: str
    users_by_email: dict[str, str]
    messages: dict[tuple[str, str], dict[str, Any]]
    topics: dict[str, str]
    _topic_set: dict[str, int]
    usergroups: dict[str, list[str]]
    views: dict[str, dict[str, Any]]
    home_views: dict[str, dict[str, Any]]
    opened_dms: dict[str, str]
    _serial: Iterator[int]

    def dm_channel(self, user_id: str) -> str:
        """The stable "D…" channel id that conversations.open gives for a user."""
        return "D" + hashlib.sha1(user_id.encode()).hexdigest()[:10].upper()

    def next_ts(self) -> str:
        """A new message ts, increasing: "1733200000.000100", "1733200000.000200", ..."""
        micros = 1_733_200_000_000_000 + next(self._serial) * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        return f"{prefix}0FAKE{next(self._serial):05d}"

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Oncall Fake",
            "user": "oncall",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _channel(self, params: dict[str, Any]) -> str:
        channel = str(params.get("channel") or "")
        if not channel:
            raise MethodError("channel_not_found")
        return self.dm_channel(channel) if channel[0] in "UW" else channel

    def _message_fields(self, params: dict[str, Any]) -> dict[str, Any]:
        fields = {k: params[k] for k in MESSAGE_FIELDS if params.get(k) is not None}
        for key in ("blocks", "attachments", "metadata"):  # JSON-encoded in a form body
            if key in fields:
                fields[key] = _decoded(fields[key])
        if "text" in fields:
            fields["text"] = str(fields["text"])
        return fields

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(params)
        if not any(params.get(k) for k in ("text", "blocks", "attachments")):
            raise MethodError("no_text")
        ts = self.next_ts()
        message = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": "",
            **self._message_fields(params),
            "ts": ts,
        }
        self.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "message": message}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._channel(params), str(params.get("ts") or "")
        if (channel, ts) not in self.messages:
            raise MethodError("message_not_found")
        message = {**self.messages[(channel, ts)], **self._message_fields(params)}
        message["edited"] = {"user": self.bot_user_id, "ts": self.next_ts()}
        self.messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "text": message["text"], "message": message}

    def _chat_delete(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = self._channel(params), str(params.get("ts") or "")
        if self.messages.pop((channel, ts), None) is None:
            raise MethodError("message_not_found")
        return {"channel": channel, "ts": ts}

    def _chat_post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        self._channel(params)
        if not params.get("user"):
            raise MethodError("user_not_in_channel")
        if not any(params.get(k) for k in ("text", "blocks", "attachments")):
            raise MethodError("no_text")
        return {"message_ts": self.next_ts()}

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = _listed(params.get("users"))
        if params.get("channel"):
            return {"channel": {"id": str(params["channel"])}}
        if not users:
            raise MethodError("users_list_not_supplied")
        if len(users) == 1:
            channel = self.dm_channel(users[0])
        else:
            channel = "G" + hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
        again = channel in self.opened_dms
        self.opened_dms[channel] = users[0]
        answer: dict[str, Any] = {"channel": {"id": channel}}
        return {**answer, "no_op": True, "already_open": True} if again else answer

    def _user(self, user_id: str, email: str | None = None) -> dict[str, Any]:
        email = email or next((e for e, u in self.users_by_email.items() if u == user_id), None)
        name = email.split("@")[0] if email else user_id.lower()
        profile = {"real_name": name, "display_name": name, "team": self.team_id}
        return {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": name,
            "deleted": False,
            "is_bot": False,
            "tz": "Europe/London",
            "tz_offset": 0,
            "profile": {**profile, "email": email} if email else profile,
        }

    def _users_lookup_by_email(self, params: dict[str, Any]) -> dict[str, Any]:
        email = str(params.get("email") or "").lower()  # Slack matches emails in any case
        found = [(e, u) for e, u in self.users_by_email.items() if e.lower() == email]
        if not found:
            raise MethodError("users_not_found")
        return {"user": self._user(found[0][1], found[0][0])}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user") or "")
        if user_id[:1] not in ("U", "W"):
            raise MethodError("user_not_found")
        return {"user": self._user(user_id)}

    def _view(self, view: Any, view_id: str) -> dict[str, Any]:
        view = _decoded(view)
        if not isinstance(view, dict) or "type" not in view:
            raise MethodError("invalid_arguments")
        return {
            "id": view_id,
            "team_id": self.team_id,
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "state": {"values": {}},
            "clear_on_close": False,
            "notify_on_close": False,
            **view,
            "hash": f"{time.time():.6f}.{next(self._serial):08x}",
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
        }

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("trigger_id"):
            raise MethodError("invalid_trigger_id")
        view = self._view(params.get("view"), self.next_id("V"))
        self.views[view["id"]] = view
        return {"view": view}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id = params.get("view_id")
        if not view_id and params.get("external_id"):
            found = [v for v in self.views.values() if v["external_id"] == params["external_id"]]
            view_id = found[0]["id"] if found else None
        old = self.views.get(str(view_id))
        if old is None:
            raise MethodError("not_found")
        if params.get("hash") and params["hash"] != old["hash"]:
            raise MethodError("hash_conflict")
        self.views[old["id"]] = self._view(params.get("view"), old["id"])
        return {"view": self.views[old["id"]]}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user_id") or "")
        if not user_id:
            raise MethodError("invalid_arguments")
        old = self.home_views.get(user_id)
        view = self._view(params.get("view"), old["id"] if old else self.next_id("V"))
        self.home_views[user_id] = view
        return {"view": view}

    def _usergroups_users_update(self, params: dict[str, Any]) -> dict[str, Any]:
        usergroup, users = str(params.get("usergroup") or ""), _listed(params.get("users"))
        if not usergroup.startswith("S"):
            raise MethodError("no_such_subteam")
        if not users:
            raise MethodError("no_users_provided")
        self.usergroups[usergroup] = users
        group = {"id": usergroup, "team_id": self.team_id, "is_usergroup": True}
        return {"usergroup": {**group, "users": users, "user_count": len(users)}}

    def _conversation(self, channel: str) -> dict[str, Any]:
        is_im = channel.startswith("D")
        topic = {
            "value": self.topics.get(channel, ""),
            "creator": self.bot_user_id if channel in self.topics else "",
            "last_set": self._topic_set.get(channel, 0),
        }
        about = {
            "id": channel,
            "is_channel": channel.startswith("C"),
            "is_group": channel.startswith("G"),
            "is_im": is_im,
            "is_private": not channel.startswith("C"),
            "is_archived": False,
            "created": 1_733_000_000,
        }
        if is_im:
            return {**about, "user": self.opened_dms.get(channel, "")}
        purpose = {"value": "", "creator": "", "last_set": 0}
        about = {**about, "name": channel.lower(), "is_member": True}
        return {**about, "topic": topic, "purpose": purpose}

    def _conversations_set_topic(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, topic = self._channel(params), str(params.get("topic") or "")
        if len(topic) > 250:
            raise MethodError("too_long")
        self.topics[channel], self._topic_set[channel] = topic, int(time.time())
        return {"channel": self._conversation(channel)}

    def _conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": self._conversation(self._channel(params))}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """The channel's top-level messages, newest first, at most ``limit`` (default 100),
        within ``oldest``/``latest`` (exclusive, as Slack's default); ``metadata`` only with
        ``include_all_metadata``."""
        channel = self._channel(params)
        found = [
            m
            for (c, ts), m in self.messages.items()
            if c == channel and m.get("thread_ts") in (None, ts) and _within(ts, params)
        ]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        limit = _limit(params)
        shown = [_shown(m, params) for m in found[:limit]]
        return {"messages": shown, "has_more": len(found) > limit, "pin_count": 0}

    def _conversations_replies(self, params: dict[str, Any]) -> dict[str, Any]:
        """A thread: its parent then its replies, oldest first (Slack's order), at most
        ``limit``; ``thread_not_found`` for an unknown parent."""
        channel, ts = self._channel(params), str(params.get("ts") or "")
        if (channel, ts) not in self.messages:
            raise MethodError("thread_not_found")
        found = [
            m
            for (c, t), m in self.messages.items()
            if c == channel and (t == ts or m.get("thread_ts") == ts)
        ]
        found.sort(key=lambda m: float(m["ts"]))
        limit = _limit(params)
        return {"messages": [_shown(m, params) for m in found[:limit]], "has_more": False}


MESSAGE_FIELDS = ("text", "blocks", "attachments", "metadata", "thread_ts")

METHODS = {
    "auth.test": "_auth_test",
    "chat.postMessage": "_chat_post_message",
    "chat.update": "_chat_update",
    "chat.postEphemeral": "_chat_post_ephemeral",
    "chat.delete": "_chat_delete",
    "conversations.open": "_conversations_open",
    "conversations.info": "_conversations_info",
    "conversations.setTopic": "_conversations_set_topic",
    "conversations.history": "_conversations_history",
    "conversations.replies": "_conversations_replies",
    "users.lookupByEmail": "_users_lookup_by_email",
    "users.info": "_users_info",
    "views.open": "_views_open",
    "views.update": "_views_update",
    "views.publish": "_views_publish",
    "usergroups.users.update": "_usergroups_users_update",
}


def _decoded(value: Any) -> Any:
    """A JSON-encoded form field (blocks, view) decoded; anything else as it is."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def _listed(value: Any) -> list[str]:
    """A comma-separated string (as slack_sdk sends users) or a list, as a list of ids."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _limit(params: dict[str, Any]) -> int:
    try:
        return max(1, min(int(params.get("limit") or 100), 1000))
    except ValueError:
        return 100


def _within(ts: str, params: dict[str, Any]) -> bool:
    """``ts`` after ``oldest`` and before ``latest`` when given."""
    oldest, latest = params.get("oldest"), params.get("latest")
    return (not oldest or float(ts) > float(oldest)) and (not latest or float(ts) < float(latest))


def _shown(message: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """A message as history shows it: its ``metadata`` only with ``include_all_metadata``."""
    if str(params.get("include_all_metadata", "")).lower() in ("1", "true"):
        return dict(message)
    return {k: v for k, v in message.items() if k != "metadata"}
