"""The keepsake film: what a console recording keeps besides the stage picture (the clean camera feed and
the log of what the operator did, on the recording's clock), and `arwed render --replay`, which makes the
film again from them after the day. The folder's layout is in `folder.py`, the log's format in `log.py`."""
