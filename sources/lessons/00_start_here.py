# %% [markdown]
# # Start here: face search, from scraping to breach
#
# **Why this matters.** In January 2020 the public learned that a small company, Clearview AI, had
# copied billions of photos from social networks and sold police a search engine for faces: upload
# a photo, get back other photos of that person and links to where they were found. A month later
# the company reported that an intruder had taken its whole customer list. This course takes that
# system apart. You will build a small, honest version of it on public data, measure how well it
# works, and study how it was built and how its secrets leaked.
#
# **Learning objectives.** After this notebook you can
# 1. find your way around the course: its three tracks, lessons, exercises and how feedback works;
# 2. check that your environment is ready, and fix it if it is not;
# 3. say where the course's data comes from and how it is checked.
#
# **Prerequisites.** Basic Python. No knowledge of machine learning is assumed.
#
# **Estimated time.** 15 minutes.

# %% [markdown]
# ## How the course is organised
#
# | folder | what is in it |
# |---|---|
# | `lessons/` | the notebooks that teach, with their outputs, to read and re-run |
# | `exercises/` | your work: questions with `grader.check` cells that give feedback at once |
# | `datasets/` | manifests listing every data file with its checksum, and the downloaded data |
# | `facecourse/` | the Python code the notebooks share, so the notebooks can stay short |
#
# There are three tracks, which you can take in any order after this notebook:
#
# * **Track A, scraping ethics**: how a face database is collected, by a careless scraper and by a
#   polite, provenance-keeping one, run against a sandbox site on your own machine.
# * **Track B, face matching**: detection, landmarks, 128-number face embeddings, verification and
#   1:N search, measured the way NIST measures face recognition.
# * **Track C, the breach**: the timeline and published figures, a synthetic client list built from
#   them, and a lab on the access-control flaw that leaks customer lists.
#
# Then **Part D, putting it together**: a capstone in which you build a whole small face search yourself,
# from a polite crawl to an erasure, and write a memo on whether anyone should use it (after tracks A and B).
#
# The table below is built from the notebooks that exist in this copy of the course, with the time
# each one estimates for itself.

# %%
from IPython.display import Markdown

from facecourse import syllabus

Markdown(syllabus.course_map())

# %% [markdown]
# ## Is your environment ready?
#
# The next cell checks the installed packages, tries the face-recognition stack piece by piece, and
# verifies the data files against their checksums. Every line should start with `OK`. A line that
# starts with `FIX` says what is wrong and the command that repairs it.
#
# One failure deserves a warning in advance: with `setuptools` 82 or newer, `import face_recognition`
# prints *"Please install `face_recognition_models`"* and stops, even when that package is installed.
# The real cause is that setuptools 82 removed `pkg_resources`, which the models package uses. The
# check below names that cause instead of repeating the misleading message.

# %%
from facecourse import envcheck

ready = envcheck.print_report()

# %% [markdown]
# If everything says `OK`, you are ready. If not, run the suggested command in a terminal (in
# JupyterLab: *File → New → Terminal*), restart the kernel, and run the cell again.
#
# ## Where the data comes from
#
# The course never ships photos inside its repository. It ships *manifests*: for every file, its
# path, its size, its SHA-256 checksum and the official URL it was published at. The command that
# starts the course downloads the files (or copies them from a local mirror) and refuses any file
# whose checksum differs. Two image sets are used:
#
# * **Labeled Faces in the Wild (LFW)**, University of Massachusetts, Amherst, 2007: 13,233 news
#   photos of 5,749 public figures, collected from the web without the subjects' consent, the same
#   question this course asks about Clearview. Lessons work live on a 400-image *teaching* subset.
# * **The example photos of the `face_recognition` project** (MIT licence): press photos and
#   official portraits of public figures.

# %%
import pandas as pd

from facecourse import data

lfw = pd.read_csv(data.MANIFEST_DIR / "lfw.csv")
images = lfw[lfw["path"].str.startswith("images/")]
teaching = data.select("lfw", "teaching")
print(f"LFW manifest: {len(images):,} images of {images['path'].str.split('/').str[1].nunique():,} people, "
      f"{images['bytes'].sum() / 1e6:.1f} MB")
print(f"teaching subset: {sum(e.path.startswith('images/') for e in teaching)} images (verified by the check above)")

# %%
from IPython.display import Markdown

OFFICIAL_LFW_IMAGES = 13_233  # the count LFW's authors publish
missing = OFFICIAL_LFW_IMAGES - len(images)
Markdown(f"The mirror used here has {len(images):,} of the {OFFICIAL_LFW_IMAGES:,} official images: "
         + (f"{missing} photo{'s were' if missing > 1 else ' was'} not available (Betsy Coffin's), and no lesson "
            "needs it." if missing else "all of them."))

# %% [markdown]
# ## A first look: finding faces
#
# Before any matching, a system must find the faces in a photo. Here dlib's face detector, through
# the `face_recognition` package, looks for faces in one of the example photos. Track B explains how
# it works and where it fails.

# %%
from PIL import Image, ImageDraw

face_recognition = envcheck.import_face_recognition()

photo_path = data.example_path("two_people.jpg")
pixels = face_recognition.load_image_file(photo_path)
boxes = face_recognition.face_locations(pixels)  # (top, right, bottom, left) per face
print(f"{photo_path.name}: {pixels.shape[1]} x {pixels.shape[0]} px, {len(boxes)} faces found")

# %%
picture = Image.fromarray(pixels)
draw = ImageDraw.Draw(picture)
for top, right, bottom, left in boxes:
    draw.rectangle([left, top, right, bottom], outline=(255, 200, 0), width=6)
picture.thumbnail((480, 480))
picture

# %% [markdown]
# *Figure 1. Alt text: a photograph of Barack Obama (left) and Joe Biden (right) standing side by
# side with arms crossed; each face is outlined by a yellow rectangle drawn by the detector.*
#
# Two faces, two boxes. Everything later in the course, from a gallery of billions of faces to a
# police search, starts with this step.
#
# ## Summary and next steps
#
# * Your environment is checked, and the data is verified against published checksums.
# * Next, do the warm-up exercise, `exercises/00_warmup.ipynb`: distances, thresholds and base rates,
#   with instant feedback from `grader.check`.
