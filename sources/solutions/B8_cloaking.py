# %% [raw]
# # ASSIGNMENT CONFIG
# name: B8_cloaking
# init_cell: true
# check_all_cell: true
# export_cell: false
# tests:
#   files: false
#   ok_format: false

# %% [markdown]
# # Exercise B8: build a cloak, and judge it honestly
#
# **Why this matters.** A cloak that only fools your own copy of the model protects nobody. You
# write the heart of a cloak, the projected gradient step, then the loop that averages it over
# transformations, and finally the measurement a search engine would make of the saved photo.
#
# **Learning objectives.** Write a projected-gradient step under an L-infinity budget; express a
# budget in the units of the image; average a gradient over transformations; judge protection
# through the real dlib pipeline, not the numpy copy.
#
# **Prerequisites.** `lessons/B8_cloaking.ipynb`.
#
# **Estimated time.** 35 minutes (from a trial run: see `INSTRUCTORS.md`).
#
# The given cell loads the numpy copy of dlib's network and one user of the lesson's study, David
# Nalbandian: `photo` is the photo he posts (uint8, 150 x 150), `probe_descriptors` the real
# pipeline's descriptors of his other photos, `warp` the alignment of `photo` (as in the lesson),
# and `target` the descriptor the cloak pulls towards. `loss_and_gradient(x)` returns the targeted
# loss and its gradient for a photo `x` of floats in [0, 1]; `loss_and_gradient(x, transform)`
# computes both at `transform(x)` and uses that gradient as if the transformation were not there
# (BPDA, as in the lesson). Everything runs on one core.

# %%
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # face_recognition_models still imports pkg_resources
    import face_recognition

from facecourse.matching import cloak, dlibnet

threadpool_limits(limits=1, user_api="blas")
net = dlibnet.load()
me = cloak.subject("David_Nalbandian")
photo = me.upload
probe_descriptors = me.probe_descriptors()
warp = cloak.find_warp(photo)
target = cloak.pick_target(net, photo, cloak.target_pool())


def loss_and_gradient(x, transform=None):
    """The targeted loss ||f(W 255x) - target||^2 and its gradient dL/dx, for a photo x of floats in [0, 1].

    With ``transform`` (a function from a uint8 photo to a uint8 photo, e.g. ``cloak.jpeg``), both are
    computed at ``transform(x)`` and the gradient is returned as if the transform were not there.
    """
    seen = x if transform is None else transform(cloak.as_uint8(x)) / 255
    d, tape = net.forward(warp(255 * seen), record=True)
    d_chip = net.backward(tape, 2 * (d - target))[0]
    return float(np.sum((d - target) ** 2)), 255 * warp.backward(d_chip)


print(f"{len(probe_descriptors)} probes; loss of the clean photo {loss_and_gradient(photo / 255)[0]:.3f}")


# %% [markdown]
# ## Question 1: one projected gradient step
#
# Write `pgd_step(x, x0, grad, step, eps)` that returns the next photo of projected gradient
# descent: every pixel of `x` moves by `step` against the **sign** of its derivative `grad`, then
# the result is projected back: no pixel further than `eps` from the original photo `x0`, and
# every value within [0, 1]. All images are float arrays of one shape; `step` and `eps` are in the
# same units as the pixels (here, shares of the 0-1 range).

# %% [raw]
# # BEGIN QUESTION
# name: q1
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %%
def pgd_step(x, x0, grad, step, eps):
    # BEGIN SOLUTION
    x = np.asarray(x, dtype=float) - step * np.sign(grad)
    x = np.clip(x, np.asarray(x0) - eps, np.asarray(x0) + eps)
    return np.clip(x, 0.0, 1.0)
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q1_1(pgd_step):
    import numpy as np
    from facecourse.checks import answered
    answered("q1", pgd_step=pgd_step)
    x0 = np.full(4, 0.5)
    out = pgd_step(x0, x0, np.array([3.0, -0.2, 0.0, 1.0]), 1 / 255, 8 / 255)
    assert out is not None, "Not answered yet: pgd_step returns nothing."
    assert np.shape(out) == (4,), f"pgd_step should return an image of the same shape as x, (4,); got {np.shape(out)}."
    assert np.allclose(out, 0.5 - np.array([1, -1, 0, 1]) / 255), \
        ("From 0.5 with gradient [3, -0.2, 0, 1] and step 1/255 the next values are 0.5 - 1/255, 0.5 + 1/255, 0.5 and "
         "0.5 - 1/255: each pixel moves by exactly one step against the sign of its derivative. Yours moved them by "
         f"{np.round((np.asarray(out, dtype=float) - 0.5) * 255, 2).tolist()} grey levels.")

