"""arwed: a life-sized 3D partner beside a person, composited for screens, projectors and AR glasses."""

__version__ = "0.1.0"
