"""The ceremony: cues from a file, and what they make the character do (walk, look, bow, reach, speak).

Qt-free. `script` reads the file, `cues` runs the cue list, `director` turns the running cues into
per-frame directions, `stage` connects them to the pipeline's tracking and placement. The motions live
one per module: `walk`, `reach` (over `ik` and `limbs`), `gestures` (bow, speech), `visemes` (lip-sync
from `audio`).
"""
