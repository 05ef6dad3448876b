"""Native wire fields named as another front's caller sent them: a front translates its request
into the native create body, and validation names what it refuses in native terms
(parameters.durationSeconds); the front's caller should read its own (`seconds`)."""

from __future__ import annotations

from openreel.errors import InvalidArgument

# (native field, or the start of a native path, -> the front's field), first match wins.
FieldNames = tuple[tuple[str, str], ...]


def front_field(native: str, names: FieldNames) -> str:
    """The front's name for a native field (or one inside it, e.g. instances[0].image.mimeType);
    a field the front shares with the native body keeps its name."""
    for prefix, name in names:
        if native == prefix or native.startswith((prefix + ".", prefix + "[")):
            return name
    return native


def renamed(error: InvalidArgument, names: FieldNames) -> InvalidArgument:
    """The same refusal, its fields named as the front's caller sent them."""
    return error.with_fields_renamed(lambda native: front_field(native, names))
