"""The keys of a YAML mapping, checked as they are read: each a single value, each given once.

PyYAML keeps the last of two equal keys without a word (``rename: {age: q1, age: q2}`` would
quietly map ``q2``), and a key written as a list or a mapping (``{[2025]: 0.5}``) fails with
Python's ``unhashable type`` deep inside the loader. The parameter and scenario files and the
survey column maps read their YAML through loaders that call :func:`check_keys`, so both are
answered with the line of the key.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml
from yaml.constructor import ConstructorError

# YAML's merge key (``<<``) and value key (``=``) are not keys of the mapping.
_MERGE_TAGS = frozenset({"tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"})


def check_keys(loader: Any, node: yaml.MappingNode) -> None:
    """Refuse a key of ``node`` that is a list or a mapping, or that appears twice.

    Args:
        loader: The loader constructing the mapping (a ``SafeLoader`` or ``CSafeLoader``).
        node: The mapping's node.

    Raises:
        yaml.constructor.ConstructorError: At the offending key, with its line.
    """
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag in _MERGE_TAGS:
            continue  # ``<<: *base`` merges a mapping in; its keys may be overridden here

        # Whole (deep): a list key is otherwise still empty here, and shows as [].
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, Hashable):
            kind = "a list" if isinstance(key, list) else "a mapping"
            raise ConstructorError(
                None,
                None,
                f"a key must be a single value (a name, a year or a code), not {kind}: "
                f"{key!r}; write the key plainly",
                key_node.start_mark,
            )
        if key in seen:
            raise ConstructorError(
                None,
                None,
                f"key {key!r} is given twice in one mapping (first at line {seen[key]}); keep one",
                key_node.start_mark,
            )
        seen[key] = line