# %%
def test_q1_2(pgd_step):
    import numpy as np
    x0 = np.full(3, 0.5)
    far = pgd_step(x0 + np.array([0.2, -0.2, 0.01]), x0, np.zeros(3), 1 / 255, 8 / 255)
    assert far is not None, "Not answered yet: pgd_step returns nothing."
    assert np.allclose(far, [0.5 + 8 / 255, 0.5 - 8 / 255, 0.51]), \
        ("A pixel 0.2 above its original 0.5 must be brought back to 0.5 + eps (eps = 8/255), one 0.2 below to 0.5 - "
         f"eps, and one 0.01 above stays where it is: project onto [x0 - eps, x0 + eps]. Got {np.round(far, 4)}.")

# %%
def test_q1_3(pgd_step):
    import numpy as np
    edge = pgd_step(np.array([0.999, 0.001]), np.array([0.999, 0.001]), np.array([-1.0, 1.0]), 2 / 255, 8 / 255)
    assert edge is not None, "Not answered yet: pgd_step returns nothing."
    assert np.allclose(edge, [1.0, 0.0]), \
        f"Pixel values must stay within [0, 1] (an image): stepping 0.999 up and 0.001 down gives 1 and 0, not {np.round(edge, 4)}."

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q1_hidden_1(pgd_step):
    import numpy as np
    rng = np.random.default_rng(5)
    x0 = rng.uniform(0, 1, (5, 5, 3))
    x = x0.copy()
    for _ in range(30):
        x = pgd_step(x, x0, rng.normal(size=x0.shape), 1 / 255, 4 / 255)
    assert np.abs(x - x0).max() <= 4 / 255 + 1e-12 and x.min() >= 0 and x.max() <= 1
    one = pgd_step(x0, x0, np.ones_like(x0), 3 / 255, 4 / 255)
    assert np.allclose(one, np.clip(x0 - 3 / 255, 0, 1))

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 2: the cloak, averaged over transformations
#
# First set `EPS` to the budget of **8 grey levels** in the units of a photo of floats in [0, 1].
# Then write `cloak_photo(photo, transforms=(), steps=10, step=2/255)` that cloaks `photo` (uint8):
# start from `x0 = photo / 255`; at each of `steps` steps take the gradient from
# `loss_and_gradient`, **averaged over every transformation in `transforms`** (each `t` gives
# `loss_and_gradient(x, t)`), or simply `loss_and_gradient(x)` when `transforms` is empty; move with
# your `pgd_step` within `EPS` of `x0`; at the end return the photo as uint8
# (`cloak.as_uint8(x)` rounds and clips), ready to save.

# %% [raw]
# # BEGIN QUESTION
# name: q2
# points: 3

# %% [raw]
# # BEGIN SOLUTION

# %%
EPS = 8 / 255  # SOLUTION


def cloak_photo(photo, transforms=(), steps=10, step=2 / 255):
    # BEGIN SOLUTION
    x0 = np.asarray(photo) / 255
    x = x0.copy()
    for _ in range(steps):
        if len(transforms):
            grad = np.mean([loss_and_gradient(x, t)[1] for t in transforms], axis=0)
        else:
            grad = loss_and_gradient(x)[1]
        x = pgd_step(x, x0, grad, step, EPS)
    return cloak.as_uint8(x)
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q2_1(EPS, cloak_photo):
    from facecourse.checks import answered
    answered("q2", EPS=EPS, cloak_photo=cloak_photo)
    assert EPS is not ..., "Not answered yet: set EPS."
    assert abs(EPS - 8 / 255) < 1e-12, \
        (f"EPS is the budget in the photo's units: 8 grey levels of 255 is 8/255 = {8 / 255:.4f} on a 0-1 photo; got "
         f"{EPS!r} (8 would allow every pixel to go anywhere).")

# %%
def test_q2_2(cloak_photo, photo):
    import numpy as np
    cloaked = cloak_photo(photo, steps=6)
    assert cloaked is not None, "Not answered yet: cloak_photo returns nothing."
    assert getattr(cloaked, "dtype", None) == np.uint8 and np.shape(cloaked) == photo.shape, \
        f"cloak_photo should return a uint8 photo of shape {photo.shape}, ready to save; got {getattr(cloaked, 'dtype', type(cloaked))} {np.shape(cloaked)}."
    change = int(np.abs(cloaked.astype(int) - photo.astype(int)).max())
    assert change <= 8, \
        (f"A pixel of the cloaked photo is {change} grey levels from the original: the budget is 8. Project every "
         "step onto [x0 - EPS, x0 + EPS] with EPS = 8/255.")
    assert change >= 6, f"After 6 steps of 2 grey levels the cloak should reach the budget somewhere; the largest change is {change}."

