"""The one check that arwed may write an output file (a video, frames, stats, a contact sheet, a
snapshot) before it starts the work: one line naming the path when it may not, never a traceback
half-way through a render; and the one way a user file is written (atomically)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from arwed.errors import UserError


def writable_output(path: str | Path, what: str = "", make_folder: bool = False) -> Path:
    """`path` (user-expanded) when it can be written: its folder exists (made first when `make_folder`),
    is a folder and is writable, and `path` itself is not a folder. Else a UserError naming `path`."""
    target = Path(path).expanduser()
    shown = f"{path}: cannot write the {what}" if what else f"{path}"
    folder = target.parent if str(target.parent) else Path(".")
    if make_folder and not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"{shown}: cannot create the output folder {folder} ({exc.strerror})") from None
    if not folder.exists():
        raise UserError(f"{shown}: the folder {folder} does not exist")
    if not folder.is_dir():
        raise UserError(f"{shown}: {folder} is not a folder")
    if not os.access(folder, os.W_OK):
        raise UserError(f"{shown}: the folder {folder} is not writable")
    if target.is_dir():
        raise UserError(f"{shown}: is a folder; give a file name")
    return target


def write_user_text(path: str | Path, text: str, what: str = "file") -> Path:
    """Write a user file (a profile, a set-up) atomically: a temporary file beside it, synced, renamed
    over it, so a crash or a full disk mid-write leaves the old file or the new one, never half of one;
    the folder is made when missing. A UserError naming the file when it cannot be written."""
    target = writable_output(path, what, make_folder=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())  # on the disk before the rename: a power cut leaves the old or the new
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"{path}: cannot write the {what} ({exc.strerror or exc})") from None
    return target
