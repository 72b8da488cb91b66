"""Population synthesis: who each agent is, as a pure function of the run seed and its person id.

Rural-hukou agents (the 2008 stock aged 16+ and every later cohort turning 16 up to the last year
of the demographic data) take person ids ``0 .. n_rural-1``; the urban-local reference sample
follows, from ``first_urban_pid``. Both ranges are padded to whole communities; padding agents
are dead from the start and weigh nothing.

An agent's birth cohort and sex come from a Weyl (golden-ratio) sequence over the cumulative
distribution of persons by cohort and sex, so any run of communities reproduces the national
age-sex structure almost exactly at every scale; everything else is drawn from the named streams.
Because identities depend neither on the run's last year nor on the chunking, two runs with the
same seed and scale hold the same people.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migrant_health.data import Demography
from migrant_health.engine.codes import DEAD, NOT_ENTERED
from migrant_health.engine.context import RunContext
from migrant_health.engine.jit import init_kernel
from migrant_health.engine.population import Chunk
from migrant_health.engine.random import logistic, normal, permanent_key, stream, uniform
from migrant_health.errors import RunConfigError
from migrant_health.setting_names import setting

STREAM_EDUCATION = stream("population.education")
STREAM_REGION = stream("population.origin_region")
STREAM_WEYL = stream("population.cohort_offset")
_PHI = 0.6180339887498949


@dataclass(frozen=True)
class PopulationLayout:
    """Sizes and cohort distributions of the agent population.

    Attributes:
        community_size: Agents per community.
        n_rural: Rural-hukou agents (2008 stock plus all entrant cohorts).
        first_urban_pid: First person id of the urban-local reference sample.
        n_urban: Agents of the reference sample.
        rural_cdf: Cumulative share of rural persons by cell (birth year x sex).
        rural_birth_year: Birth year of each rural cell.
        rural_female: Sex of each rural cell (1 = female).
        urban_cdf, urban_birth_year, urban_female: The same for the reference sample.
    """

    community_size: int
    n_rural: int
    first_urban_pid: int
    n_urban: int
    rural_cdf: np.ndarray
    rural_birth_year: np.ndarray
    rural_female: np.ndarray
    urban_cdf: np.ndarray
    urban_birth_year: np.ndarray
    urban_female: np.ndarray

    @property
    def n_agents(self) -> int:
        """All person ids, padding included."""
        return self.first_urban_pid + _pad(self.n_urban, self.community_size)

    @property
    def n_communities(self) -> int:
        """Communities of rural agents and of the reference sample."""
        return self.n_agents // self.community_size

    def chunk_bounds(self, communities_per_chunk: int) -> list[tuple[int, int]]:
        """``(first_pid, size)`` of each chunk of whole communities, in order."""
        step = communities_per_chunk * self.community_size
        return [(s, min(step, self.n_agents - s)) for s in range(0, self.n_agents, step)]


def _pad(n: int, size: int) -> int:
    return -(-n // size) * size


def _cells(stock: np.ndarray, entrants: np.ndarray, demo: Demography) -> tuple[np.ndarray, ...]:
    """Persons by (birth year, sex): the base-year stock by age, then each year's entrants."""
    ages = demo.ages.astype(np.int64)
    birth_year, female, persons = [], [], []
    for sex in (0, 1):
        birth_year.append(demo.first_year - ages)
        female.append(np.full(ages.size, sex))
        persons.append(stock[sex])
        years = np.arange(demo.first_year + 1, demo.last_year + 1)
        birth_year.append(years - 16)
        female.append(np.full(years.size, sex))
        persons.append(entrants[1:, sex])
    return np.concatenate(birth_year), np.concatenate(female), np.concatenate(persons)


def build_layout(
    demo: Demography, scale: float, urban_scale: float, community_size: int
) -> PopulationLayout:
    """Size the population for a scale (persons per agent).

    Urban-local entrants are not in the data: they are taken as the rural entrants times the
    urban-to-rural ratio of the base-year stock at ages 16-18 (assumption: the urban share of a
    cohort at 16 changes slowly), so the reference sample keeps young people to compare with.
    """
    if scale <= 0 or urban_scale <= 0:
        raise RunConfigError(f"scale must be positive persons per agent, got {scale}")
    young = slice(0, 3)
    ratio = demo.urban_stock_2008[:, young].sum(axis=1) / demo.rural_stock_2008[:, young].sum(
        axis=1
    )
    urban_entrants = demo.entrants * ratio[None, :]
    r_by, r_fem, r_persons = _cells(demo.rural_stock_2008, demo.entrants, demo)
    u_by, u_fem, u_persons = _cells(demo.urban_stock_2008, urban_entrants, demo)
    n_rural = round(r_persons.sum() / scale)
    n_urban = round(u_persons.sum() / urban_scale)
    if n_rural < community_size:
        raise RunConfigError(
            f"scale {scale:g} persons per agent leaves only {n_rural} rural agents, fewer than "
            f"one community of {community_size}; use a smaller {setting('scale')}"
        )
    return PopulationLayout(
        community_size=community_size,
        n_rural=n_rural,
        first_urban_pid=_pad(n_rural, community_size),
        n_urban=max(n_urban, 1),
        rural_cdf=np.cumsum(r_persons) / r_persons.sum(),
        rural_birth_year=r_by.astype(np.int16),
        rural_female=r_fem.astype(np.int8),
        urban_cdf=np.cumsum(u_persons) / u_persons.sum(),
        urban_birth_year=u_by.astype(np.int16),
        urban_female=u_fem.astype(np.int8),
    )


