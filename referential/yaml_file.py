"""YAML reading that keeps line numbers, so that errors can point into the file."""

from __future__ import annotations

from typing import Any

import yaml
from django.utils.translation import gettext as _

from referential.data import ReferentialFileError


class LineDict(dict):
    """A YAML mapping that remembers the line it starts on."""

    line: int | None = None


# The C parser (libyaml) when available: about ten times faster, with the same line marks.
class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    seen: dict[Any, int] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, str) and key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                _("clé « %(key)s » en double (déjà vue ligne %(line)s)")
                % {"key": key, "line": seen[key]},
                key_node.start_mark,
            )
        if isinstance(key, str):
            seen[key] = key_node.start_mark.line + 1
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_referential_yaml(text: str) -> Any:
    """Parse YAML text; a syntax error becomes a ReferentialFileError with its line."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else "?"
        raise ReferentialFileError(
            [
                _("Ligne %(line)s : YAML invalide (%(problem)s).")
                % {"line": line, "problem": error.problem or error.context}
            ]
        ) from None
    except yaml.YAMLError as error:
        raise ReferentialFileError([_("YAML invalide : %(error)s.") % {"error": error}]) from None
