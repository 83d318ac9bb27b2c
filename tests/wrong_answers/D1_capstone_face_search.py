"""Wrong answers a weak student would give in the capstone (exercise D1); each must fail its public check.

The crawler, the index and the erasure are long functions, so their wrong answers are made from one
plain student's version (``_CRAWLER``, ``_BUILD``, ``_ERASE``) with one rule changed. Answers that need a
fresh state say so: a crawl starts a new site (the mid-way opt-out happens again) and a new folder; an
index or an erasure is tried on a small collection of the site's photos written by
``site.reference_collection`` (what a polite crawl keeps), so that a wrong answer is judged on its own
work, not on what the correct answer left behind.
"""

_CRAWLER = '''
import shutil
site = sandbox.capstone_site("A").start()      # a fresh site: the mid-way opt-out happens again
folder = workdir / "wrong-crawl"
shutil.rmtree(folder, ignore_errors=True)
USER_AGENT = @UA@


def crawl(start_url, folder):
    folder = Path(folder)
    (folder / "photos").mkdir(parents=True, exist_ok=True)
    http = requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    origin = start_url.rstrip("/")
    state = {"last": 0.0}
    delay = 0.0

    def get(url):
        for attempt in range(4):
            wait = state["last"] + delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            r = http.get(url, timeout=10, allow_redirects=False)
            state["last"] = time.monotonic()
            if r.status_code != 429 or attempt == 3:
                return r
            @RETRY@
        return r

    robots = Protego.parse(get(origin + "/robots.txt").text)
    delay = @DELAY@
    registry = {"paths": set(), "at": None, "age": 0.0}

    def read_registry(force=False):
        if force or registry["at"] is None or (@REREAD@ and time.monotonic() - registry["at"] >= registry["age"]):
            r = get(origin + "/privacy/opt-out.json")
            registry["paths"] |= set(r.json()["paths"])
            registry["at"] = time.monotonic()
            cache = r.headers.get("Cache-Control", "")
            registry["age"] = float(cache.split("max-age=")[1]) if "max-age=" in cache else 3600.0

    def allowed(url):
        read_registry()
        return (@ROBOTS@) and urlsplit(url).path not in registry["paths"]

    rows, queue, seen = [], deque([origin + "/"]), {origin + "/"}
    while queue:
        url = queue.popleft()
        if not allowed(url):
            continue
        r = get(url)
        if r.status_code != 200 or "text/html" not in r.headers.get("Content-Type", ""):
            continue
        soup = BeautifulSoup(r.text, "html.parser")
        meta = " ".join(m.get("content", "") for m in soup.find_all("meta", attrs={"name": "robots"})).lower()
        if @NOINDEX@ and "noindex" in meta:
            continue
        article = soup.find(attrs={"data-subject": True})
        subject = article["data-subject"] if article else None
        licence = soup.find("meta", attrs={"name": "license"})
        licence = licence["content"] if licence else None
        rows.append({"url": url, "time": pd.Timestamp.now(tz="UTC").isoformat(), "kind": "page", "decision": "read",
                     "status": 200, "subject": subject, "licence": licence})
        for img in soup.find_all("img", class_="photo") if subject else []:
            photo_url = urljoin(url, img["src"])
            if photo_url in seen or not allowed(photo_url):
                continue
            seen.add(photo_url)
            got = get(photo_url)
            @TWICE@
            if got.status_code != 200:
                continue
            digest = @HASH@
            file = folder / "photos" / f"{digest}.jpg"
            file.write_bytes(got.content)
            rows.append({"url": photo_url, "time": pd.Timestamp.now(tz="UTC").isoformat(), "kind": "photo",
                         "decision": "kept", "status": 200, "subject": subject, "licence": licence,
                         "sha256": digest, "file": str(file)})
        for a in soup.find_all("a", href=True):
            link = urljoin(url, a["href"]).split("#")[0]
            if link.startswith(origin + "/") and link not in seen:
                seen.add(link)
                queue.append(link)
    ledger = pd.DataFrame(rows, columns=["url", "time", "kind", "decision", "status", "subject", "licence",
                                         "sha256", "file"])
    if @FINAL@:
        read_registry(force=True)
        late = ledger["url"].map(lambda u: urlsplit(u).path in registry["paths"])
        ledger = ledger[~late]
    ledger.to_csv(folder / "ledger.csv", index=False)
    return ledger


site.clear_log()
ledger = crawl(site.url, folder)
'''

