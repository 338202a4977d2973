"""The messages behind `bot.settings`: error text naming each key, and display with secrets masked.

Kept apart from the `Settings` model so that module stays a readable list of fields. A vendor's
own checks (credentials that go together, URLs) are declared on its settings model
(`adapters.settings.VendorSettings`).
"""

from __future__ import annotations

from typing import Any, Final

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_core import ErrorDetails

from adapters.settings import NOT_UTF8, not_utf8
from bot.settings.origin import POLICY_TABLE, Sources, file_key_for_variable, toml_key
from bot.settings.suggest import closest

_MESSAGES: Final[dict[str, str]] = {
    "extra_forbidden": "unknown setting",
    "bool_parsing": "must be true or false (or 1 or 0)",
    "bool_type": "must be true or false (or 1 or 0)",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "string_type": "must be a string",
    "model_type": "must be a table of settings",
    "model_attributes_type": "must be a table of settings",
    "list_type": "must be a list",
    "path_type": "must be a file path",
}
#: A bound declared with `pydantic.Field` (``gt``, ``le`` …), said with the bound's value.
_BOUNDS: Final[dict[str, str]] = {
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
}
NOT_SET: Final = "(not set)"
SECRET_SHOWN: Final = "****"  # noqa: S105 -- the mask shown instead of a secret


def explain(exc: ValidationError, model: type[BaseModel], sources: Sources | None = None) -> str:
    """One line per problem, naming the key as it was written (`bot.settings.origin`):
    ``ENV_NAME (toml.key): why`` for the environment, ``<file>: toml.key: why`` for the TOML
    file `sources` name. Without `sources`, every key is named the first way.

    A value that fits no member of a union is one problem, not one per member: its reasons
    are joined in one line (``must be a whole number or a list``).
    """
    try:
        details = exc.errors()
    except UnicodeEncodeError:  # a message quotes text that is not UTF-8: none can be read
        return _undecodable(sources)
    problems: dict[tuple[str, ...], list[ErrorDetails]] = {}
    for error in details:
        problems.setdefault(tuple(_path(model, error)), []).append(error)
    return "\n".join(
        _explain_one(errors, list(path), model, sources) for path, errors in problems.items()
    )


def _undecodable(sources: Sources | None) -> str:
    """One line per environment variable whose value is not valid UTF-8: pydantic cannot say
    its errors once one of them quotes such a value, so these are what can be named. (The
    TOML file is always UTF-8.)"""
    named = [key for key, value in (sources.environ if sources else {}).items() if not_utf8(value)]
    return "\n".join(f"{key}: {NOT_UTF8}" for key in sorted(named)) or (
        f"a setting's value {NOT_UTF8}"
    )


def _path(model: type[BaseModel], error: ErrorDetails) -> list[str]:
    """The setting's key: the error's location without the tags pydantic puts there for the
    members of a union (``str``, ``function-after[…]``), which name no key anyone writes."""
    path: list[str] = []
    level: type[BaseModel] | None = model
    for part in error["loc"]:
        if isinstance(part, int):
            path.append(str(part))  # a position in a list
        elif level is not None:  # a key of a table: a setting, or one no model has
            name = _field_name(level, part)
            path.append(name)
            level = _table(level, name)
    ctx = error.get("ctx") or {}
    if "field" in ctx:
        path.append(str(ctx["field"]))
    return path


def _why(error: ErrorDetails) -> str:
    ctx = error.get("ctx") or {}
    if error["type"] in _BOUNDS:
        return _BOUNDS[error["type"]].format_map({key: _number(v) for key, v in ctx.items()})
    if error["type"] == "literal_error":  # "Input should be 'text' or 'json'"
        return f"must be {ctx.get('expected', 'one of the values it takes')}"
    return _MESSAGES.get(error["type"], error["msg"])


