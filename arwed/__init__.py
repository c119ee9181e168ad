"""arwed: a life-sized 3D partner beside a person, composited for screens, projectors and AR glasses."""

import os

# Our matrices are tiny (4x4), and OpenBLAS's worker threads spin after each call, taking the two cores
# that tracking and rendering need. Set before anything imports numpy; a user's own setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