# %%
def test_q2_3(cloak_photo, photo, loss_and_gradient):
    from facecourse.matching import cloak
    cloaked = cloak_photo(photo, steps=6)
    assert cloaked is not None, "Not answered yet: cloak_photo returns nothing."
    before, after = loss_and_gradient(photo / 255)[0], loss_and_gradient(cloak.as_uint8(cloaked) / 255)[0]
    assert after < before - 0.2, \
        (f"The cloak should pull the photo's descriptor towards the target: the loss went from {before:.3f} to "
         f"{after:.3f}. Step against the gradient's sign (x - step * sign(grad)).")

# %%
def test_q2_4(cloak_photo, photo, loss_and_gradient):
    from functools import partial
    import numpy as np
    from facecourse.matching import cloak
    # partial, not lambda: the grader sends these to your function by value, and a lambda cannot travel
    views = [partial(cloak.jpeg, quality=70), partial(np.roll, shift=1, axis=1)]
    robust = cloak_photo(photo, transforms=views, steps=3)
    assert robust is not None, "Not answered yet: cloak_photo returns nothing."
    plain = cloak_photo(photo, steps=3)
    assert not np.array_equal(robust, plain), \
        ("With transformations given, every step must use the gradient averaged over the transformed copies "
         "(loss_and_gradient(x, t) for each t): your cloak is the same as without them.")
    averaged = np.mean([loss_and_gradient(robust / 255, t)[0] for t in views])
    assert abs(averaged - 0.34176) < 1e-4, \
        (f"After 3 steps averaged over JPEG 70 and a 1-pixel shift, the loss averaged over those two copies should be "
         f"0.3418; yours gives {averaged:.4f}. Average the gradients of all transformations at every step, "
         "then take one projected step.")

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q2_hidden_1(cloak_photo, photo, probe_descriptors):
    import numpy as np
    from facecourse.matching import cloak
    cloaked = cloak_photo(photo, steps=10)
    assert np.abs(cloaked.astype(int) - photo.astype(int)).max() == 8
    assert cloak.match(cloak.embed_photo(cloaked), probe_descriptors)["distance"] > 0.6
    small = cloak_photo(photo, steps=2, step=1 / 255)
    assert np.abs(small.astype(int) - photo.astype(int)).max() == 2

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 3: judged by the real pipeline
#
# Write `is_protected(img, probe_descriptors, threshold=0.6)` for a photo `img` as a search engine
# reads it from the file (uint8). Run the **real** pipeline on it, as the lesson's
# `real_descriptor` does: `face_recognition.face_locations`, the face nearest the centre,
# `face_recognition.face_encodings` with that box. Return `True` when no face is found or when
# **no** probe descriptor is within `threshold` of the photo's (the search cannot return it), and
# `False` otherwise.

# %% [raw]
# # BEGIN QUESTION
# name: q3
# points: 3

# %% [raw]
# # BEGIN SOLUTION

# %%
def is_protected(img, probe_descriptors, threshold=0.6):
    # BEGIN SOLUTION
    img = np.asarray(img)
    boxes = face_recognition.face_locations(img)
    if not boxes:
        return True
    h, w = img.shape[:2]
    box = min(boxes, key=lambda b: ((b[1] + b[3]) / 2 - w / 2) ** 2 + ((b[0] + b[2]) / 2 - h / 2) ** 2)
    e = face_recognition.face_encodings(img, known_face_locations=[box])[0]
    return bool(np.linalg.norm(np.asarray(probe_descriptors) - e, axis=1).min() > threshold)
    # END SOLUTION


# %% [raw]
# # END SOLUTION

# %% [raw]
# # BEGIN TESTS

# %%
def test_q3_1(is_protected, photo, probe_descriptors):
    from facecourse.checks import answered
    answered("q3", is_protected=is_protected)
    verdict = is_protected(photo, probe_descriptors)
    assert verdict is not None, "Not answered yet: is_protected returns nothing."
    assert verdict in (True, False), f"is_protected should return True or False, not {verdict!r}."
    assert not verdict, \
        "The clean photo is within 0.6 of David Nalbandian's other photos: the search finds him, so it is not protected."

# %%
def test_q3_2(is_protected, probe_descriptors):
    import numpy as np
    blank = np.full((150, 150, 3), 128, np.uint8)
    try:
        verdict = is_protected(blank, probe_descriptors)
    except Exception as err:  # noqa: BLE001 - a plain sentence instead of a traceback
        verdict = f"an error ({type(err).__name__}: {err})"
    assert verdict is not None, "Not answered yet: is_protected returns nothing."
    assert verdict == True, \
        f"In a grey photo the pipeline finds no face, so a search cannot match it: is_protected should say True, not {verdict}."

