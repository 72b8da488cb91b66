"""The two Numba decorators every kernel uses, so compile options live in one place.

``error_model="numpy"`` lets divisions follow IEEE rules (inf/nan) instead of raising
``ZeroDivisionError``, which removes a branch from every division on the hot path; kernels guard
their denominators themselves. Compiled code is cached next to the sources.
"""

from __future__ import annotations

import numba as nb

kernel = nb.njit(cache=True, error_model="numpy")
inline = nb.njit(inline="always", cache=True, error_model="numpy")
