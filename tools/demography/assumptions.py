"""Every assumption the data do not settle, with its reasoning and the figures it produced.

The list (IDs A1-A21) is copied into ``sources.yaml``, where each output file names the
assumptions it rests on. The tunable numbers are in :mod:`demography.parameters`; the text quotes
them and the fitted values, so it stays true when one is changed.
"""

from __future__ import annotations

from typing import Any

from .build import Built
from .parameters import (
    CHILD_CONVERSION_RELATIVE_HAZARD,
    CONVERSION_ADULT_SHARE,
    FIRST_YEAR,
    HUKOU_SHARE_CAP,
    LAST_YEAR,
    POPULATION_DECLINE_AFTER_2023,
    RESIDENT_RATE_RISE_2035,
    RURAL_E0_GAP_2010,
    RURAL_E0_GAP_2035,
    STUDENT_BRIDGE_END,
)


def assumptions(built: Built) -> list[dict[str, Any]]:
    """Every assumption, with the figures it produced and its reasoning."""
    st, conv, rates, mort = built.stock, built.conv, built.rates, built.mortality
    slope = rates.trend_2001_2008[1]
    i2010 = 2010 - FIRST_YEAR
    return [
        {
            "id": "A1",
            "files": ["rural_hukou_2008.csv", "urban_hukou_2008.csv"],
            "assumption": "The 4.65 m persons of undetermined residence left out of the 2010 "
            "single-age census table are spread over ages and sexes pro rata (factor "
            f"{st.inflate:.5f}); the 2.30 m active servicemen stay out.",
            "reasoning": "The census table totals 1,332.81 m against 1,339.72 m in the bulletin "
            "(DEMOGRAPHY.md caveat 6). Persons of undetermined residence are largely floating, "
            "so they belong in the stock; a serving conscript's hukou is cancelled, so "
            "servicemen are not rural-hukou holders.",
        },
        {
            "id": "A2",
            "files": ["rural_hukou_2008.csv", "urban_hukou_2008.csv"],
            "assumption": "Age a at 31 Dec 2008 = census age a+2 on 1 Nov 2010, divided by the "
            "22-month survival at the 2005-2010 WPP2024 single-age rate of age a+1. The "
            "census 100+ group (2008 ages 98+) is split over 98, 99 and 100+ geometrically, "
            "continuing the decline from age 96 to 97.",
            "reasoning": "DEMOGRAPHY.md step 2. The two-month offset between 1 Nov and 31 Dec "
            "(about a sixth of a year of age) is ignored, as is net international migration.",
        },
        {
            "id": "A3",
            "files": ["rural_hukou_2008.csv", "urban_hukou_2008.csv"],
            "assumption": "Out-migrant workers (140.41 m in 2008) raise h(a) by the same "
            "per-capita amount u(a) for both sexes.",
            "reasoning": "NBS counts about 69 % men among out-migrant workers (31 % women in "
            "2014, the earliest figure), but wives and other dependants who migrate without "
            "non-farm work of 6+ months are not migrant workers. The 2010 long-form shares "
            "living in rural areas are nearly equal for men and women aged 20-39, and the 2005 "
            "1 % survey finds agricultural hukou as common among women as among men (A6); a "
            "male-only uplift gave a rural-hukou sex ratio of 1.19 at 16+.",
        },
        {
            "id": "A4",
            "files": ["rural_hukou_2008.csv", "urban_hukou_2008.csv"],
            "assumption": "The out-migrants' age profile is that of all migrant workers in "
            "the NBS 2008 bands (16-20 10.7 %, 21-30 35.3 %, 31-40 24.0 %, 41-50 18.6 %, "
            "50+ 11.4 %), with 50+ spread over 51-64. u(a) is piecewise linear per capita with "
            "knots at the band midpoints (flat below 18, zero from 65) and matches every band "
            "total exactly.",
            "reasoning": "The reports give age bands for all migrant workers only (DEMOGRAPHY.md "
            "step 4); out-migrants are somewhat younger than local migrant workers, so u(a) is "
            "if anything too flat. Few migrant workers are over 64.",
        },
        {
            "id": "A5",
            "files": ["rural_hukou_2008.csv", "urban_hukou_2008.csv"],
            "assumption": "For ages 16+, h(a, sex) = r(a, sex) + u(a) + c(sex), capped at "
            f"{HUKOU_SHARE_CAP}, where r is the 2010 long-form share living in rural areas "
            "(linear between 5-year group midpoints, 65+ placed at 70, flat outside) and "
            f"c(sex) a constant over age (fitted: men {st.c[0]:+.4f}, women {st.c[1]:+.4f}).",
            "reasoning": "The age shape of h was not found (DEMOGRAPHY.md step 4): the brief's "
            "recipe is the rural-residence shape raised at working ages by the migrants. The "
            "constant absorbs the other rural-hukou urban residents (town dwellers with "
            "agricultural hukou, villages reclassified as urban) and the fall in the rural "
            "residence share between 2008 (54.3 %) and 2010 (50.3 %). This is a shape to "
            "calibrate, not a measurement.",
        },
        {
            "id": "A6",
            "files": ["rural_hukou_2008.csv", "urban_hukou_2008.csv"],
            "assumption": "c(men) and c(women) make the all-age share equal 1 - 0.3328 and the "
            f"women's all-age share exceed the men's by {st.sex_gap_target * 100:.2f} points.",
            "reasoning": "The 2005 1 % survey sample: agricultural hukou 74.72 % of women and "
            "73.61 % of men (self-report; MPS registration is lower overall, so only the sex "
            "difference is used).",
        },
        {
            "id": "A7",
            "files": ["rural_hukou_2008.csv", "entrants.csv", "hukou_conversions.csv"],
            "assumption": "Children aged 0-15 at end 2008 have a single rural-hukou share, the "
            "population-weighted mean of 1 - hukou rate of their birth years 1993-2008 = "
            f"{st.child_share:.4f}; rates before 2001 are extrapolated backwards on the "
            f"2001-2008 linear trend ({slope:.3f} points a year; 1993: "
            f"{rates.at(1993):.1f} %). In calibrating h, children are counted with the census "
            "under-count corrected by the WPP2019/census ratios of 2010 (ages 0-4, 5-9, 10-14).",
            "reasoning": "DEMOGRAPHY.md: the birth-year share is a floor and children are more "
            "rural-registered than adults because rural fertility is higher. The higher rural "
            "fertility (raising the share at birth above the floor) and conversions during "
            "childhood (lowering it) are taken to cancel. WPP2019 puts 2010 ages 0-14 "
            "11-19 % above the census count.",
        },
        {
            "id": "A8",
            "files": ["rural_hukou_2008.csv", "urban_hukou_2008.csv"],
            "assumption": f"At ages 16-{STUDENT_BRIDGE_END - 1}, h is at least the straight line "
            f"from the children's share at 15 to h({STUDENT_BRIDGE_END}).",
            "reasoning": "Rural-hukou pupils boarding at county-town senior high schools and "
            "college students live in urban areas but are neither rural residents nor migrant "
            "workers, so r + u understates h at these ages; the line avoids a drop from 73 % "
            "at 15 to about 60 % at 16.",
        },
        {
            "id": "A9",
            "files": ["mortality.csv", "mortality_national.csv"],
            "assumption": "WPP2024 period mx are interpolated linearly in time between period "
            "midpoints (2007.5 ... 2037.5), evaluated at mid-year t + 0.5; single ages are "
            "log-linear between 5-year group midpoints (the 100+ rate placed at 102.5 for ages "
            "98-99); age 100 (100+) takes the open-group rate. qx = 1 - exp(-mx).",
            "reasoning": "DEMOGRAPHY.md 'Mortality 2008-2035'. The abridged life table built "
            "from the same rates reproduces WPP2024's e0 for 2010 within 0.1 years "
            f"(men {mort.e0_national[i2010, 0]:.2f} vs 73.19; women "
            f"{mort.e0_national[i2010, 1]:.2f} vs 78.33).",
        },
        {
            "id": "A10",
            "files": ["mortality.csv", "hukou_conversions.csv"],
            "assumption": "Rural-hukou mx = k(t, sex) x national mx at every age, with k chosen "
            f"so that rural e0 is {RURAL_E0_GAP_2010} years below national up to 2010, the "
            f"gap narrowing linearly to {RURAL_E0_GAP_2035} years in 2035 (k 2010: men "
            f"{mort.k[i2010, 0]:.3f}, women {mort.k[i2010, 1]:.3f}; 2035: men "
            f"{mort.k[-1, 0]:.3f}, women {mort.k[-1, 1]:.3f}).",
            "reasoning": "DEMOGRAPHY.md caveat 5: modelled rural e0 in 2000 was 1.4 (men) and "
            "1.7 (women) years below national (Congdon 2007); rural gains have outpaced urban "
            "since. The gap is for rural residence and is used for rural hukou; halving it by "
            "2035 is an assumption.",
        },
        {
            "id": "A11",
            "files": ["hukou_conversions.csv", "entrants.csv"],
            "assumption": "The missing 2013 hukou rate is the mean of 2012 and 2014 (35.615); "
            "the unconfirmed 2022 value (47.7) is replaced by the mean of 2021 and 2023 (47.5).",
            "reasoning": "DEMOGRAPHY.md caveat 4: 2013 not found, 2022 has no primary source. "
            "Using 47.7 would move about 2.8 m conversions from 2023 to 2022.",
        },
        {
            "id": "A12",
            "files": ["hukou_conversions.csv", "entrants.csv"],
            "assumption": "Across the 2015 reform, the genuine rise of the rate in 2015 is "
            f"{conv.genuine_2015:.3f} points, the value that makes the conversions of "
            "2014-2023 add up to MPS's 150 m; the other "
            f"{conv.jump_2015:.3f} points of the 35.9 -> 39.9 jump are definitional and are "
            "subtracted from every rate from 2015 on (hukou_rate_bridged_pct).",
            "reasoning": "DEMOGRAPHY.md: bridge the jump, do not simulate it. The model "
            "therefore keeps the pre-reform (agricultural hukou) definition throughout: its "
            "rural-hukou stock after 2014 sits about "
            f"{conv.jump_2015:.1f} points of the population above the official urban-hukou "
            "complement. The other MPS figure (140 m over the ten years to 2022) is an "
            "independent check (see checks, which also give the 2014-2023 total if the 2015 "
            "rise were the 2016 one).",
        },
        {
            "id": "A13",
            "files": ["hukou_conversions.csv", "entrants.csv"],
            "assumption": "After 2023 the hukou rate is the resident urbanisation rate minus its "
            f"2023 gap ({rates.resident_gap_2023:.2f} points). The resident rate is NBS's for "
            "2024-2025 and then rises by the 2021-2025 mean rise in 2026, falling linearly to "
            f"{RESIDENT_RATE_RISE_2035} points a year in 2035 (2035: "
            f"{rates.resident[LAST_YEAR]:.1f} %; hukou rate {rates.official[LAST_YEAR]:.1f} %).",
            "reasoning": "DEMOGRAPHY.md offers the hukou trend (+1.0-1.2 a year since 2015) or "
            "the resident rate minus a gap of about 18 points; the latter uses the published "
            "2024-2025 resident rates and lets urbanisation slow as it matures. No official "
            "hukou rate exists after 2023.",
        },
        {
            "id": "A14",
            "files": ["hukou_conversions.csv"],
            "assumption": "Year-end population is NBS's (as first published); deaths are births "
            "minus the change in population (this reproduces NBS's deaths, e.g. 10.14 m in "
            "2021), except 2020, where the census revision breaks the population series, "
            "which takes the mean of 2019 and 2021. After 2023 the population falls by "
            f"{POPULATION_DECLINE_AFTER_2023 * 100:.1f} % a year, births stay at the 2023 "
            "level and the crude death rate at its 2023 level. Conversions are computed as "
            "P(t-1) x the change in the (bridged) rate + the rural excess of natural increase, "
            "which is the identity R(t-1) + rural births - rural deaths - R(t) without the "
            "2019-2020 revision step in P.",
            "reasoning": "DEMOGRAPHY.md caveat 2 (revisions). The post-2023 vital rates enter "
            "only the small excess-natural-increase term.",
        },
        {
            "id": "A15",
            "files": ["hukou_conversions.csv", "entrants.csv"],
            "assumption": "Rural-hukou shares of births and deaths are phi_b x and phi_d x the "
            f"all-age rural share, with phi_b = {conv.phi_b:.4f} (the 2008 children's share / "
            f"all-age share) and phi_d = {conv.phi_d:.4f} (implied by the 2008 stock, h and "
            "k), held constant.",
            "reasoning": "Rural fertility is higher (DEMOGRAPHY.md); no series of births by "
            "hukou was found.",
        },
        {
            "id": "A16",
            "files": ["hukou_conversions.csv"],
            "assumption": f"{CONVERSION_ADULT_SHARE:.0%} of conversions are of people aged 16+.",
            "reasoning": "Conversions concentrate among people aged 20-40 and their children "
            "(DEMOGRAPHY.md): a couple with about 0.7 children under 16 is 74 % adult; students "
            "converting at college entry are all adult; whole villages reclassified follow the "
            "rural-hukou age structure (77 % aged 16+ in 2008). Plausible range 0.70-0.80.",
        },
        {
            "id": "A17",
            "files": ["hukou_conversions.csv"],
            "assumption": "rate = persons_16plus / rural-hukou 16+ stock at the start of the "
            "year (rural_16plus_at_start), the stock being projected from rural_hukou_2008.csv "
            "with mortality.csv and entrants.csv, conversions taken evenly from all ages.",
            "reasoning": "The model's own stock is the denominator it applies the rate to; a "
            "concentration of conversions at ages 20-40 would change the denominator only "
            "through the slightly different deaths.",
        },
        {
            "id": "A18",
            "files": ["entrants.csv"],
            "assumption": "Cohort size at 16 = WPP2024 births of year t-16 x survival to 16 at "
            "the WPP2024 single-age rates of the years lived (the 2005-2010 rates before "
            "2007.5). The 2010 census cohort counts are not used.",
            "reasoning": "DEMOGRAPHY.md allows either. WPP2019 puts the 2010 census under-count "
            "at 11-19 % for ages 10-14 as well as 0-9, so correcting only 0-9 would leave the "
            "2011-2016 entrants too low; WPP2024 is consistent with the 2020 census. WPP "
            "births x survival lies between the raw and the corrected census counts (both in "
            "checks). Using 2005-2010 rates for the 1990s understates child deaths by about "
            "1-2 % of a cohort.",
        },
        {
            "id": "A19",
            "files": ["entrants.csv"],
            "assumption": "The male share of a birth cohort is interpolated by birth year from "
            "WPP2019 sex ratios of 5-year groups (2010: 15-19, 10-14, 5-9, 0-4; 2015 and "
            "2020: 0-4, placed at the group's mid birth year).",
            "reasoning": "WPP2024 births are not split by sex here; the WPP2019 ratios (1.11-1.17) "
            "include the UN's correction of the census under-count of girls.",
        },
        {
            "id": "A20",
            "files": ["entrants.csv"],
            "assumption": "Rural-hukou share of an entrant cohort: for cohorts born by 2008, the "
            "children's 2008 share (A7); for cohorts born 2009+, phi_b x (1 - bridged rate of "
            "the birth year) (the birth-year floor raised for higher rural fertility). Either "
            "is then reduced by conversions in childhood at "
            f"{CHILD_CONVERSION_RELATIVE_HAZARD:g} x the all-age conversion hazard of each "
            "year from 2009 (or the year after birth) to t-1.",
            "reasoning": "DEMOGRAPHY.md: subtract conversions during childhood if the model "
            "tracks them. The model converts adults only (persons_16plus), so the quarter of "
            "conversions that are children (A16) must come off the entrants; that, and the flat "
            "children's share of A7, put the share at 16 below its birth-year floor (both are "
            "in checks). The entrants' share stays about 1.1 times the all-age (bridged) share, "
            "as children's did in 2008.",
        },
        {
            "id": "A21",
            "files": ["standard_population.csv"],
            "assumption": "The standard population is the 2010 census count (both sexes, as "
            "tabulated, without A1's inflation) in the NBS migrant-worker bands, top-coded "
            "at 61+.",
            "reasoning": "Brief. Weights are persons / total.",
        },
    ]
