"""Track B, face matching with dlib: everything a face search needs, one module per step.

* :mod:`~facecourse.matching.faces`: detection, landmarks, aligned chips, 128-d embeddings (dlib
  through face_recognition);
* :mod:`~facecourse.matching.precomputed`: the committed embeddings of all LFW images (a store of
  vectors, not the embedder) and pair distances;
* :mod:`~facecourse.matching.metrics`: FMR/FNMR, DET, EER, LFW View 2, scale arithmetic;
* :mod:`~facecourse.matching.gallery`: 1:N search with provenance and erasure;
* :mod:`~facecourse.matching.identification`: 1:N experiments on LFW and the search explorer;
* :mod:`~facecourse.matching.charts`: the track's altair charts;
* :mod:`~facecourse.matching.dlibnet`: dlib's face recognition network read into numpy, with
  derivatives (for the cloaking lesson).
"""

#: The distance at or below which two face embeddings are called "same person": dlib's
#: documented operating point for its ResNet model (``face_recognition``'s default tolerance).
THRESHOLD = 0.6