# %%
def test_q3_3(photo, is_protected, probe_descriptors):
    import numpy as np
    moved = np.concatenate([np.repeat(photo[:, :1], 35, axis=1), photo[:, :-35]], axis=1)
    try:
        verdict = is_protected(moved, probe_descriptors)
    except Exception as err:  # noqa: BLE001
        verdict = f"an error ({type(err).__name__}: {err})"
    assert verdict is not None, "Not answered yet: is_protected returns nothing."
    assert verdict == False, \
        ("The same photo moved 35 pixels to the right is still David Nalbandian: the real pipeline detects and aligns the "
         f"face again and matches it, so it is not protected; yours says {verdict}. Judge the photo with face_recognition "
         "(detection, alignment, descriptor), not with the numpy copy through the alignment of the original photo.")

# %%
def test_q3_4(is_protected, photo, probe_descriptors):
    import numpy as np
    from facecourse.matching import cloak
    others = np.stack(list(cloak.target_pool().values())[:10])       # ten other people's descriptors
    verdict = is_protected(photo, np.vstack([others, probe_descriptors]))
    assert verdict is not None, "Not answered yet: is_protected returns nothing."
    assert verdict == False, \
        ("Among ten other people's descriptors and David Nalbandian's own, the clean photo is still within 0.6 of his: "
         "the nearest probe decides (not the first one in the list, not the average distance), so it is not "
         f"protected; yours says {verdict}.")

# %%
def test_q3_5(net, photo, target, is_protected, probe_descriptors):
    from facecourse.matching import cloak
    example = cloak.protect(net, photo, kind="targeted", eps=4 / 255, target=target).photo
    verdict = is_protected(example, probe_descriptors)
    assert verdict is not None, "Not answered yet: is_protected returns nothing."
    assert verdict == True, \
        ("A photo cloaked at 4/255 ends up about 0.73 from the nearest probe (real pipeline): that is beyond 0.6, so "
         f"it is protected; yours says {verdict}. Compare the distance itself (not its square) with the threshold.")

# %%
""" # BEGIN TEST CONFIG
hidden: true
""" # END TEST CONFIG
def test_q3_hidden_1(net, photo, target, is_protected, probe_descriptors):
    import numpy as np
    from facecourse.matching import cloak
    example = cloak.protect(net, photo, kind="targeted", eps=4 / 255, target=target).photo
    assert not is_protected(example, probe_descriptors, threshold=0.8)
    assert is_protected(cloak.blur(example, 1.0), probe_descriptors) == False
    two = np.concatenate([np.full((150, 60, 3), 200, np.uint8), photo], axis=1)
    assert is_protected(two, probe_descriptors) == False

# %% [raw]
# # END TESTS

# %% [raw]
# # END QUESTION

# %% [markdown]
# ## Question 4 (written): who pays for a cloak?
#
# Use your numbers: in a cell of your own, time `cloak_photo(photo)` and check `is_protected` on
# the cloaked photo after `cloak.jpeg(..., 75)` and `cloak.blur(..., 1.0)`. In four to six
# sentences: who could realistically cloak every photo of themselves, what it costs them, what a
# cloak cannot reach (photos others post, photos already collected), and why the lesson concludes
# that the law, not the individual, is the real protection.

# %% [raw]
# # BEGIN QUESTION
# name: q4
# manual: true
# points: 2

# %% [raw]
# # BEGIN SOLUTION

# %% [markdown]
# **Model answer.** A cloak costs computation for every photo (about a second here for the plain one, several for
# one that survives JPEG), must be applied before posting, and still loses to the platform's own
# compression unless made robust, which costs more and shows more. It cannot reach the photos
# friends, employers or the press post, nor the billions already collected, and a search engine
# that retrains against the published tool, or simply moves to a newer model, undoes it years
# later, long after the user committed to it. So the burden falls on the people being searched,
# most heavily on those with the least time and technical help, while the collector pays nothing.
# Laws such as Illinois' BIPA, the GDPR and the EU AI Act's ban on untargeted scraping for face
# databases act on the collector instead, and protect everyone, including those who never heard
# of cloaks.
#
# **Rubric (2 points).**
# * 1 point: the cost and its reach, with the student's own numbers: seconds of computation per
#   photo (more for a cloak that survives JPEG or a blur), applied before every upload, and what it
#   cannot reach: photos other people post, photos already collected, the probe photo itself.
# * 1 point: why the law and not the individual: the collector moves second (a newer model, or
#   retraining against the published tool, undoes old cloaks years later), so the burden falls on
#   the people searched; rules that bind the collector (BIPA, the GDPR, the EU AI Act's ban on
#   untargeted scraping) protect everyone at once.
#
# **Common weak answers.**
# * "Anyone can cloak their photos, so people are protected if they choose to be": 0 of 2 points.
# * Numbers for time and JPEG but nothing on what a cloak cannot reach or on the law: 1 of 2 points.
# * Names a law without saying why it protects better than a cloak (who it binds): 1 of 2 points.

# %% [raw]
# # END SOLUTION

# %% [raw]
# # END QUESTION
