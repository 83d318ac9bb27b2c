"""Wrong answers a weak student would give in exercise B2; each must fail its public check."""

WRONG = {
    "q1": {
        "eyes swapped (the person's left eye first)": '''
def eye_centres(face):
    return np.mean(face["right_eye"], axis=0), np.mean(face["left_eye"], axis=0)
''',
        "the first point of each eye instead of the mean": '''
def eye_centres(face):
    return np.array(face["left_eye"][0]), np.array(face["right_eye"][0])
''',
        "the centre of the eye's bounding box": '''
def eye_centres(face):
    centre = lambda pts: (np.min(pts, axis=0) + np.max(pts, axis=0)) / 2
    return centre(face["left_eye"]), centre(face["right_eye"])
''',
        "rounded down to whole pixels": '''
def eye_centres(face):
    return (np.mean(face["left_eye"], axis=0).astype(int), np.mean(face["right_eye"], axis=0).astype(int))
''',
        "mean over the wrong axis (one number per point)": '''
def eye_centres(face):
    return np.mean(face["left_eye"], axis=1), np.mean(face["right_eye"], axis=1)
''',
    },
    "q2": {
        "radians instead of degrees": '''
def roll_degrees(img):
    found = face_recognition.face_landmarks(img)
    if len(found) != 1:
        raise ValueError("expected one face")
    (x1, y1), (x2, y2) = eye_centres(found[0])
    return float(np.arctan2(y2 - y1, x2 - x1))
''',
        "eyes swapped (from image-right to image-left)": '''
def roll_degrees(img):
    found = face_recognition.face_landmarks(img)
    if len(found) != 1:
        raise ValueError("expected one face")
    (x1, y1), (x2, y2) = eye_centres(found[0])
    return float(np.degrees(np.arctan2(y1 - y2, x1 - x2)))
''',
        "y axis taken as pointing up": '''
def roll_degrees(img):
    found = face_recognition.face_landmarks(img)
    if len(found) != 1:
        raise ValueError("expected one face")
    (x1, y1), (x2, y2) = eye_centres(found[0])
    return float(np.degrees(np.arctan2(y1 - y2, x2 - x1)))
''',
        "arctan2's arguments swapped (dx, dy)": '''
def roll_degrees(img):
    found = face_recognition.face_landmarks(img)
    if len(found) != 1:
        raise ValueError("expected one face")
    (x1, y1), (x2, y2) = eye_centres(found[0])
    return float(np.degrees(np.arctan2(x2 - x1, y2 - y1)))
''',
        "no check for a missing face (IndexError)": '''
def roll_degrees(img):
    (x1, y1), (x2, y2) = eye_centres(face_recognition.face_landmarks(img)[0])
    return float(np.degrees(np.arctan2(y2 - y1, x2 - x1)))
''',
        "several faces: silently measures the first": '''
def roll_degrees(img):
    found = face_recognition.face_landmarks(img)
    if not found:
        raise ValueError("no face")
    (x1, y1), (x2, y2) = eye_centres(found[0])
    return float(np.degrees(np.arctan2(y2 - y1, x2 - x1)))
''',
    },
    "q3": {
        "rotates the wrong way (doubles the tilt)": '''
def level(img):
    return np.asarray(Image.fromarray(img).rotate(-roll_degrees(img), resample=Image.BICUBIC))
''',
        "rotates by the angle in radians": '''
def level(img):
    return np.asarray(Image.fromarray(img).rotate(np.radians(roll_degrees(img)), resample=Image.BICUBIC))
''',
        "returns the Pillow image, not an array": '''
def level(img):
    return Image.fromarray(img).rotate(roll_degrees(img), resample=Image.BICUBIC)
''',
        "uses the roll of the global photo, not of img": '''
def level(img):
    return np.asarray(Image.fromarray(img).rotate(roll_degrees(photo), resample=Image.BICUBIC))
''',
        "rotates by 90 degrees minus the roll": '''
def level(img):
    return np.asarray(Image.fromarray(img).rotate(90 - roll_degrees(img), resample=Image.BICUBIC))
''',
        # issue 22: the prompt says to rotate about the midpoint between the eyes
        "rotates about the image centre (no center=)": '''
def level(img):
    return np.asarray(Image.fromarray(img).rotate(roll_degrees(img), resample=Image.BICUBIC))
''',
        "rotates about the image centre, with expand": '''
def level(img):
    return np.array(Image.fromarray(img).rotate(roll_degrees(img), resample=Image.BICUBIC, expand=True))
''',
        "center given as (row, column), not (x, y)": '''
def level(img):
    left, right = eye_centres(face_recognition.face_landmarks(img)[0])
    mid = (left + right) / 2
    return np.asarray(Image.fromarray(img).rotate(roll_degrees(img), resample=Image.BICUBIC, center=(mid[1], mid[0])))
''',
    },
}

# Right answers in another form that must PASS (numpy scalars, lists, ...):
RIGHT = {
    "q1": {
        "lists of numpy floats": '''
def eye_centres(face):
    l, r = np.asarray(face["left_eye"], float), np.asarray(face["right_eye"], float)
    return [l[:, 0].mean(), l[:, 1].mean()], [r[:, 0].mean(), r[:, 1].mean()]
''',
    },
    "q2": {
        "a numpy float; separate checks for no face and several faces": '''
def roll_degrees(img):
    found = face_recognition.face_landmarks(img)
    if len(found) == 0:
        raise ValueError("no face")
    if len(found) > 1:
        raise ValueError("several faces")
    left = np.mean(found[0]["left_eye"], axis=0)
    right = np.mean(found[0]["right_eye"], axis=0)
    dx, dy = right - left
    return np.degrees(np.arctan2(dy, dx))
''',
    },
    "q3": {
        "centre as a numpy array of the eye midpoint, level via the roll of the landmarks": '''
def level(img):
    lm = face_recognition.face_landmarks(img)[0]
    mid = (np.mean(lm["left_eye"], axis=0) + np.mean(lm["right_eye"], axis=0)) / 2
    return np.array(Image.fromarray(img).rotate(float(roll_degrees(img)), resample=Image.BICUBIC,
                                                center=(float(mid[0]), float(mid[1]))))
''',
    },
}
