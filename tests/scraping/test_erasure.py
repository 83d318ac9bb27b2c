"""Keyed erasure (issue 15): an erased name cannot be confirmed from the stored list without the secret."""

from __future__ import annotations

import hashlib
import hmac
import stat

import pytest

from facecourse import paths
from facecourse.scraping import ledger as L

CANDIDATES = ["Gordon Brown", "Tony Blair", "Colin Powell", "Ann Smith", "Serena Williams", "Jacques Chirac"]


@pytest.fixture
def local(tmp_path, monkeypatch):
    """A private installation folder, as the grading sandbox sets it."""
    monkeypatch.setenv("FACECOURSE_LOCAL", str(tmp_path / "local"))
    return tmp_path / "local"


def _saved_ledger(tmp_path, erase=("Gordon Brown",)):
    led = L.Ledger()
    _ = led.record("http://127.0.0.1/photos/gordon-brown/1.jpg", "collected", kind="photo", subject="Gordon Brown")
    _ = led.record("http://127.0.0.1/photos/tony-blair/1.jpg", "collected", kind="photo", subject="Tony Blair")
    for name in erase:
        led.erase(name)
    path = led.save(tmp_path / "crawl" / "ledger.csv")
    return led, path


def _stored(path):
    return [ln for ln in path.with_suffix(".erased.txt").read_text().splitlines() if not ln.startswith("#")]


def test_the_key_is_made_once_private_and_outside_the_ledger(local, tmp_path):
    assert not (local / "erasure.key").exists()
    led, path = _saved_ledger(tmp_path)
    key_file = local / "erasure.key"
    assert L.key_path() == key_file and key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600, "the key must be readable by its owner only"
    key = L.erasure_key()
    assert len(key) == 32 and L.erasure_key() == key, "the key is made once and then reused"
    assert not key_file.resolve().is_relative_to(path.parent.resolve())
    assert not key_file.resolve().is_relative_to(paths.ROOT / "datasets" / "embeddings")
    for f in path.parent.iterdir():  # neither the key nor its hex appear in anything the ledger wrote
        text = f.read_bytes()
        assert key not in text and key.hex().encode() not in text, f"{f.name} leaks the erasure key"
        assert b"gordon" not in text.lower(), f"{f.name} still names the erased person"


def test_an_erased_name_cannot_be_confirmed_without_the_key(local, tmp_path):
    _, path = _saved_ledger(tmp_path)
    stored = set(_stored(path))
    assert len(stored) == 1 and all(len(k) == 64 for k in stored), "full HMAC-SHA256 hex digests"

    def norm(n):
        return " ".join(n.lower().split())

    # the dictionary attack that works against plain hashes: SHA-256 of every candidate, in any spelling
    plain = {hashlib.sha256(v.encode()).hexdigest() for n in CANDIDATES for v in (n, norm(n), n.replace(" ", "_"))}
    assert not stored & plain and not stored & {h[:16] for h in plain}
    # HMAC under another key finds nothing either
    other = b"\x01" * 32
    assert not stored & {L.subject_key(n, other) for n in CANDIDATES}
    assert not stored & {hmac.new(other, norm(n).encode(), hashlib.sha256).hexdigest() for n in CANDIDATES}
    # with the key, the check works (that is how a later crawl honours the request)
    with_key = {n for n in CANDIDATES if L.subject_key(n) in stored}
    assert with_key == {"Gordon Brown"}
    again = L.Ledger.load(path)
    assert again.is_erased("gordon  BROWN") and not again.is_erased("Tony Blair")


def test_a_ledger_saved_under_another_key_fails_clearly(local, tmp_path, monkeypatch):
    _, path = _saved_ledger(tmp_path)
    assert L.Ledger.load(path, key=L.erasure_key()).is_erased("Gordon Brown")
    with pytest.raises(L.ErasureKeyError, match="another erasure key"):
        L.Ledger.load(path, key=b"\x02" * 32)
    monkeypatch.setenv("FACECOURSE_LOCAL", str(tmp_path / "another-installation"))
    with pytest.raises(L.ErasureKeyError, match="erasure.key"):
        L.Ledger.load(path)
    # a list of plain hashes (the old format, or a forged one) is refused, not silently ignored
    path.with_suffix(".erased.txt").write_text(hashlib.sha256(b"gordon brown").hexdigest()[:16] + "\n")
    with pytest.raises(L.ErasureKeyError, match="without a key-id"):
        L.Ledger.load(path)
    # a ledger with no erasure request moves freely between installations
    _, empty = _saved_ledger(tmp_path / "b", erase=())
    monkeypatch.setenv("FACECOURSE_LOCAL", str(tmp_path / "third"))
    assert len(L.Ledger.load(empty)) == 2


def test_a_damaged_key_file_is_a_clear_error(local):
    local.mkdir(parents=True)
    (local / "erasure.key").write_text("not a key\n")
    with pytest.raises(L.ErasureKeyError, match="not an erasure key"):
        L.erasure_key()


def test_key_id_and_subject_key_are_deterministic_and_keyed():
    k = bytes(range(32))
    assert L.key_id(k) == L.key_id(k) and len(L.key_id(k)) == 16 and L.key_id(k) != L.key_id(bytes(32))
    assert L.subject_key("Gordon_Brown", k) == L.subject_key(" gordon  brown", k)
    assert L.subject_key("Gordon Brown", k) == hmac.new(k, b"gordon brown", hashlib.sha256).hexdigest()
