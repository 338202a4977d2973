"""What a Slack payload must be before opsgate acts on it: shaped as Slack sends it, naming
people and channels by Slack's ids (SPEC §1, §3, §4).

Slack signs only what it sends, yet a signed payload used to be taken as it came: a click whose
``user.id`` was ``5`` was approved, executed and audited with actor ``5``, and one whose
``actions`` was not a list failed inside Bolt with a 500 and a traceback. `CheckedPayloads`
runs in Bolt's first middleware slot, right after the signature check, for HTTP, Socket Mode
and the console alike. It reads each payload against the models below (the fields Bolt and the
listeners read, in the types they read them as, with every user and channel id held to
`bot.model.slack_ids`) and refuses one that does not fit, in one log line, before any listener
runs: nothing is stored and nobody is recorded. Over HTTP the refusal is a 400; over Socket
Mode the envelope is acknowledged and nothing more (left unacknowledged, Slack would only send
it again).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, ClassVar, Final

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictStr,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError
from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.model import is_channel_id, is_user_id
from bot.slack.verification import LOGGED_BODY_CHARS, SignedRequests, loggable

log = logging.getLogger(__name__)

_LOGGED_VALUE_CHARS: Final = 40
_FIELD: Final = re.compile(r"(?!str$)[a-z][a-z0-9_]*")
#: pydantic's error types, said briefly (its own messages name the models).
_SAID: Final = {
    "missing": "missing",
    "model_type": "not an object",
    "dict_type": "not an object",
    "list_type": "not a list",
    "string_type": "not a string",
    "too_short": "empty",
    "string_too_short": "empty",
}


def _user_id(value: str) -> str:
    if not is_user_id(value):
        raise PydanticCustomError("user_id", "not a Slack user id (U…/W…)")
    return value


def _channel_id(value: str) -> str:
    if not is_channel_id(value):
        raise PydanticCustomError("channel_id", "not a Slack channel id (C…/G…/D…)")
    return value


UserId = Annotated[StrictStr, AfterValidator(_user_id)]
ChannelId = Annotated[StrictStr, AfterValidator(_channel_id)]


class _Shape(BaseModel):
    """The fields named are checked; whatever else Slack sends passes as it is."""

    model_config = ConfigDict(extra="allow")
    #: Fields that may be left out but, when sent, must not be null: Bolt reads inside them.
    _never_null: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _not_null(cls, data: Any) -> Any:
        for name in cls._never_null:
            if isinstance(data, dict) and name in data and data[name] is None:
                raise PydanticCustomError("null", "{name} is null", {"name": name})
        return data


class _User(_Shape):
    id: UserId


class _Channel(_Shape):
    id: ChannelId


class _Team(_Shape):
    id: StrictStr | None = None


class _Container(_Shape):
    channel_id: ChannelId | None = None
    message_ts: StrictStr | None = None


class _View(_Shape):
    type: StrictStr
    callback_id: StrictStr = ""
    private_metadata: StrictStr = ""
    state: dict[str, Any] = Field(default_factory=dict)


class _Action(_Shape):
    action_id: StrictStr


class _Function(_Shape):
    callback_id: StrictStr


class _Event(_Shape):
    _never_null = ("function",)
    type: StrictStr
    user: UserId | None = None
    function: _Function | None = None
    function_execution_id: StrictStr | None = None
    inputs: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _home_has_a_user(self) -> _Event:
        if self.type == "app_home_opened" and self.user is None:
            raise PydanticCustomError("user_id", "app_home_opened names no user")
        return self


class _Payload(_Shape):
    """What any payload may carry, in the types Bolt and the listeners read it as."""

    _never_null = ("event", "view")

    type: StrictStr | None = None
    team: _Team | StrictStr | None = None
    enterprise: _Team | StrictStr | None = None
    authorizations: list[dict[str, Any]] | None = None
    user: _User | None = None
    channel: _Channel | None = None
    container: _Container | None = None
    view: _View | None = None
    message: dict[str, Any] | None = None
    event: _Event | None = None
    trigger_id: StrictStr | None = None
    response_url: StrictStr | None = None


class _Command(_Payload):
    command: StrictStr
    user_id: UserId
    channel_id: ChannelId
    response_url: Annotated[StrictStr, Field(min_length=1)]  # where opsgate answers
    text: StrictStr = ""


class _Interaction(_Payload):
    user: _User


class _Click(_Interaction):
    actions: Annotated[list[_Action], Field(min_length=1)]


class _Submission(_Interaction):
    view: _View


class _Shortcut(_Interaction):
    callback_id: StrictStr


class _Suggestion(_Interaction):
    action_id: StrictStr


class _Events(_Payload):
    event: _Event


_BY_TYPE: Final[dict[str, type[_Payload]]] = {
    "block_actions": _Click,
    "block_suggestion": _Suggestion,
    "view_submission": _Submission,
    "view_closed": _Submission,
    "shortcut": _Shortcut,
    "message_action": _Shortcut,
    "event_callback": _Events,
}


def problem(body: Mapping[str, Any]) -> str | None:
    """What makes `body` other than a payload Slack sends, in one short phrase (the first
    field found wrong, and its value, cut); None when nothing does."""
    kind = body.get("type")
    model = _BY_TYPE.get(kind, _Payload) if isinstance(kind, str) else _Payload
    try:
        (_Command if "command" in body else model).model_validate(body)
    except ValidationError as exc:
        return _first(exc)
    return None


def _first(exc: ValidationError) -> str:
    error = exc.errors(include_url=False)[0]
    # Only field names and list indexes: a union's members are named in the location too.
    where = ".".join(str(p) for p in error["loc"] if isinstance(p, int) or _FIELD.fullmatch(p))
    said = _SAID.get(error["type"], error["msg"])
    value = loggable(repr(error.get("input")), limit=_LOGGED_VALUE_CHARS)
    more = exc.error_count() - 1
    return f"{where or 'the payload'}: {said} ({value})" + (f", +{more}" if more else "")


class CheckedPayloads(Middleware):
    """The signature check (HTTP only), then `problem`: a payload that fails is refused.

    Bolt has one slot before its own middleware, so this one holds both checks, in that order.

    Args:
        signatures: Slack's signature check; None when the app has no signing secret (Socket
            Mode only), where nothing is signed.
    """

    def __init__(self, *, signatures: SignedRequests | None) -> None:
        self._signatures = signatures

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # Bolt passes it by this name
    ) -> BoltResponse:
        """Pass a signed, well-formed payload on; refuse anything else."""
        if self._signatures is None:
            return self._checked(req, next)
        return self._signatures.process(req=req, resp=resp, next=lambda: self._checked(req, next))

    def _checked(self, req: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse:
        wrong = problem(req.body)
        if wrong is None:
            return next()
        log.warning(  # the payload as read (a form body's JSON is easier to read decoded)
            "refused a Slack payload that is not as Slack sends it (%s): %s",
            wrong,
            loggable(json.dumps(req.body, default=str), limit=LOGGED_BODY_CHARS),
        )
        if req.mode == "socket_mode":
            return BoltResponse(status=200, body="")
        return BoltResponse(status=400, body={"error": "malformed payload"})
