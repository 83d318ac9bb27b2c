"""Moved to :mod:`facecourse.matching.faces`; this alias keeps older notebooks working for one term."""

import sys

from .matching import faces as _moved

sys.modules[__name__] = _moved
