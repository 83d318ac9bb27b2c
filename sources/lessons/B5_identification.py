# %% [markdown]
# # B5. 1:N identification: a small, honest face search
#
# **Why this matters.** This is the product Clearview sold: upload one photo, get back ranked
# photos of lookalikes with links to where they were found. Here you build it on LFW and measure
# how its answers degrade as the gallery grows.
#
# **Learning objectives.** After this lesson you can
# 1. search a probe against a gallery and read a ranked candidate list with distances and sources;
# 2. explain closed-set (rank-1 accuracy) and open-set (false alarm) identification;
# 3. measure how rank-1 accuracy falls as distractors are added;
# 4. use an interactive search tool and explain what its threshold does.
#
# **Prerequisites.** `lessons/B4_verification.ipynb`.
#
# **Estimated time.** 30 minutes.

# %% [markdown]
# ## The gallery
#
# The gallery holds all 13,232 LFW faces. Each entry keeps its **provenance**: the identity label
# and the official URL where the photo was published. A search result without a source would be
# an accusation without evidence.

# %%
import time

from facecourse import charts, identification

gallery = identification.lfw_gallery()
gallery

# %%
gallery.records.head(3)

# %% [markdown]
# ## One search
#
# The probe is a photo of Alan Ball, a screenwriter who appears twice in LFW; we leave the probe
# photo itself out of the search, as if a user had uploaded it.

# %%
probe = "images/Alan_Ball/Alan_Ball_0001.jpg"
started = time.perf_counter()
results = identification.search_results(gallery, probe, k=5, threshold=None)
print(f"searched {len(gallery):,} faces in {1000 * (time.perf_counter() - started):.1f} ms")
results

# %% [markdown]
# The first candidate is his other photo, at a distance of about 0.27, with the link a user
# would follow. The next four are strangers, and every one of them is *within* the usual 0.6
# threshold: in a gallery of only 13,000 faces, several people already look "close enough". A
# product that always fills its list shows strangers to its users, and the threshold alone does
# not stop them. Tightening it to 0.5 leaves only the true match here, at the price of missing
# more true matches elsewhere (lesson B4's FNMR):

# %%
identification.search_results(gallery, probe, k=5, threshold=0.5)

# %% [markdown]
# ## Try it yourself
#
# Pick a person and a photo; move the threshold and the number of candidates. (Widgets need a
# running kernel: run the notebook to use them.)

# %%
people = sorted(gallery.records["identity"].value_counts().loc[lambda s: s >= 10].index)
identification.search_explorer(gallery, people)

# %% [markdown]
# ## Closed set: rank-1 accuracy as the gallery grows
#
# In a *closed-set* test every probe's person is in the gallery, and we ask whether the nearest
# face is theirs (rank-1 accuracy). Probes: the first photo of each of the 1,680 LFW people with at
# least two photos. The gallery holds their second photo plus distractors: photos of people who
# appear only once.

# %%
growth = identification.closed_set_rank1([1680, 2500, 3500, 4500, 5748])
growth

# %%
charts.line_chart(growth, "gallery size:Q", "rank-1 accuracy:Q", "Rank-1 accuracy falls as distractors are added",
                  "faces in the gallery", "rank-1 accuracy",
                  "Line chart: rank-1 accuracy of 1,680 LFW probes declines steadily as the gallery grows "
                  "from 1,680 to 5,748 faces by adding distractors.", y_format="%")

# %% [markdown]
# *Figure 1. Alt text: a line falling gently from left to right: rank-1 accuracy drops as the
# gallery grows from 1,680 to 5,748 faces.*
#
# Every distractor is another chance for a stranger to sit closer to the probe than its true mate.
# Here the gallery grows only 3.4 times; Clearview's grew to billions. The MegaFace benchmark
# (Kemelmacher-Shlizerman et al., CVPR 2016) showed top algorithms that exceeded 95% rank-1 with
# about 10 distractors falling far lower with a million.
#
# ## Open set: searching for someone who is not there
#
# Most real searches are *open-set*: the person in the probe may not be in the gallery at all.
# Then any candidate within the threshold is a false alarm. We search with 1,000 photos of people
# who appear only once in LFW, so the gallery holds no mate for them.

# %%
identification.open_set_false_alarms(threshold=0.6)

# %% [markdown]
# Almost every one of these searches (99.9%) returns at least one stranger within 0.6, about 110
# on average, in a gallery of only 13,000 faces: an FMR of about 0.8% (lesson B4) times 13,231
# comparisons. This share is the **false-positive identification rate (FPIR)**; it grows with the
# gallery, and lesson B6 works out what the numbers become at billions.
#
# ## Summary
#
# * A search returns candidates ranked by distance, each with the source it came from.
# * Closed-set rank-1 accuracy falls as distractors are added; open-set searches produce false
#   alarms that grow with the gallery.
# * Exercise: `exercises/B5_identification.ipynb`. Next: `lessons/B6_scale_base_rates.ipynb`.
