# %% [markdown]
# # B5. 1:N identification: a small, honest face search
#
# **Why this matters.** This is the product Clearview sold: upload one photo, get back ranked
# photos of lookalikes with links to where they were found. Here you build it on LFW, first with
# numpy alone, then with the course's `Gallery`, and measure how its answers degrade as the
# gallery grows.
#
# **Learning objectives.** After this lesson you can
# 1. rank a gallery for a probe with `np.argsort` / `np.argpartition`, leaving the probe itself out;
# 2. search several probes at once through a probe-by-gallery distance matrix;
# 3. wire an ipywidgets control to a search by hand (`observe`), then with the course's helper
#    (`facecourse.widgets.explorer`) that the search explorer is built on;
# 4. explain closed-set (rank-1 accuracy) and open-set (false alarm) identification, and measure
#    how rank-1 accuracy falls as distractors are added.
#
# **Prerequisites.** `lessons/B3_embeddings.ipynb` (Euclidean distances with numpy broadcasting)
# and `lessons/B4_verification.ipynb` (thresholds, FMR).
#
# **Estimated time.** 35 minutes.

# %% [markdown]
# ## The gallery as two arrays
#
# A face gallery is, at heart, a matrix of embeddings (one 128-number row per photo) and a table
# saying whose photo each row is and where it came from. We load the precomputed embeddings of
# every LFW image.

# %%
import time

import ipywidgets as widgets
import numpy as np
import pandas as pd
from IPython.display import Markdown

from facecourse import charts
from facecourse.matching import identification, precomputed

table, emb = precomputed.load()
print(f"embeddings: {emb.shape[0]:,} rows x {emb.shape[1]} numbers ({emb.dtype})")
table[["path", "person"]].head(3)

# %% [markdown]
# ## One search, by hand
#
# The probe is a photo of Alan Ball, a screenwriter who appears twice in LFW. Its distance to every
# gallery row is one broadcast subtraction and a norm. The probe is itself in the gallery, at
# distance 0: set that entry to infinity so it can never be ranked, as if a user had uploaded the
# photo rather than picked it from the gallery.

# %%
p = int(table.index[table["path"] == "images/Alan_Ball/Alan_Ball_0001.jpg"][0])
d = np.linalg.norm(emb - emb[p], axis=1)     # (13232, 128) - (128,) -> 13232 distances
d[p] = np.inf                                # leave the probe out
searched = int(np.isfinite(d).sum())
order = np.argsort(d)[:5]                    # indices of the 5 smallest distances, nearest first
pd.DataFrame({"rank": range(1, 6), "person": table.loc[order, "person"].to_numpy(),
              "distance": d[order].round(3), "photo": table.loc[order, "path"].to_numpy()})

# %% [markdown]
# `np.argsort` sorts every distance just to keep the first few. `np.argpartition(d, k)` only moves the `k`
# smallest to the front (in no particular order), which is linear rather than `n log n` work;
# sorting those `k` afterwards gives the same list:

# %%
k = 5
top = np.argpartition(d, k)[:k]          # the 5 smallest, unordered
top = top[np.argsort(d[top])]            # now nearest first
assert (top == order).all()
strangers = table.loc[top[1:], "person"] != "Alan_Ball"
close = int(np.sum(d[top[1:]][strangers.to_numpy()] <= 0.6))


def how_many(n, of):
    """'all 4', 'none of the 4', '3 of the 4': a count in words that read right."""
    return f"all {of}" if n == of else f"none of the {of}" if n == 0 else f"{n} of the {of}"


Markdown(f"Both give the same {k} candidates out of the **{searched:,}** faces searched (the gallery's "
         f"{len(d):,} photos minus the probe itself). The nearest is {table.at[top[0], 'person'].replace('_', ' ')} "
         f"at {d[top[0]]:.2f}, his other photo; {how_many(int(strangers.sum()), k - 1)} next candidates are strangers, "
         f"and {how_many(close, int(strangers.sum()))} strangers are within the usual 0.6 threshold.")

# %% [markdown]
# ## Several probes at once: a distance matrix
#
# A search service handles many probes. With a (probes x gallery) matrix of distances, one
# `argsort` along `axis=1` ranks every row. Each probe is left out of its own row by setting the
# entry at (row i, column of probe i) to infinity.

