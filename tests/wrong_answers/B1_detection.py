"""Wrong answers a weak student would give in exercise B1; each must fail its public check."""

WRONG = {
    "q1": {
        # issue 22: every public rectangle was inside the image
        "clips negative coordinates to 0": '''
def rect_to_box(rect):
    return (max(0, rect.top()), rect.right(), rect.bottom(), max(0, rect.left()))
''',
        "Pillow's order (left, top, right, bottom)": '''
def rect_to_box(rect):
    return (rect.left(), rect.top(), rect.right(), rect.bottom())
''',
        "rows and columns swapped: (top, left, bottom, right)": '''
def rect_to_box(rect):
    return (rect.top(), rect.left(), rect.bottom(), rect.right())
''',
        "corners from dlib's inclusive width() and height() (off by one)": '''
def rect_to_box(rect):
    return (rect.top(), rect.left() + rect.width(), rect.top() + rect.height(), rect.left())
''',
        "(x, y, width, height) as in OpenCV": '''
def rect_to_box(rect):
    return (rect.left(), rect.top(), rect.right() - rect.left(), rect.bottom() - rect.top())
''',
        "y axis pointing up: (bottom, right, top, left)": '''
def rect_to_box(rect):
    return (rect.bottom(), rect.right(), rect.top(), rect.left())
''',
    },
    "q2": {
        "ignores upsample (face_locations' default of 1)": '''
def count_faces(img, upsample):
    return len(face_recognition.face_locations(img))
''',
        "one upsampling step too many": '''
def count_faces(img, upsample):
    return len(face_recognition.face_locations(img, number_of_times_to_upsample=upsample + 1))
''',
        "never upsamples": '''
def count_faces(img, upsample):
    return len(hog_detector(img, 0))
''',
        "the CNN model instead of HOG": '''
def count_faces(img, upsample):
    return len(face_recognition.face_locations(img, number_of_times_to_upsample=upsample, model="cnn"))
''',
        "returns the boxes, not how many": '''
def count_faces(img, upsample):
    return face_recognition.face_locations(img, number_of_times_to_upsample=upsample)
''',
    },
    "q3": {
        "mean number of faces per image": '''
def detection_rate(counts):
    if len(counts) == 0:
        raise ValueError("no images")
    return sum(counts) / len(counts)
''',
        "share of images with exactly one face": '''
def detection_rate(counts):
    if len(counts) == 0:
        raise ValueError("no images")
    return sum(1 for c in counts if c == 1) / len(counts)
''',
        "a percentage instead of a share": '''
def detection_rate(counts):
    if len(counts) == 0:
        raise ValueError("no images")
    return 100 * sum(1 for c in counts if c > 0) / len(counts)
''',
        "the miss rate (share with no face)": '''
def detection_rate(counts):
    if len(counts) == 0:
        raise ValueError("no images")
    return sum(1 for c in counts if c == 0) / len(counts)
''',
        "no check for an empty list (ZeroDivisionError)": '''
def detection_rate(counts):
    return sum(1 for c in counts if c > 0) / len(counts)
''',
        "returns 0 for an empty list instead of raising": '''
def detection_rate(counts):
    if len(counts) == 0:
        return 0.0
    return sum(1 for c in counts if c > 0) / len(counts)
''',
    },
}

# Right answers in another form that must PASS (numpy scalars, lists instead of tuples, ...):
RIGHT = {
    "q1": {
        "a list of numpy ints": '''
def rect_to_box(rect):
    return list(np.array([rect.top(), rect.right(), rect.bottom(), rect.left()]))
''',
    },
    "q2": {
        "dlib's detector object, numpy int": '''
def count_faces(img, upsample):
    return np.int64(len(hog_detector(img, upsample)))
''',
    },
    "q3": {
        "numpy mean, numpy float": '''
def detection_rate(counts):
    counts = np.asarray(counts)
    if counts.size == 0:
        raise ValueError("an empty list has no detection rate")
    return np.mean(counts > 0)
''',
    },
}
