"""Agent-level snapshots: a documented random sample of people in chosen years.

The sample is a fixed random subset of person ids (``u(pid) < fraction`` on the stream
``snapshot.sample``), so the same people appear in every snapshot year and consecutive
snapshots form a panel. Each row holds the person's stored states, the year's transients
(income, hours, spending, events), the derived observables (self-rated health, depressive
symptoms, integration scores, stage, living type, phase) and the weight in persons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from migrant_health.engine.binding import call_by_name
from migrant_health.engine.codes import (
    AGE_BAND_LABELS,
    DEAD,
    EDUCATION_LABELS,
    EV_CATASTROPHIC,
    EV_FIRST_MIGRATION,
    EV_RETURN,
    EV_RETURN_HEALTH,
    EV_STAY_INTENTION,
    FAMILY_LABELS,
    INSURANCE_LABELS,
    JOB_LABELS,
    LIVING_TYPE_LABELS,
    NOT_ENTERED,
    OUT_MIGRANT,
    PHASE_LABELS,
    REGION_LABELS,
    SEX_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
)
from migrant_health.engine.context import RunContext
from migrant_health.engine.derived import (
    age_band,
    composite_index,
    is_depressed,
    living_type_of,
    phase_of,
    report_noise,
    social_score,
    srh_level,
    stage_of,
)
from migrant_health.engine.jit import kernel
from migrant_health.engine.population import Chunk
from migrant_health.engine.random import permanent_key, stream, uniform

STREAM_SAMPLE = stream("snapshot.sample")


@kernel
def _select(first_pid, seed, fraction, status):  # type: ignore[no-untyped-def]
    k = permanent_key(seed, STREAM_SAMPLE)
    keep = np.zeros(status.size, dtype=np.bool_)
    for i in range(status.size):
        if status[i] != NOT_ENTERED and status[i] != DEAD:
            keep[i] = uniform(k, first_pid + i) < fraction
    return np.nonzero(keep)[0]


@kernel
def _derive(  # type: ignore[no-untyped-def]
    idx, first_pid, year, seed, p, birth_year, education, status, job, years_in_city,
    insurance, chronic, health, mental, local_ties, economic, cultural, identity,
):  # fmt: skip
    n = idx.size
    srh = np.zeros(n, np.int8)
    depressed = np.zeros(n, np.bool_)
    social = np.full(n, np.nan, np.float32)
    index = np.full(n, np.nan, np.float32)
    stage = np.full(n, -1, np.int8)
    living = np.full(n, -1, np.int8)
    phase = np.full(n, -1, np.int8)
    band = np.zeros(n, np.int8)
    for j in range(n):
        i = idx[j]
        n_srh, n_dep = report_noise(seed, year, first_pid + i)
        srh[j] = srh_level(p, health[i], mental[i], chronic[i], n_srh)
        depressed[j] = is_depressed(p, mental[i], n_dep)
        band[j] = age_band(year - birth_year[i])
        sc = social_score(p, insurance[i], job[i], local_ties[i], education[i])
        social[j] = sc
        ix = composite_index(p, economic[i], sc, cultural[i], identity[i])
        index[j] = ix
        if status[i] == OUT_MIGRANT:
            stage[j] = stage_of(p, ix)
            living[j] = living_type_of(p, economic[i])
            phase[j] = phase_of(p, years_in_city[i], identity[i])
    return srh, depressed, social, index, stage, living, phase, band


def _labels(codes: np.ndarray, labels: tuple[str, ...]) -> pd.Categorical[str]:
    return pd.Categorical.from_codes(codes.astype(np.int64), categories=pd.Index(labels))


def take_snapshot(chunk: Chunk, ctx: RunContext, year: int, fraction: float) -> pd.DataFrame:
    """Rows of the sampled, living people of a chunk in ``year`` (after all modules ran)."""
    c = chunk
    community_size = ctx.community_size
    idx = _select(np.int64(c.first_pid), ctx.seed64, fraction, c.status)
    derived = call_by_name(_derive, chunk, ctx, year, idx=idx)
    srh, depressed, social, index, stage, living, phase, band = derived
    event = c.event[idx]
    stage_labels = np.asarray([*STAGE_LABELS, None], dtype=object)
    living_labels = np.asarray([*LIVING_TYPE_LABELS, None], dtype=object)
    phase_labels = np.asarray([*PHASE_LABELS, None], dtype=object)
    return pd.DataFrame(
        {
            "pid": (c.first_pid + idx).astype(np.int64),
            "year": np.full(idx.size, year, np.int16),
            "weight": c.weight[idx],
            "age": (year - c.birth_year[idx]).astype(np.int16),
            "age_band": _labels(band, AGE_BAND_LABELS),
            "sex": _labels(c.female[idx], SEX_LABELS),
            "education": c.education[idx],
            "education_label": _labels(c.education[idx], EDUCATION_LABELS),
            "origin_region": _labels(c.origin_region[idx], REGION_LABELS),
            "community": ((c.first_pid + idx) // community_size).astype(np.int64),
            "status": _labels(c.status[idx], STATUS_LABELS),
            "job": _labels(c.job[idx], JOB_LABELS),
            "city_tier": c.city_tier[idx],
            "cross_province": c.cross_province[idx].astype(bool),
            "years_in_city": c.years_in_city[idx],
            "migrations": c.migrations[idx],
            "first_out_year": c.first_out_year[idx],
            "family": _labels(c.family[idx], FAMILY_LABELS),
            "insurance": _labels(c.insurance[idx], INSURANCE_LABELS),
            "chronic": c.chronic[idx].astype(bool),
            "health": c.health[idx],
            "mental": c.mental[idx],
            "bmi": c.bmi[idx],
            "savings": c.savings[idx],
            "local_ties": c.local_ties[idx],
            "origin_network": c.origin_network[idx],
            "social_support": c.support[idx],
            "integration_economic": c.economic[idx],
            "integration_social": social,
            "integration_cultural": c.cultural[idx],
            "integration_identity": c.identity[idx],
            "integration_index": index,
            "stage": stage_labels[stage],
            "living_type": living_labels[living],
            "phase": phase_labels[phase],
            "srh": srh,
            "depressed": depressed,
            "income": c.income[idx],
            "hours": c.hours[idx],
            "out_of_pocket": c.oop[idx],
            "catastrophic": (event & EV_CATASTROPHIC) != 0,
            "stay_intention": (event & EV_STAY_INTENTION) != 0,
            "health_record": c.health_record[idx].astype(bool),
            "first_migration": (event & EV_FIRST_MIGRATION) != 0,
            "returned_this_year": (event & EV_RETURN) != 0,
            "return_health_driven": (event & EV_RETURN_HEALTH) != 0,
        }
    )


SNAPSHOT_COLUMNS_DOC = {
    "pid": "person id (stable across years: snapshots form a panel)",
    "weight": "persons the agent represents (divide by the snapshot fraction for totals)",
    "status": "rural_stayer, local_migrant, out_migrant, returned, urban_hukou, urban_local",
    "health": "physical health capital 0-1",
    "mental": "mental health 0-1",
    "srh": "self-rated health 1 (very poor) .. 5 (very good)",
    "depressed": "screens positive for depressive symptoms",
    "integration_*": "dimension scores 0-1 (social and index derived for everyone; meaningful "
    "for out-migrants)",
    "stage / living_type / phase": "for out-migrants only, else empty",
    "income / hours": "this year's monthly income (CNY) and weekly hours (0 if no non-farm work)",
    "returned_this_year": "returned to origin in this year (state after return)",
    "health_record": "holds a health record at the destination (out-migrants only, else False)",
}
