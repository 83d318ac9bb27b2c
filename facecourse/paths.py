"""Where the course keeps things: the one place for repository and data paths.

* ``ROOT``: the course repository (the folder holding ``course.py``).
* ``DATASETS``: committed data (manifests, subsets, precomputed embeddings, facts tables).
* :func:`cache_dir`: fetched, verified data that is never committed (``datasets/cache``;
  ``FACECOURSE_DATA`` moves it).
* :func:`local_dir`: what this installation makes for itself and never commits (crawled photos,
  the erasure key): ``datasets/local`` beside the cache; ``FACECOURSE_LOCAL`` moves it (the grading
  sandbox points it at the submission's private folder).

Example::

    >>> from facecourse import paths
    >>> (paths.ROOT / "course.py").exists()
    True
    >>> paths.local_dir().name
    'local'
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "datasets"
MANIFEST_DIR = DATASETS / "manifests"
SUBSET_DIR = DATASETS / "subsets"
FACTS_DIR = DATASETS / "facts"
EMBEDDINGS_DIR = DATASETS / "embeddings"
BUILD = ROOT / "build"


def cache_dir() -> Path:
    """Where fetched data lives (``FACECOURSE_DATA`` or ``datasets/cache``)."""
    return Path(os.environ.get("FACECOURSE_DATA", DATASETS / "cache")).expanduser().resolve()


def local_dir() -> Path:
    """Where this installation keeps what it makes and never commits (``FACECOURSE_LOCAL`` or ``datasets/local``).

    The folder is not created here; code that writes into it creates what it needs.
    """
    return Path(os.environ.get("FACECOURSE_LOCAL", DATASETS / "local")).expanduser().resolve()
