"""Integer codes of categorical states, shared by kernels, results and snapshots.

Module-level integers are compile-time constants inside Numba kernels; the tuples of labels give
their names in outputs (index = code).
"""

from __future__ import annotations

# Where a person lives and what hukou they hold (``status``).
NOT_ENTERED = 0  # preallocated entrant not yet aged 16
RURAL_STAYER = 1  # never migrated; farming or not working, at origin
LOCAL_MIGRANT = 2  # non-farm work inside the home township, never an out-migrant
OUT_MIGRANT = 3  # living and working outside the home township, in a destination city
RETURNED = 4  # former out-migrant living at origin, whatever the work now
URBAN_HUKOU = 5  # converted to urban hukou
URBAN_LOCAL = 6  # reference sample of urban-hukou locals in destination cities
DEAD = 7
STATUS_LABELS = (
    "not_entered",
    "rural_stayer",
    "local_migrant",
    "out_migrant",
    "returned",
    "urban_hukou",
    "urban_local",
    "dead",
)

# What a person does (``job``).
JOB_NONE = 0
JOB_FARM = 1
JOB_INFORMAL = 2  # non-farm, informal (no labour contract): the secondary labour market
JOB_FORMAL = 3  # non-farm, formal (labour contract)
JOB_LABELS = ("none", "farm", "informal", "formal")

# Medical insurance scheme and place of enrolment (``insurance``).
INS_NONE = 0
INS_RURAL = 1  # rural (origin) scheme: NCMS, later the urban-rural resident scheme at origin
INS_URBAN_RESIDENT = 2  # urban resident scheme of the destination city
INS_URBAN_EMPLOYEE = 3  # urban employee scheme of the destination city
INSURANCE_LABELS = ("none", "rural_origin", "urban_resident_dest", "urban_employee_dest")

# Family arrangement (``family``).
FAMILY_SINGLE = 0
# The state follows the spouse, not the whole household (the model has no children or parents):
# ``together`` away from origin is a couple in the city, whose children may be left behind.
FAMILY_APART = 1  # married; the spouse (and children) left at origin while the person is away
FAMILY_TOGETHER = 2  # married; living with the spouse (in the city, if away)
FAMILY_LABELS = ("unmarried", "married_apart", "married_together")

# Stage of integration, living type and phase (derived for out-migrants).
STAGE_LABELS = ("embedding", "drifting", "integration")
LIVING_TYPE_LABELS = ("subsistence", "moderately_prosperous", "developmental")
PHASE_LABELS = ("entrant", "settler", "immigrant")

EDUCATION_LABELS = ("none", "primary", "junior_high", "senior_high", "college")
SEX_LABELS = ("male", "female")
REGION_LABELS = ("east", "central", "west")
AGE_BAND_LABELS = ("16-20", "21-30", "31-40", "41-50", "51-60", "61+")
TIER_LABELS = ("1", "2", "3", "4")

# Events of the year (bit flags in the ``event`` scratch array).
EV_ENTERED = 1
EV_DIED = 2
EV_FIRST_MIGRATION = 4
EV_RETURN = 8
EV_RETURN_HEALTH = 16
EV_CONVERSION = 32
EV_CATASTROPHIC = 64
EV_ARREARS = 128
EV_REMIGRATION = 256
EV_POOR_BEFORE_RETURN = 512
EV_STAY_INTENTION = 1024