# %%
probes = table.index[table["path"].isin([
    "images/Alan_Ball/Alan_Ball_0001.jpg", "images/Gordon_Brown/Gordon_Brown_0002.jpg",
    "images/Serena_Williams/Serena_Williams_0003.jpg"])].to_numpy()
D = np.linalg.norm(emb[probes][:, None, :] - emb[None, :, :], axis=2)   # (3, 1, 128) - (1, 13232, 128)
D[np.arange(len(probes)), probes] = np.inf
ranked = np.argsort(D, axis=1)[:, :3]
pd.DataFrame(table["person"].to_numpy()[ranked], index=table.loc[probes, "person"],
             columns=["rank 1", "rank 2", "rank 3"])

# %% [markdown]
# ## The same search with the course's `Gallery`
#
# From here on the course uses `facecourse.matching.gallery.Gallery` (built for LFW by
# `identification.lfw_gallery()`). It does the steps above (squared norms kept ahead of time,
# `argpartition`, ties broken by row, the probe's own photo left out by its source), and adds
# what a real service must have: each entry's **provenance** (identity and the official URL where
# the photo was published), input checks, and erasure (`remove`). A search result without a source
# would be an accusation without evidence.

# %%
gallery = identification.lfw_gallery()
probe = "images/Alan_Ball/Alan_Ball_0001.jpg"
started = time.perf_counter()
results = identification.search_results(gallery, probe, k=5, threshold=None)
print(f"searched {len(gallery) - 1:,} faces in {1000 * (time.perf_counter() - started):.1f} ms")
assert list(results["identity"]) == list(table.loc[order, "person"])
results

# %% [markdown]
# A product that always fills its list shows strangers to its users, and the 0.6 threshold does
# not stop them here. Tightening it to 0.5 leaves only the true match, at the price of missing
# more true matches elsewhere (lesson B4's FNMR):

# %%
identification.search_results(gallery, probe, k=5, threshold=0.5)

# %% [markdown]
# ## A threshold slider, wired by hand
#
# ipywidgets gives a control (`FloatSlider`) and a text output (`Label`). `slider.observe(f,
# names="value")` calls `f` every time the slider's value changes; `f` recounts the candidates
# within the threshold and writes the answer into the label. Everything happens in the kernel:
# the label's `.value` is an ordinary string you can read.

# %%
slider = widgets.FloatSlider(value=0.6, min=0.3, max=1.0, step=0.01, description="threshold")
label = widgets.Label()


def show_count(change=None):
    t = slider.value
    n = int(np.sum(d <= t))                  # d: Alan Ball's distances, probe left out
    label.value = f"{n} candidate{'' if n == 1 else 's'} within {t:.2f}"


slider.observe(show_count, names="value")
show_count()
widgets.VBox([slider, label])

# %% [markdown]
# Moving the slider in the browser runs `show_count`; so does setting `.value` from code, which is
# how the exercise checks your widget:

# %%
for t in (0.5, 0.6, 0.7):
    slider.value = t
    print(label.value)

# %% [markdown]
# `ipywidgets.interactive_output(f, {"threshold": slider})` is the other way to wire it: it calls
# `f(threshold=...)` on each change and shows whatever `f` displays in an Output area.
#
# ## The course's explorer helper
#
# Every explorer in the course is this same wiring: controls, a function of their values, an output.
# The course writes it once, in `facecourse.widgets.explorer(controls, render)`: `controls` is a dict
# of named widgets, `render` a function called with their values as keyword arguments that returns
# what to show (an HTML string, or a DataFrame shown as a table). The helper connects each control
# with `observe`, writes the result into an `HTML` widget (`.output`), and keeps it as `.result`,
# so code can read it just as you read `label.value` above. The threshold counter, through the helper:

# %%
from facecourse.widgets import explorer


def count_within(threshold):
    n = int(np.sum(d <= threshold))
    return f"{n} candidate{'' if n == 1 else 's'} within {threshold:.2f}"


counter = explorer({"threshold": widgets.FloatSlider(value=0.6, min=0.3, max=1.0, step=0.01,
                                                     description="threshold")}, count_within)
counter

# %% [markdown]
# Setting a control's `value` from code runs the callback, as a click would; `.result` is what the
# render function returned (and `.output.value` the HTML shown):

