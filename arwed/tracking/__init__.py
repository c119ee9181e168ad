"""Body tracking: the only package that imports mediapipe."""
