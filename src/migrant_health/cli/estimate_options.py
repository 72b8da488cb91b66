"""From the flags of ``survey estimate`` to the options of the chosen model's estimator.

The options of a model are its estimator's ``__init__`` parameters
(:meth:`~migrant_health.analysis.model_spec.ModelSpec.options`); the CLI does not list them
again. A flag sets the option of its own name (``--fixed-effects`` sets ``fixed_effects``) unless
:data:`OPTION_OF_FLAG` renames it. Only flags given on the command line are passed, so an option
left out keeps the estimator's default, and a flag the model does not take is an error rather
than silently dropped. An option whose default is a tuple takes a comma-separated list.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import typer

from migrant_health.errors import DataError

if TYPE_CHECKING:
    from migrant_health.analysis.model_spec import ModelSpec

# Flags whose names read better on the command line than the options they set.
OPTION_OF_FLAG = {
    "interact": "interaction",
    "group_model": "model",
    "ci_method": "method",
    "sims": "n_sims",
    "seed": "random_state",
}
# Parameters of reading the survey file, shared with the other survey commands.
READ_PARAMS = frozenset({"encoding"})

# Parameters of ``survey estimate`` that steer the command, not the model.
COMMAND_PARAMS = frozenset(
    {"data", "model", "with_index", "index_method", "as_json", "table_format", "column_map"}
)


def model_flags(ctx: typer.Context) -> dict[str, tuple[str, str]]:
    """The flags that set an estimator option: ``{option: (parameter name, flag)}``."""
    return {
        OPTION_OF_FLAG.get(str(p.name), str(p.name)): (str(p.name), p.opts[0])
        for p in ctx.command.params
        if p.name not in COMMAND_PARAMS | READ_PARAMS
    }


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether a parameter was set by the user rather than left at its default."""
    source = ctx.get_parameter_source(name)
    # Compared by name: recent typer vendors click, so the enum's class depends on the version.
    return source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def given_options(ctx: typer.Context, model: str, spec: ModelSpec) -> dict[str, Any]:
    """The options set by flags given on the command line, ready for ``spec.build``.

    Args:
        ctx: The context of the ``survey estimate`` command.
        model: The model's name (for the message).
        spec: The model's estimator and fixed arguments.

    Raises:
        DataError: Naming every given flag that ``model`` does not take, and those it does.
    """
    flags = model_flags(ctx)
    accepted = spec.options()
    given = {option: flag for option, flag in flags.items() if _given(ctx, flag[0])}
    unused = [flag for option, (_, flag) in given.items() if option not in accepted]
    if unused:
        verb = "is not an option" if len(unused) == 1 else "are not options"
        takes = ", ".join(flags[o][1] for o in accepted if o in flags)
        raise DataError(f"{', '.join(unused)} {verb} of model '{model}'; it takes: {takes}")
    options = {}
    for option, (name, _) in given.items():
        value = ctx.params[name]
        is_list = isinstance(accepted[option].default, tuple)
        options[option] = _split(value) if is_list and isinstance(value, str) else value
    return options


def resolved_options(spec: ModelSpec, options: Mapping[str, Any]) -> dict[str, Any]:
    """Every option the estimator will use: its defaults, overridden by ``options``."""
    defaults = {
        name: p.default
        for name, p in spec.options().items()
        if p.default is not inspect.Parameter.empty
    }
    return {**defaults, **options}


def named_columns(options: Mapping[str, Any]) -> list[str]:
    """Columns the options may name: every text value, read as a regressor term.

    Values that are not columns (``method="simulation"``) are returned too; callers keep the
    names that are columns of their data.
    """
    names: list[str] = []
    for value in options.values():
        terms = [value] if isinstance(value, str) else value
        if isinstance(terms, tuple | list):
            for term in terms:
                if isinstance(term, str):
                    names.extend(_source_columns(term))
    return list(dict.fromkeys(names))


def _source_columns(term: str) -> list[str]:
    # Imported on use: the analysis package loads statsmodels (see cli/survey.py).
    from migrant_health.analysis.frame import source_columns

    return list(source_columns(term))