def _explain_one(
    errors: list[ErrorDetails],
    path: list[str],
    model: type[BaseModel],
    sources: Sources | None,
) -> str:
    error = errors[0]
    reasons = list(dict.fromkeys(_why(each) for each in errors))
    why = reasons[0] + "".join(" or " + reason.removeprefix("must be ") for reason in reasons[1:])
    # A missing credential was set nowhere: it is named where the one requiring it was set.
    origin = path
    if error["type"] == "missing_credential":
        origin = [*path[:-1], str((error.get("ctx") or {})["given"])]
        why = f"required when {'.'.join(origin)} is set"
    written = _in_file(model, origin, sources)
    if error["type"] == "credentials_conflict" and sources is not None:
        why += _set_elsewhere(model, path, (error.get("ctx") or {}).get("with", ()), sources)
    if sources is None or written is None:
        if error["type"] == "extra_forbidden" and (meant := _meant(model, path)):
            why += f"; did you mean {env_name(model, [*path[:-1], meant])}?"
        return f"{env_name(model, path)} ({'.'.join(path)}): {why}"
    in_file = [written, *path[1:]]
    if error["type"] == "extra_forbidden" and (key := file_key_for_variable(model, in_file[-1])):
        why += f" (that is an environment variable; the file's key is {key})"
    elif error["type"] == "extra_forbidden" and (
        meant := _meant(model, path, table=isinstance(error["input"], dict))
    ):
        shown = "[policy]" if meant == POLICY_TABLE else toml_key([*in_file[:-1], meant])
        why += f"; did you mean {shown}?"
    return f"{sources.toml_file}: {toml_key(in_file)}: {why}"


def _meant(model: type[BaseModel], path: list[str], *, table: bool = False) -> str | None:
    """The setting of the same table an unknown key at `path` most likely meant. An unknown
    `table` of the file meant a table: a vendor's, or ``[policy]``, which the policy reads
    (the settings never see it)."""
    within: type[BaseModel] | None = model
    for part in path[:-1]:
        within = _table(within, part) if within is not None else None
    if within is None or not path:
        return None
    if not table:
        return closest(path[-1], within.model_fields)
    tables = {name for name in within.model_fields if _table(within, name)}
    return closest(path[-1], tables | ({POLICY_TABLE} if len(path) == 1 else set()))


def _table(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    """The model of the table setting `name` of `model` holds (a vendor's), if it is one."""
    info = model.model_fields.get(name)
    annotation = info.annotation if info is not None else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _set_elsewhere(
    model: type[BaseModel], path: list[str], others: list[str], sources: Sources
) -> str:
    """Where the settings `path` conflicts with were set, when that is not where `path` was
    (a token in the file, client credentials in the environment): ``" (the environment sets
    OPSGATE_ACME__CLIENT_ID)"``, so the operator looks in both places."""
    in_env = sources.sets_variable(env_name(model, path))
    elsewhere = []
    for other in ([*path[:-1], name] for name in others):
        if not in_env and sources.sets_variable(env_name(model, other)):
            elsewhere.append(env_name(model, other))
        elif in_env and _in_file(model, other, sources) is not None:
            elsewhere.append(toml_key(other))
    if not elsewhere:
        return ""
    where = "the environment" if not in_env else str(sources.toml_file)
    return f" ({where} sets {' and '.join(elsewhere)})"


def _in_file(model: type[BaseModel], origin: list[str], sources: Sources | None) -> str | None:
    """The top-level key the TOML file sets `origin` with, unless the environment set it."""
    if sources is None or sources.sets_variable(env_name(model, origin)):
        return None
    return sources.written_in_file(model, origin)


def _number(value: object) -> str:
    """A bound as people write it: ``0`` and ``1000``, not ``0.0`` and ``1000.0``."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _field_name(model: type[BaseModel], key: str) -> str:
    """Map a validation alias (``SLACK_BOT_TOKEN``) back to its field name."""
    for name, info in model.model_fields.items():
        if info.validation_alias == key:
            return name
    return key


def env_name(model: type[BaseModel], path: list[str]) -> str:
    """The environment variable that sets the setting at `path` (``OPSGATE_ACME__TOKEN``)."""
    info = model.model_fields.get(path[0]) if path else None
    if info is not None and isinstance(info.validation_alias, str) and len(path) == 1:
        return info.validation_alias
    return "OPSGATE_" + "__".join(part.upper() for part in path)


def describe_model(model: BaseModel, prefix: str = "") -> dict[str, str]:
    """Every field of `model` as display text; nested models are flattened to dotted keys."""
    shown: dict[str, str] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            shown.update(describe_model(value, f"{prefix}{name}."))
        else:
            shown[f"{prefix}{name}"] = _display(value)
    return shown


def _display(value: Any) -> str:
    if isinstance(value, SecretStr):
        return SECRET_SHOWN if value.get_secret_value() else NOT_SET
    if value is None:
        return NOT_SET
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