_POLITE = {"@UA@": '"capstone-wrong-answer/1.0 (a student; sandbox only)"',
           "@RETRY@": 'time.sleep(retry_wait(r.headers.get("Retry-After")))',
           "@DELAY@": "robots.crawl_delay(USER_AGENT) or 0.0", "@REREAD@": "True",
           "@ROBOTS@": "robots.can_fetch(url, USER_AGENT)", "@NOINDEX@": "True", "@TWICE@": "",
           "@HASH@": "hashlib.sha256(got.content).hexdigest()", "@FINAL@": "True"}


def _crawler(**changes):
    text = _CRAWLER
    for key, value in {**_POLITE, **{f"@{k.upper()}@": v for k, v in changes.items()}}.items():
        text = text.replace(key, value)
    return text


_SMALL = '''
import shutil
folder = workdir / "wrong-build"
shutil.rmtree(folder, ignore_errors=True)
_t = site.photo_table()
ledger = site.reference_collection(folder, slugs=sorted(set(_t.loc[_t["kind"] == "with-other", "slug"])) + ["jack-straw"])
'''

_BUILD = '''
def build_index(folder):
    folder = Path(folder)
    ledger_ = pd.read_csv(folder / "ledger.csv")
    rows, vecs = [], []
    for p in ledger_[(ledger_["kind"] == "photo") & (ledger_["decision"] == "kept")].itertuples():
        base = {"url": p.url, "sha256": p.sha256, "subject": p.subject, "licence": p.licence}
        try:
            found = find_faces(load_photo(p.file))
        except ValueError:
            rows.append({**base, "kept": False, "reason": "not an image"})
            continue
        if not found:
            rows.append({**base, "kept": False, "reason": "no face"})
            continue
        areas = [(b[2] - b[0]) * (b[1] - b[3]) for b, _ in found]
        keep = @POLICY@
        for n, (b, d) in enumerate(found):
            rows.append({**base, "top": b[0], "right": b[1], "bottom": b[2], "left": b[3], "kept": n in keep,
                         "reason": "kept" if n in keep else "not kept"})
            if n in keep:
                vecs.append(d)
    faces_ = pd.DataFrame(rows)
    faces_.insert(0, "face_id", range(len(faces_)))
    save_indexes(folder, faces_, np.array(vecs, dtype="float32"))
    return faces_


faces = build_index(folder)
'''


def _build(policy):
    return _SMALL + _BUILD.replace("@POLICY@", policy)


_SAVE_FLAT_APPROX = '''
def save_indexes(folder, faces, vectors):
    folder = Path(folder)
    vectors = np.ascontiguousarray(vectors, dtype="float32").reshape(-1, 128)
    ids = faces.loc[faces["kept"], "face_id"].to_numpy().astype("int64")
    exact = faiss.IndexIDMap2(faiss.IndexFlatL2(128))
    approx = faiss.IndexIDMap2(faiss.IndexFlatL2(128))
    exact.add_with_ids(vectors, ids)
    approx.add_with_ids(vectors, ids)
    faces.to_csv(folder / "faces.csv", index=False)
    np.save(folder / "embeddings.npy", vectors)
    faiss.write_index(exact, str(folder / "exact.faiss"))
    faiss.write_index(approx, str(folder / "approx.faiss"))
'''

_SAVE_NO_IDS = '''
def save_indexes(folder, faces, vectors):
    folder = Path(folder)
    vectors = np.ascontiguousarray(vectors, dtype="float32").reshape(-1, 128)
    exact = faiss.IndexFlatL2(128)
    approx = faiss.IndexHNSWFlat(128, 16)
    exact.add(vectors)
    approx.add(vectors)
    faces.to_csv(folder / "faces.csv", index=False)
    np.save(folder / "embeddings.npy", vectors)
    faiss.write_index(exact, str(folder / "exact.faiss"))
    faiss.write_index(approx, str(folder / "approx.faiss"))
'''

