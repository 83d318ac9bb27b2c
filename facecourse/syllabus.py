"""Moved to :mod:`facecourse.authoring.syllabus`; this alias keeps older notebooks working for one term."""

import sys

from .authoring import syllabus as _moved

sys.modules[__name__] = _moved
