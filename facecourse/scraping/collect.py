"""From a crawl to a face gallery, with provenance all the way, and erasure all the way back.

``gallery_from_ledger`` embeds every collected photo and enrols it under the person named on the
page, with the photo's URL as the gallery ``source`` and the ledger's hash, licence, consent
and fetch time alongside; a search result therefore links back to where the photo was found.
``erase_everywhere`` honours an erasure request in the ledger, the stored files and the gallery.
"""

from __future__ import annotations

import pandas as pd

from .. import data
from ..matching import faces
from ..matching.gallery import Gallery
from .ledger import Ledger

PROVENANCE = ["sha256", "licence", "consent", "fetched_at", "referrer"]


def gallery_from_ledger(ledger: Ledger, settings: faces.Settings = faces.DOCUMENTED) -> tuple[Gallery, pd.DataFrame]:
    """A gallery of every collected photo with one face, and a table of the photos that could not be enrolled.

    Each photo of ``ledger.photos()`` is embedded (the central face, ``faces.embed_single``) and added under
    the ``subject`` named on its page, with its URL as ``source`` and the ledger's ``sha256``, ``licence``,
    ``consent``, ``fetched_at`` and ``referrer`` beside it, so every search result links back to its row.

    A person on the course's opt-out list (``data.opted_out``) is not enrolled: their photos are listed
    in ``problems`` instead. Returns ``(gallery, problems)``: a ``Gallery`` and a DataFrame with
    columns ``url`` and ``problem``.
    Raises ``TypeError`` if ``ledger`` is not a ``Ledger``.

    >>> gallery, problems = gallery_from_ledger(result.ledger)      # doctest: +SKIP
    >>> gallery.search(probe, k=1)[0].source                        # doctest: +SKIP
    'http://127.0.0.1:PORT/photos/gordon-brown/2.jpg'
    """
    if not isinstance(ledger, Ledger):
        raise TypeError(f"expected a Ledger (from a crawl), not {type(ledger).__name__}")
    gallery, problems = Gallery(), []
    for row in ledger.photos().to_dict("records"):
        if not row["subject"]:
            problems.append({"url": row["url"], "problem": "no person named on the page"})
            continue
        if data.is_opted_out(row["subject"]):
            problems.append({"url": row["url"], "problem": "on the course's opt-out list: not enrolled"})
            continue
        try:
            face = faces.embed_single(row["file"], settings=settings, source=row["url"], choose="central")
        except (faces.FaceError, faces.ImageError, FileNotFoundError) as exc:
            problems.append({"url": row["url"], "problem": str(exc)})
            continue
        gallery.add(row["subject"], face.embedding, source=row["url"], **{k: row[k] for k in PROVENANCE})
    return gallery, pd.DataFrame(problems, columns=["url", "problem"])


def erase_everywhere(subject: str, ledger: Ledger, gallery: Gallery | None = None) -> dict:
    """Honour an erasure request: remove ``subject`` from the ledger (and their stored photos) and the gallery,
    and remember the request so the polite crawler never collects them again.

    Returns a dict: ``{"ledger rows removed": n, "gallery faces removed": m}``. Raises ``ValueError`` if
    ``subject`` is not a non-empty string.

    >>> erase_everywhere("Gordon Brown", ledger, gallery)            # doctest: +SKIP
    {'ledger rows removed': 4, 'gallery faces removed': 3}
    """
    rows = ledger.erase(subject)
    faces_removed = gallery.remove(subject) if gallery is not None and len(gallery) else 0
    return {"ledger rows removed": rows, "gallery faces removed": faces_removed}