_EVALUATE = '''
def evaluate(embeddings, identities, test_people):
    embeddings = np.asarray(embeddings, dtype=float)
    identities = np.asarray(identities).astype(str)
    test = np.isin(identities, [str(p) for p in test_people])

    def pairs(mask):
        rows = np.flatnonzero(mask)
        i, j = np.triu_indices(len(rows), k=@K@)
        return np.linalg.norm(embeddings[rows[i]] - embeddings[rows[j]], axis=1), identities[rows[i]] == identities[rows[j]]

    fit_d, fit_same = pairs(@FIT@)
    values = np.unique(fit_d)
    candidates = (values[:-1] + values[1:]) / 2
    accuracy = ((fit_d[None, :] <= candidates[:, None]) == fit_same[None, :]).mean(axis=1)
    t = @THRESHOLD@
    d, same = pairs(test)
    return {"threshold": t, "fmr": float(np.mean(d[~same] <= t)), "fnmr": float(@FNMR@),
            "genuine": int(same.sum()), "impostor": int((~same).sum())}


results = evaluate(embeddings, identities, test_people)
threshold = results["threshold"]
'''


def _evaluate(k="1", fit="~test", threshold="float(candidates[np.argmax(accuracy)])", fnmr="np.mean(d[same] > t)"):
    return (_EVALUATE.replace("@K@", k).replace("@FIT@", fit).replace("@THRESHOLD@", threshold)
            .replace("@FNMR@", fnmr))


_DET = '''
_all_d, _all_same = pairs_among(np.asarray(embeddings, dtype=float), np.asarray(identities).astype(str), @MASK@)
_grid = np.round(np.linspace(0.3, 0.9, 121), 4)
_curve = pd.DataFrame({"threshold": _grid,
                       "fmr": (_all_d[~_all_same][None, :] <= _grid[:, None]).mean(axis=1),
                       "fnmr": (_all_d[_all_same][None, :] > _grid[:, None]).mean(axis=1)})
_curve = _curve[(_curve["fmr"] > 0) & (_curve["fnmr"] > 0)]
det = alt.Chart(_curve).mark_line().encode(
    x=alt.X("fmr:Q", scale=alt.Scale(type=@SCALE@)), y=alt.Y("fnmr:Q", scale=alt.Scale(type=@SCALE@)),
    tooltip=["threshold:Q", "fmr:Q", "fnmr:Q"]).properties(title=@TITLE@, description="a DET curve")@EXTRA@
'''


def _det(mask="np.isin(identities, test_people)", scale='"log"', title='"DET"', extra=""):
    return (_DET.replace("@MASK@", mask).replace("@SCALE@", scale).replace("@TITLE@", title)
            .replace("@EXTRA@", extra))


_SEARCH = '''
def search(folder, probe, k=5):
    faces_, exact, _ = load_index(folder)
    image = probe if isinstance(probe, np.ndarray) else load_photo(probe)
    found = find_faces(image)
    if not found:
        return pd.DataFrame(columns=COLUMNS)
    box, descriptor = max(found, key=lambda f: (f[0][2] - f[0][0]) * (f[0][1] - f[0][3]))
    squared, ids = exact.search(np.asarray(descriptor, dtype="float32")[None], min(int(k), exact.ntotal))
    distance = @DISTANCE@
    within = (ids[0] >= 0) & (@WITHIN@)
    rows = faces_.set_index("face_id").loc[ids[0][within]]
    return pd.DataFrame({"rank": np.arange(1, within.sum() + 1), "face_id": ids[0][within],
                         "identity": rows["subject"].to_numpy(), "distance": distance[within],
                         "url": rows["url"].to_numpy(), "licence": rows["licence"].to_numpy()}, columns=COLUMNS)
'''


def _search(distance="np.sqrt(np.maximum(squared[0], 0.0))", within="distance <= threshold"):
    return _SEARCH.replace("@DISTANCE@", distance).replace("@WITHIN@", within)


_TOOL = '''
probe_menu = widgets.Dropdown(options=[(f"{r.name} ({Path(r.file).stem})", r.file) for r in probes.itertuples()])
k_slider = widgets.IntSlider(value=5, min=1, max=10)
upload = widgets.FileUpload(accept="image/*")
results_view = widgets.HTML()


def on_probe(change=None):
    row = probes[probes["file"] == probe_menu.value].iloc[0]
    if @REFUSE@:
        results_view.value = f"<p>{row['name']} opted out: no search.</p>"
        return
    table = search(folder, probe_menu.value, k_slider.value)
    results_view.value = table.to_html(index=False) if len(table) else "<p>No candidate.</p>"


probe_menu.observe(on_probe, names="value")
k_slider.observe(on_probe, names="value")
on_probe()
tool = widgets.VBox([probe_menu, upload, k_slider, results_view])
'''

