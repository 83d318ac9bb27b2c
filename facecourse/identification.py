"""Moved to :mod:`facecourse.matching.identification`; this alias keeps older notebooks working for one term."""

import sys

from .matching import identification as _moved

sys.modules[__name__] = _moved
