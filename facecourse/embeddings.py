"""Moved to :mod:`facecourse.matching.precomputed`; this alias keeps older notebooks working for one term."""

import sys

from .matching import precomputed as _moved

sys.modules[__name__] = _moved