_SMALL_ERASE = '''
import shutil
folder = workdir / "wrong-erase"
shutil.rmtree(folder, ignore_errors=True)
site.reference_collection(folder, slugs=[request["page"].rsplit("/", 1)[-1], "jack-straw", "muhammad-ali"])
faces = build_index(folder)
'''

_ERASE = '''
def name_digest(name):
    key_path = @KEY@
    key_path.parent.mkdir(parents=True, exist_ok=True)
    if not key_path.exists():
        key_path.write_text(secrets.token_bytes(32).hex())
        os.chmod(key_path, 0o600)
    key = bytes.fromhex(key_path.read_text().strip())
    normal = @NORMAL@
    return @DIGEST@


def is_erased(folder, name):
    record = Path(folder) / "erasures.txt"
    return record.is_file() and name_digest(name) in record.read_text().split()


def erase(folder, name):
    folder = Path(folder)
    ledger_ = pd.read_csv(folder / "ledger.csv")
    gone = ledger_["subject"] == name
    if @FILES@:
        for file in ledger_.loc[gone, "file"].dropna():
            Path(file).unlink(missing_ok=True)
    ledger_[~gone].to_csv(folder / "ledger.csv", index=False)
    faces_ = pd.read_csv(folder / "faces.csv")
    vectors_ = np.load(folder / "embeddings.npy")
    out = faces_["subject"] == name
    if @INDEX@:
        save_indexes(folder, faces_[~out].reset_index(drop=True), vectors_[~out[faces_["kept"]].to_numpy()])
    else:
        faces_[~out].to_csv(folder / "faces.csv", index=False)      # the table, but not the vectors or indexes
    with open(folder / "erasures.txt", "a") as record:
        record.write(name_digest(name) + "\\n")
    return {"ledger rows": int(gone.sum())}


erased = {request["name"]: erase(folder, request["name"])}
'''


def _erase(key="key_file", normal='" ".join(str(name).lower().split())',
           digest='hmac.new(key, normal.encode("utf-8"), hashlib.sha256).hexdigest()', files="True", index="True"):
    return _SMALL_ERASE + (_ERASE.replace("@KEY@", key).replace("@NORMAL@", normal).replace("@DIGEST@", digest)
                           .replace("@FILES@", files).replace("@INDEX@", index))


def _given_client(set_delay=True):
    """A crawler built on the given PoliteClient (exercise A2's get) instead of its own get."""
    text = _crawler()
    start = text.index('    http = requests.Session()')
    end = text.index('    registry = {"paths": set()')
    client = ('    origin = start_url.rstrip("/")\n'
              '    client = PoliteClient(USER_AGENT)\n'
              '    get = client.get\n'
              '    robots = Protego.parse(get(origin + "/robots.txt").text)\n'
              + ('    client.delay = robots.crawl_delay(USER_AGENT) or 0.0\n' if set_delay else ''))
    return text[:start] + client + text[end:]


def _given_registry(frozen=False):
    """That crawler with the given OptOutRegistry instead of its own registry code; ``frozen``: it copies the
    registry's paths once, at the start, and asks only that copy afterwards."""
    text = _given_client()
    start = text.index('    registry = {"paths": set()')
    end = text.index('    rows, queue, seen = ')
    listed = ("urlsplit(url).path in frozen" if frozen else "optouts.lists(url)")
    text = (text[:start]
            + '    optouts = OptOutRegistry(client, origin + "/privacy/opt-out.json")\n'
            + '    frozen = set(optouts.paths)\n\n'
            + '    def allowed(url):\n'
            + f'        return robots.can_fetch(url, USER_AGENT) and not {listed}\n\n'
            + text[end:])
    final = ('        read_registry(force=True)\n'
             '        late = ledger["url"].map(lambda u: urlsplit(u).path in registry["paths"])\n')
    assert final in text
    return text.replace(final, ('        late = ledger["url"].map(lambda u: urlsplit(u).path in frozen)\n' if frozen else
                                '        optouts.read()\n        late = ledger["url"].map(optouts.lists)\n'))