# %%
counter.controls["threshold"].value = 0.5
counter.result

# %% [markdown]
# The course's search explorer, `identification.search_explorer(gallery, people)`, is built with
# that helper: two dropdowns (person, photo) and two sliders (k, threshold) are its controls,
# its render function calls `identification.search_results`, and the output is the candidate table
# with its links. (Widgets need a running kernel: run the notebook to use them.)

# %%
people = sorted(gallery.records["identity"].value_counts().loc[lambda s: s >= 10].index)
identification.search_explorer(gallery, people)

# %% [markdown]
# ## Closed set: rank-1 accuracy as the gallery grows
#
# In a *closed-set* test every probe's person is in the gallery, and we ask whether the nearest
# face is theirs (rank-1 accuracy). Probes: the first photo of each LFW person with at least two
# photos. The gallery holds their second photo plus distractors: photos of people who appear only
# once. (`identification.closed_set_rank1` does the matrix search above for each gallery size.)

# %%
growth = identification.closed_set_rank1([1680, 2500, 3500, 4500, 5748])
growth

# %%
first, last = growth.iloc[0].to_dict(), growth.iloc[-1].to_dict()
first["gallery size"], last["gallery size"] = int(first["gallery size"]), int(last["gallery size"])
description = (f"Line chart: rank-1 accuracy of 1,680 LFW probes falls from {first['rank-1 accuracy']:.1%} to "
               f"{last['rank-1 accuracy']:.1%} as the gallery grows from {first['gallery size']:,} to "
               f"{last['gallery size']:,} faces by adding distractors.")
charts.line_chart(growth, "gallery size:Q", "rank-1 accuracy:Q", "Rank-1 accuracy falls as distractors are added",
                  "faces in the gallery", "rank-1 accuracy", description, y_format="%")

# %%
Markdown(f"*Figure 1. Alt text: {description}*\n\n"
         "Every distractor is another chance for a stranger to sit closer to the probe than its true mate. "
         f"Here the gallery grows only {last['gallery size'] / first['gallery size']:.1f} times; Clearview's grew to "
         "billions. The MegaFace benchmark (Kemelmacher-Shlizerman et al., CVPR 2016) showed top algorithms that "
         "exceeded 95% rank-1 with about 10 distractors falling far lower with a million.")

# %% [markdown]
# ## Open set: searching for someone who is not there
#
# Most real searches are *open-set*: the person in the probe may not be in the gallery at all.
# Then any candidate within the threshold is a false alarm. We search with photos of people who
# appear only once in LFW (`searches` below says how many), so the gallery holds no mate for them.

# %%
open_set = identification.open_set_false_alarms(threshold=0.6)
open_set

# %%
n, mean_false = open_set["gallery size"], open_set["mean false candidates"]
Markdown(f"**{open_set['FPIR']:.1%}** of these searches return at least one stranger within 0.6, and "
         f"**{mean_false:.0f}** strangers on average, in a gallery of only {n:,} faces: that is "
         f"{mean_false:.0f} / {n:,} = {mean_false / n:.2%} of the comparisons, the false match rate at 0.6 "
         f"measured once more, on other pairs: each of the {open_set['searches']:,} probes against the {n:,} "
         f"gallery photos, every one of them another person ({open_set['searches'] * n:,} comparisons). Lesson B4 "
         "lists the pairs behind each lesson's FMR and why the values differ a little. The "
         "share of searches with at least one false candidate is the **false-positive identification rate "
         "(FPIR)**; it grows with the gallery, and lesson B6 works out what the numbers become at billions.")

# %% [markdown]
# ## Summary
#
# * A search is a row of distances, the probe left out, ranked with `argsort` (or `argpartition`
#   plus a small sort); many probes make a distance matrix ranked along `axis=1`.
# * The `Gallery` helper does the same and keeps each candidate's source, so every answer can be
#   traced back.
# * A widget is a control plus a callback: `observe` (or `interactive_output`) recomputes the result
#   when the value changes.
# * Closed-set rank-1 accuracy falls as distractors are added; open-set searches produce false
#   alarms that grow with the gallery.
# * Exercise: `exercises/B5_identification.ipynb`. Next: `lessons/B6_scale_base_rates.ipynb`.
