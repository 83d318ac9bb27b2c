"""Wrong answers a weak student would give in exercise B8; each must fail its public check."""

# Question 2's wrong answers: one plain student's cloak_photo with its loop body (or budget, or result) changed
_GRAD = "np.mean([loss_and_gradient(x, t)[1] for t in transforms], axis=0) if transforms else loss_and_gradient(x)[1]"


def _cloak_photo(loop: str, eps: str = "8 / 255", result: str = "cloak.as_uint8(x)") -> str:
    return f"""
EPS = {eps}

def cloak_photo(photo, transforms=(), steps=10, step=2 / 255):
    x0 = photo / 255
    x = x0.copy()
    for _ in range(steps):
{loop}
    return {result}
"""


WRONG = {
    "q1": {
        "no projection: only the step": '''
def pgd_step(x, x0, grad, step, eps):
    return np.clip(x - step * np.sign(grad), 0, 1)
''',
        "sign of the gradient reversed (climbs the loss)": '''
def pgd_step(x, x0, grad, step, eps):
    x = x + step * np.sign(grad)
    return np.clip(np.clip(x, x0 - eps, x0 + eps), 0, 1)
''',
        "the gradient itself instead of its sign": '''
def pgd_step(x, x0, grad, step, eps):
    x = x - step * grad
    return np.clip(np.clip(x, x0 - eps, x0 + eps), 0, 1)
''',
        "projected around the current photo instead of the original": '''
def pgd_step(x, x0, grad, step, eps):
    new = x - step * np.sign(grad)
    return np.clip(np.clip(new, x - eps, x + eps), 0, 1)
''',
        "no clipping to [0, 1]": '''
def pgd_step(x, x0, grad, step, eps):
    return np.clip(x - step * np.sign(grad), x0 - eps, x0 + eps)
''',
        "step forgotten: moves a whole unit": '''
def pgd_step(x, x0, grad, step, eps):
    return np.clip(np.clip(x - np.sign(grad), x0 - eps, x0 + eps), 0, 1)
''',
    },
    "q2": {
        "budget 8 instead of 8/255": _cloak_photo("""        if transforms:
            grad = np.mean([loss_and_gradient(x, t)[1] for t in transforms], axis=0)
        else:
            grad = loss_and_gradient(x)[1]
        x = pgd_step(x, x0, grad, step, EPS)""", eps="8"),
        "no projection: the budget is never applied": _cloak_photo(f"""        grad = {_GRAD}
        x = np.clip(x - step * np.sign(grad), 0, 1)"""),
        "sign reversed: moves up the gradient": _cloak_photo(f"""        grad = {_GRAD}
        x = np.clip(np.clip(x + step * np.sign(grad), x0 - EPS, x0 + EPS), 0, 1)"""),
        "no transformation averaging: the transforms are ignored": _cloak_photo(
            "        x = pgd_step(x, x0, loss_and_gradient(x)[1], step, EPS)"),
        "only the last transformation's gradient": _cloak_photo("""        grad = loss_and_gradient(x, transforms[-1])[1] if transforms else loss_and_gradient(x)[1]
        x = pgd_step(x, x0, grad, step, EPS)"""),
        "one step per transformation instead of one averaged step": _cloak_photo("""        for t in (transforms or [None]):
            x = pgd_step(x, x0, loss_and_gradient(x, t)[1], step, EPS)"""),
        "returns floats in [0, 1] instead of a uint8 photo": _cloak_photo(f"""        grad = {_GRAD}
        x = pgd_step(x, x0, grad, step, EPS)""", result="x"),
    },
    "q3": {
        "judged on the numpy copy through the original photo's alignment": '''
def is_protected(img, probe_descriptors, threshold=0.6):
    d = net.descriptors(warp(np.asarray(img, dtype=float)))[0]
    return bool(np.linalg.norm(np.asarray(probe_descriptors) - d, axis=1).min() > threshold)
''',
        "squared distance compared with 0.6": '''
def is_protected(img, probe_descriptors, threshold=0.6):
    boxes = face_recognition.face_locations(img)
    if not boxes:
        return True
    e = face_recognition.face_encodings(img, known_face_locations=boxes[:1])[0]
    return bool((((np.asarray(probe_descriptors) - e) ** 2).sum(axis=1)).min() > threshold)
''',
        "only the first probe": '''
def is_protected(img, probe_descriptors, threshold=0.6):
    boxes = face_recognition.face_locations(img)
    if not boxes:
        return True
    e = face_recognition.face_encodings(img, known_face_locations=boxes[:1])[0]
    return bool(np.linalg.norm(np.asarray(probe_descriptors)[0] - e) > threshold)
''',
        "no face found: crashes on face_encodings(...)[0]": '''
def is_protected(img, probe_descriptors, threshold=0.6):
    e = face_recognition.face_encodings(img)[0]
    return bool(np.linalg.norm(np.asarray(probe_descriptors) - e, axis=1).min() > threshold)
''',
        "inverted: True when the search finds the person": '''
def is_protected(img, probe_descriptors, threshold=0.6):
    boxes = face_recognition.face_locations(img)
    if not boxes:
        return False
    e = face_recognition.face_encodings(img, known_face_locations=boxes[:1])[0]
    return bool(np.linalg.norm(np.asarray(probe_descriptors) - e, axis=1).min() <= threshold)
''',
        "the mean distance to the probes instead of the nearest": '''
def is_protected(img, probe_descriptors, threshold=0.6):
    boxes = face_recognition.face_locations(img)
    if not boxes:
        return True
    e = face_recognition.face_encodings(img, known_face_locations=boxes[:1])[0]
    return bool(np.linalg.norm(np.asarray(probe_descriptors) - e, axis=1).mean() > threshold)
''',
    },
}

# Right answers in another form that must PASS:
RIGHT = {
    "q1": {
        "np.where for the projection, a list in": '''
def pgd_step(x, x0, grad, step, eps):
    x = np.asarray(x, dtype=float)
    x0 = np.asarray(x0, dtype=float)
    new = x - step * np.sign(np.asarray(grad))
    new = np.where(new > x0 + eps, x0 + eps, np.where(new < x0 - eps, x0 - eps, new))
    return np.minimum(np.maximum(new, 0), 1)
''',
        "projection of the perturbation (delta) instead of the photo": '''
def pgd_step(x, x0, grad, step, eps):
    delta = np.clip(x - step * np.sign(grad) - x0, -eps, eps)
    return np.clip(x0 + delta, 0, 1)
''',
    },
    "q2": {
        "sum instead of mean (same sign), loop written out, float32-free": '''
EPS = 8 / 255

def cloak_photo(photo, transforms=(), steps=10, step=2 / 255):
    x0 = np.asarray(photo, dtype=float) / 255
    x = x0.copy()
    for _ in range(steps):
        grads = [loss_and_gradient(x, t)[1] for t in transforms] or [loss_and_gradient(x)[1]]
        total = grads[0].copy()
        for g in grads[1:]:
            total += g
        x = pgd_step(x, x0, total, step, EPS)
    return np.clip(np.round(x * 255), 0, 255).astype(np.uint8)
''',
    },
    "q3": {
        "face_distance and any(), the first face when there is one": '''
def is_protected(img, probe_descriptors, threshold=0.6):
    found = face_recognition.face_encodings(np.asarray(img))
    if len(found) == 0:
        return True
    return not any(face_recognition.face_distance(list(probe_descriptors), found[0]) <= threshold)
''',
    },
}
