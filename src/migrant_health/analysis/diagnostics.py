"""Warnings about an estimate, in the survey toolkit's words.

A fit that runs but deserves doubt (a covariate dropped because it is collinear, a logit whose
likelihood has no maximum in one direction, a fit that did not converge) warns with
:class:`EstimationWarning`, naming the variables. The libraries underneath (statsmodels,
pyfixest, linearmodels, NumPy) warn in their own terms, about their own internal names (pyfixest
sees the regressors as ``x0, x1, ...``): :func:`restated_warnings` captures those and says them
again as an :class:`EstimationWarning` about the user's variables. Deprecation notices of the
libraries are about their code, not the user's data, and are dropped.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

_INTERNAL_NAME = re.compile(r"\bx(\d+)\b")
_DROPPED = re.compile(r"dropped:?\s*\[(?P<names>[^\]]*)\]", re.IGNORECASE)
_LIBRARIES = ("statsmodels", "pyfixest", "linearmodels", "numpy", "scipy", "formulaic")


class EstimationWarning(UserWarning):
    """An estimate was produced but deserves doubt; the message names the variables."""


def warn(message: str) -> None:
    """Emit ``message`` as an :class:`EstimationWarning`."""
    warnings.warn(message, EstimationWarning, stacklevel=3)


def _library(filename: str) -> str:
    for name in _LIBRARIES:
        if f"{name}/" in filename.replace("\\", "/"):
            return name
    return "a library"


def restate(
    message: str, category: type[Warning], filename: str, model: str, names: Mapping[str, str]
) -> str | None:
    """One library warning in the toolkit's words, or ``None`` if it is not about the data.

    Args:
        message: The library's message.
        category: Its warning class.
        filename: Where it was raised (tells which library).
        model: The model being fitted, for the message (``"logit of depressed"``).
        names: Internal regressor names (``x0``) to the user's (``integration``).
    """
    if issubclass(category, DeprecationWarning | PendingDeprecationWarning | FutureWarning):
        return None
    if issubclass(category, ResourceWarning):
        # Raised when the garbage collector finalises an object left open elsewhere (a
        # database connection of the same process), whenever that happens to fall inside a
        # fit: never about the data. Restated, it reached a `survey estimate --json` run's
        # warnings in the CI's test process.
        return None
    text = " ".join(message.split())

    def rename(match: re.Match[str]) -> str:
        return names.get(match.group(0), match.group(0))

    dropped = _DROPPED.search(text)
    if dropped and "collinear" in text.lower():
        found = [n.strip(" '\"") for n in dropped.group("names").split(",") if n.strip(" '\"")]
        named = ", ".join(names.get(n, n) for n in found)
        return (
            f"{model}: {named} dropped, being collinear with the other regressors or the "
            "fixed effects (a combination of them); drop it or recode"
        )
    kind = category.__name__
    if kind == "ConvergenceWarning" or "converge" in text.lower():
        return (
            f"{model}: the fit did not converge, so the estimates may be wrong; look for a "
            "regressor that nearly predicts the outcome, or rescale large-valued regressors"
        )
    if kind == "PerfectSeparationWarning" or "separation" in text.lower():
        return (
            f"{model}: some respondents' outcome is predicted perfectly (separation); the "
            "coefficients involved are not identified"
        )
    if issubclass(category, RuntimeWarning) and any(
        w in text for w in ("overflow", "divide by zero", "invalid value")
    ):
        return (
            f"{model}: numbers overflowed while fitting ({text}); coefficients that grow without "
            "bound usually mean separation or a regressor on a very large scale"
        )
    return f"{model}: {_library(filename)} warned: {_INTERNAL_NAME.sub(rename, text)}"


@contextmanager
def restated_warnings(model: str, names: Mapping[str, str] | None = None) -> Iterator[None]:
    """Capture warnings raised inside the block and re-emit each once as an EstimationWarning.

    Args:
        model: What is being fitted, named in each message.
        names: Internal regressor names (``x0``) to the user's column names.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    messages: list[str] = []
    for record in caught:
        if issubclass(record.category, EstimationWarning):
            messages.append(str(record.message))
            continue
        said = restate(str(record.message), record.category, record.filename, model, names or {})
        if said is not None:
            messages.append(said)
    for message in dict.fromkeys(messages):
        warnings.warn(message, EstimationWarning, stacklevel=3)
