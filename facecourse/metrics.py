"""Moved to :mod:`facecourse.matching.metrics`; this alias keeps older notebooks working for one term."""

import sys

from .matching import metrics as _moved

sys.modules[__name__] = _moved