WRONG = {
    "q1": {
        "ignores Crawl-delay": _crawler(delay="0.0"),
        "uses the given PoliteClient but never sets its delay": _given_client(set_delay=False),
        "copies the given OptOutRegistry's paths once, at the start, and asks only that copy": _given_registry(frozen=True),
        "reads the opt-out registry once, at the start": _crawler(reread="False", final="False"),
        "retries a 429 at once (ignores Retry-After)": _crawler(retry="pass"),
        "its own robots check: only /members/ and /login": _crawler(
            robots='not urlsplit(url).path.startswith(("/members/", "/login"))'),
        "keeps the photos of noindex pages": _crawler(noindex="False"),
        "a browser's User-Agent": _crawler(ua='"Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"'),
        "downloads each photo twice (once to look, once to keep)": _crawler(twice="got = get(photo_url)"),
        "hashes the URL instead of the photo's bytes": _crawler(hash="hashlib.sha256(photo_url.encode()).hexdigest()"),
    },
    "q2": {
        "no EXIF transpose": '''
def load_photo(source):
    try:
        img = Image.open(io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray)) else source).convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"not an image: {exc}") from None
    img.thumbnail((MAX_SIDE, MAX_SIDE))
    return np.asarray(img)
''',
        "never shrinks large photos": '''
def load_photo(source):
    try:
        img = Image.open(io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray)) else source)
        img = ImageOps.exif_transpose(img).convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"not an image: {exc}") from None
    return np.asarray(img)
''',
        "resizes every photo to MAX_SIDE x MAX_SIDE": '''
def load_photo(source):
    try:
        img = Image.open(io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray)) else source)
        img = ImageOps.exif_transpose(img).convert("RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"not an image: {exc}") from None
    return np.asarray(img.resize((MAX_SIDE, MAX_SIDE)))
''',
        "lets Pillow's own error through": '''
def load_photo(source):
    img = Image.open(io.BytesIO(bytes(source)) if isinstance(source, (bytes, bytearray)) else source)
    img = ImageOps.exif_transpose(img).convert("RGB")
    img.thumbnail((MAX_SIDE, MAX_SIDE))
    return np.asarray(img)
''',
        "keeps only the first face": '''
def find_faces(image):
    boxes = face_recognition.face_locations(image)[:1]
    return list(zip(boxes, face_recognition.face_encodings(image, known_face_locations=boxes)))
''',
        "boxes as (left, top, right, bottom)": '''
def find_faces(image):
    boxes = face_recognition.face_locations(image)
    encodings = face_recognition.face_encodings(image, known_face_locations=boxes)
    return [((l, t, r, b), e) for (t, r, b, l), e in zip(boxes, encodings)]
''',
    },
    "q3": {
        "keeps the first face of every photo": _build(policy="[0]"),
        "keeps the largest face": _build(policy="[int(np.argmax(areas))]"),
        "keeps every face under the page's name": _build(policy="list(range(len(found)))"),
        "keeps the most central face": _build(policy=(
            "[min(range(len(found)), key=lambda n: abs((found[n][0][1] + found[n][0][3]) / 2 - "
            "load_photo(p.file).shape[1] / 2))]")),
        "a second flat index as the 'approximate' one": _SMALL + _SAVE_FLAT_APPROX + "faces = build_index(folder)\n",
        "ids 0, 1, 2... instead of face_id": _SMALL + _SAVE_NO_IDS + "faces = build_index(folder)\n",
        "embeddings saved as float64": _SMALL + _SAVE_FLAT_APPROX.replace(
            'approx = faiss.IndexIDMap2(faiss.IndexFlatL2(128))', 'approx = faiss.IndexIDMap2(faiss.IndexHNSWFlat(128, 16))'
        ).replace('np.save(folder / "embeddings.npy", vectors)', 'np.save(folder / "embeddings.npy", vectors.astype("float64"))')
        + "faces = build_index(folder)\n",
    },
    "q4": {
        "fits the threshold on every person's pairs (leakage)": _evaluate(fit="np.ones(len(identities), bool)"),
        "a fixed 0.6, not fitted": _evaluate(threshold="0.6"),
        "FNMR as the share of genuine pairs within the threshold": _evaluate(fnmr="np.mean(d[same] <= t)"),
        "pairs a face with itself (i <= j)": _evaluate(k="0"),
        "DET on linear axes": _det(scale='"linear"'),
        "DET from every person's pairs, not the held-out ones": _det(mask="np.ones(len(identities), bool)"),
        "an altair filter that draws only half the curve": _det(extra=".transform_filter(alt.datum.threshold < 0.6)"),
        "a placeholder title": _det(title='"TODO"'),
    },
    "q5": {
        "squared distances (no square root)": _search(distance="squared[0]"),
        "no threshold: always k candidates": _search(within="distance >= 0"),
        "refusal from the settings table, not the registry now": _TOOL.replace(
            "@REFUSE@", 'row["setting"] == "opted-out"'),
        "no refusal at all": _TOOL.replace("@REFUSE@", "False"),
        "on_upload copied from on_probe: searches the menu's photo, not the uploaded one": (
            _TOOL.replace("@REFUSE@", 'opted_out_now(row["slug"])') + '''
def on_upload(change=None):
    if upload.value:
        table = search(folder, probe_menu.value, k_slider.value)
        results_view.value = table.to_html(index=False) if len(table) else "<p>No candidate.</p>"


upload.observe(on_upload, names="value")
'''),
    },
    "q6": {
        "a plain SHA-256 of the name (no key)": _erase(digest='hashlib.sha256(normal.encode("utf-8")).hexdigest()'),
        "erases from the ledger and the index but leaves the photo files": _erase(files="False"),
        "erases the rows, files and faces.csv, but not the vectors and indexes": _erase(index="False"),
        "compares names exactly (no normalising)": _erase(normal="str(name)"),
        "keeps the key inside the collection": _erase(key='folder / "erasure.key"'),
        "a crawl that never asks is_erased (erase itself right)": (
            _erase() + _crawler().split("site.clear_log()\nledger = crawl(site.url, folder)")[0]
            .replace('site = sandbox.capstone_site("A").start()      # a fresh site: the mid-way opt-out happens again\n', "")
            .replace('folder = workdir / "wrong-crawl"\nshutil.rmtree(folder, ignore_errors=True)\n', "")),
    },
}