@init_kernel
def _synthesize(  # type: ignore[no-untyped-def]
    first_pid, size, community_size, n_rural, first_urban_pid, n_urban, r_cdf, r_by, r_fem,
    u_cdf, u_by, u_fem, scale, urban_scale, seed, p, birth_year, female, education,
    origin_region, status, weight,
):  # fmt: skip
    offset = uniform(permanent_key(seed, STREAM_WEYL), 0)
    k_edu = permanent_key(seed, STREAM_EDUCATION)
    k_region = permanent_key(seed, STREAM_REGION)
    region_east = p.population__region_share_east
    region_central = p.population__region_share_central
    for i in range(size):
        pid = first_pid + i
        community = pid // community_size
        if pid < n_rural:
            u = (offset + pid * _PHI) % 1.0
            cell = np.searchsorted(r_cdf, u, side="right")
            cell = min(cell, r_cdf.size - 1)
            birth_year[i] = r_by[cell]
            female[i] = r_fem[cell]
            weight[i] = scale
            urban = False
        elif first_urban_pid <= pid < first_urban_pid + n_urban:
            u = (offset + pid * _PHI) % 1.0
            cell = min(np.searchsorted(u_cdf, u, side="right"), u_cdf.size - 1)
            birth_year[i] = u_by[cell]
            female[i] = u_fem[cell]
            weight[i] = urban_scale
            urban = True
        else:
            status[i] = DEAD
            weight[i] = 0.0
            continue
        status[i] = NOT_ENTERED
        # Origin region is a property of the community (the city for urban locals).
        r = uniform(k_region, community)
        origin_region[i] = 0 if r < region_east else (1 if r < region_east + region_central else 2)
        # Education: an ordered latent rising across birth cohorts; rural women of older
        # cohorts had less schooling (assumption calibrated to NBS education shares).
        cohort = (birth_year[i] - 1970) / 10.0
        # Cohorts born after 1990 met the expansion of senior secondary, vocational (free for
        # rural students from 2009-2012) and college education: a steeper rise of their own.
        # Both rises stop at ``recent_until``: later cohorts keep that cohort's schooling.
        # Rising on, the latent put 87 % of the rural cohort born in 2005 and 93 % of the
        # youth of 2034 through college, above the national gross enrolment ratio (59.6 % in
        # 2022), which urban youth lead.
        schooled_year = min(float(birth_year[i]), p.population__education__recent_until)
        recent = max(0.0, schooled_year - p.population__education__recent_from) / 10.0
        latent = (
            p.population__education__cohort_trend * (schooled_year - 1970.0) / 10.0
            + p.population__education__cohort_trend_recent * recent
            - p.population__education__female_gap * female[i] * logistic(-cohort)
            + p.population__education__urban_advantage * urban
            + normal(k_edu, pid)
        )
        level = 0
        for k in range(4):
            if latent >= p.population__education__cut_points[k]:
                level = k + 1
        education[i] = level


def synthesize(chunk: Chunk, layout: PopulationLayout, ctx: RunContext) -> None:
    """Fill the demographic identity of every agent of a chunk (birth year, sex, education...)."""
    c = chunk
    _synthesize(
        np.int64(c.first_pid),
        c.size,
        layout.community_size,
        layout.n_rural,
        layout.first_urban_pid,
        layout.n_urban,
        layout.rural_cdf,
        layout.rural_birth_year,
        layout.rural_female,
        layout.urban_cdf,
        layout.urban_birth_year,
        layout.urban_female,
        ctx.scale,
        ctx.urban_scale,
        ctx.seed64,
        ctx.record(ctx.start),
        c.birth_year,
        c.female,
        c.education,
        c.origin_region,
        c.status,
        c.weight,
    )
