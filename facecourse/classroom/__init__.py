"""The course in a classroom: a JupyterHub, grading on a cluster, grades exported to an LMS.

* :mod:`.hub`: the nbgitpuller link that pulls the course into a student's hub home
  (``python3 course.py link --hub URL``) and collecting students' notebooks from the hub's home
  folders (``python3 course.py collect``); the hub's own configuration is ``hub/jupyterhub_config.py``.
* :mod:`.cluster`: ``python3 course.py grade SUBS --scheduler tcp://HOST:8786`` grades each
  submission on a dask.distributed worker (``python3 course.py grade-worker``), in the same
  sandbox, into the same gradebook as a local run.
* :mod:`.lms`: the gradebook as a Canvas gradebook CSV and as Gradescope-style ``results.json``
  files, with the instructor's roster and late flags from a deadline.
"""