RIGHT = {
    "q1": {
        "another student's crawler: one function, the registry at a fixed path, opt-outs dropped from the ledger":
            _crawler(),
        "the same crawler on the given PoliteClient, its delay set from robots.txt": _given_client(),
        "the same crawler with the given OptOutRegistry, asked before every request and read again at the end":
            _given_registry(),
    },
    "q2": {
        "resizes by hand with Image.resize and rounded proportions": '''
def load_photo(source):
    data_ = bytes(source) if isinstance(source, (bytes, bytearray, memoryview)) else None
    try:
        img = Image.open(io.BytesIO(data_)) if data_ is not None else Image.open(source)
        img = ImageOps.exif_transpose(img).convert("RGB")
    except Exception as exc:
        raise ValueError(f"this is not an image: {exc}") from None
    scale = MAX_SIDE / max(img.size)
    if scale < 1:
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.LANCZOS)
    return np.array(img, dtype=np.uint8)
''',
    },
    "q4": {
        "best accuracy on the fitting pairs (lesson B4's rule)": _evaluate(),
    },
    "q5": {
        "another student's tool: one HTML string per candidate, the upload read with Image.open": (
            _TOOL.replace("@REFUSE@", 'opted_out_now(row["slug"])') + '''
def on_upload(change=None):
    if upload.value:
        photo = np.asarray(Image.open(io.BytesIO(bytes(upload.value[0]["content"]))).convert("RGB"))
        table = search(folder, photo, k_slider.value)
        results_view.value = "".join(f"<p>{r.identity} {r.distance:.3f} {r.url} {r.licence}</p>"
                                     for r in table.itertuples()) or "<p>No candidate.</p>"


upload.observe(on_upload, names="value")
'''),
    },
}

# Code a student may run at the end of the notebook, with the questions whose checks must still pass after it
AT_END = {
    "nothing: question 5's checks run a second time, as grader.check_all() runs them after grader.check": ("", ["q5"]),
    "the ledger and faces table read again after the erasure, under the answers' own names": ('''
ledger = pd.read_csv(folder / "ledger.csv")
faces, _exact, _approx = load_index(folder)
''', ["q1", "q3"]),
}
