"""Moved to :mod:`facecourse.matching.gallery`; this alias keeps older notebooks working for one term."""

import sys

from .matching import gallery as _moved

sys.modules[__name__] = _moved
