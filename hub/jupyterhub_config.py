"""JupyterHub configuration for a facecourse classroom on one machine (JupyterHub 5).

Run it as root from the course repository, in the course environment (``python3 course.py install
--hub`` makes ``.venv`` with JupyterHub and nbgitpuller and installs the hub's proxy)::

    sudo .venv/bin/jupyterhub -f hub/jupyterhub_config.py

What it sets (README, "A classroom JupyterHub", maps each line to The Littlest JupyterHub and Zero
to JupyterHub):

* every student's server is the course environment's ``jupyterhub-singleuser`` (the same locked
  packages as ``python3 course.py lab``, CI and Binder), opening JupyterLab;
* nbgitpuller is in that environment: ``python3 course.py link --hub URL`` prints the link that
  pulls the course into a student's home (``~/facecourse``) and opens a notebook;
* the course's verified data (``python3 course.py data`` as the instructor, once) is read by every
  student from the instructor's cache; what a student's notebooks make (crawls, the erasure key)
  stays in their own home (``~/.facecourse-local``);
* students are this machine's users (PAM, JupyterHub's default authenticator) in the group
  ``facecourse``; users in ``facecourse-staff`` are hub admins (``sudo groupadd facecourse``,
  ``sudo useradd -m -G facecourse ann``); each server runs as its student (LocalProcessSpawner),
  so students cannot read each other's homes;
* the hub listens on 127.0.0.1:8000: put it behind an HTTPS reverse proxy (or set
  ``c.JupyterHub.ssl_cert``/``ssl_key`` and a public ``bind_url``) before students use it.

To change a setting without editing this file, make your own config that loads it first::

    c = get_config()  # noqa
    load_subconfig("/srv/facecourse/hub/jupyterhub_config.py")
    c.JupyterHub.authenticator_class = "github"   # e.g. oauthenticator, LTI, NativeAuthenticator

``tests/classroom/test_hub.py`` does exactly that to run this configuration for real on 127.0.0.1
with DummyAuthenticator and SimpleLocalProcessSpawner, as JupyterHub's own tests do.
"""

import sys
from pathlib import Path

c = get_config()  # noqa: F821 - JupyterHub defines get_config when it loads this file

ENV_BIN = Path(sys.executable).parent  # the course environment: the hub runs from it
ROOT = Path(__file__).resolve().parent.parent  # the course repository (its package is installed in ENV_BIN's env)
sys.path.insert(0, str(ROOT))
from facecourse.paths import cache_dir  # noqa: E402

# --- the hub -------------------------------------------------------------------------------------
c.JupyterHub.bind_url = "http://127.0.0.1:8000"
c.ConfigurableHTTPProxy.command = [str(ENV_BIN / "configurable-http-proxy")]  # `course.py install --hub`

# --- who may log in ------------------------------------------------------------------------------
c.PAMAuthenticator.allowed_groups = {"facecourse"}
c.PAMAuthenticator.admin_groups = {"facecourse-staff"}

# --- every student's server: the course environment, JupyterLab, nbgitpuller -----------------------
c.Spawner.cmd = [str(ENV_BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {
    "FACECOURSE_DATA": str(cache_dir()),  # the instructor's verified data, read-only for students
    "FACECOURSE_LOCAL": "~/.facecourse-local",  # what the student's notebooks make, in their own home
    "NBGITPULLER_APP": "lab",  # nbgitpuller opens JupyterLab, also for links without urlpath
}
# a kernel of the B track needs up to 0.6 GB (README, "Notebook resources"); JupyterLab and one kernel fit in 2 GB
c.Spawner.mem_limit = "2G"  # enforced by spawners that can (containers); a hint for LocalProcessSpawner
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
