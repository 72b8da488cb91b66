"""Putting a run back together from runs of its chunk ranges (``--chunks``), bit for bit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields, replace

import numpy as np

from migrant_health.engine.exact_sum import ExactSum
from migrant_health.engine.plan import Plan
from migrant_health.engine.run import ChunkSums, RunResult, _result
from migrant_health.engine.run_config import RunConfig
from migrant_health.engine.run_context import build_context
from migrant_health.errors import RunConfigError


def combine_parts(plan: Plan, parts: Iterable[RunResult]) -> RunResult:
    """The whole run put back together from runs of its chunk ranges, bit for bit.

    The parts' exact sums are added and rounded once, as the whole run rounds its own, so the
    combined cells and aggregates equal the whole run's exactly; records are joined in chunk
    order and snapshot rows concatenated.

    Args:
        plan: The plan the parts ran.
        parts: Partial runs (``RunConfig.chunks`` set) of one configuration, whose ranges cover
            every chunk once, in any order.

    The combined run holds the fixed mortality factors its parts held (their rows joined in
    chunk order: the whole run's array), so it records them as the whole run does.

    Raises:
        RunConfigError: if a part is not partial, the parts' settings differ (fixed mortality
            factors included: held by some parts only, or different arrays), or their ranges
            overlap or leave chunks out (naming the chunks).
    """
    ordered = sorted(parts, key=lambda part: part.config.chunks or (0, 0))
    if not ordered or any(not part.partial_sums for part in ordered):
        raise RunConfigError(
            "combine takes runs of chunk ranges (simulate --chunks A:B), each with its exact sums"
        )
    config = replace(ordered[0].config, chunks=None)
    for part in ordered[1:]:
        if _as_whole(part.config) != _as_whole(config):
            raise RunConfigError(
                f"the parts ran different settings ({_differences(config, part.config)}); "
                "every part must be the same run with another --chunks"
            )
    covered = 0
    for part in ordered:
        first, stop = part.config.chunks or (0, 0)
        if first != covered:
            what = "overlap" if first < covered else f"leave out chunks {covered}:{first}"
            raise RunConfigError(
                f"the parts' chunk ranges {first}:{stop} and the ones before {what}; give "
                f"ranges that cover 0:{part.chunks_total} once"
            )
        covered = stop
    total_chunks = ordered[0].chunks_total
    if covered != total_chunks:
        raise RunConfigError(
            f"the parts cover chunks 0:{covered} of 0:{total_chunks}: chunks "
            f"{covered}:{total_chunks} are missing"
        )
    config = replace(config, fixed_mortality_factors=_joined_factors(ordered))
    ctx, layout = build_context(config)
    sums = ExactSum(ordered[0].partial_sums[0].shape)
    for part in ordered:
        sums.add_sum(part.partial_sums)
    names = ordered[0].records.keys()
    records = {name: np.concatenate([part.records[name] for part in ordered]) for name in names}
    snapshots = [part.snapshots for part in ordered if not part.snapshots.empty]
    timings = {
        key: sum(part.timings.get(key, 0.0) for part in ordered) for key in ("setup", "simulate")
    }
    done = ChunkSums(
        ctx, layout, sums, snapshots, timings, records, range(total_chunks), total_chunks
    )
    return _result(plan, config, done, sums.value(), [])


def _joined_factors(parts: list[RunResult]) -> np.ndarray | None:
    """The fixed mortality factors held by every part, their rows joined in chunk order.

    The setting is left out of :class:`RunConfig`'s comparison (an array), so it is checked
    here: parts that held the factors and parts that did not, or parts given different
    arrays, ran different deaths and do not add up to any run.

    Args:
        parts: The parts in chunk order, covering every chunk once.

    Returns:
        The whole run's array, or ``None`` if no part held the factors fixed.
    """
    rows = [part.fixed_factor_rows for part in parts]
    held = [r for r in rows if r is not None]
    if not held:
        return None
    if len(held) != len(rows):

        def ranges(holding: bool) -> str:
            return ", ".join(
                "{}:{}".format(*(part.config.chunks or (0, 0)))
                for part, r in zip(parts, rows, strict=True)
                if (r is not None) == holding
            )

        raise RunConfigError(
            f"the parts differ in fixed_mortality_factors: chunks {ranges(True)} held the "
            f"mortality factors fixed, chunks {ranges(False)} did not; simulate the odd parts "
            "again so that every part holds the same factors, or none"
        )
    joined = np.concatenate(held)
    for part in parts:
        # A part simulated in this process still has the whole array it was given.
        given = part.config.fixed_mortality_factors
        if given is not None and not np.array_equal(
            np.asarray(given, dtype=np.float64), joined, equal_nan=True
        ):
            first, stop = part.config.chunks or (0, 0)
            raise RunConfigError(
                f"the parts held different fixed mortality factors (chunks {first}:{stop} held "
                "another array than the parts' rows joined); give every part the same whole "
                "run's factors"
            )
    return joined


def _as_whole(config: RunConfig) -> RunConfig:
    """What parts of one run share: every setting but the range, the workers (each machine
    has its own) and where the scenario was read from (its name and overrides count)."""
    scenario = config.scenario
    if scenario is not None:
        scenario = replace(scenario, description="", origin="")
    return replace(config, chunks=None, workers=1, scenario=scenario)


def _differences(a: RunConfig, b: RunConfig) -> str:
    """The settings of two runs that differ, as ``name a != b``."""
    a, b = _as_whole(a), _as_whole(b)
    names = [f.name for f in fields(RunConfig) if f.compare]
    differ = [n for n in names if getattr(a, n) != getattr(b, n)]
    return ", ".join(f"{n} {getattr(a, n)!r} != {getattr(b, n)!r}" for n in differ)
