"""Non-modal file pickers: the show goes on while the operator browses."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QWidget

VIDEO_FILTER = (
    "Videos and images (*.mp4 *.mov *.mkv *.avi *.webm *.jpg *.jpeg *.png *.bmp *.webp);;All files (*)"
)
MODEL_FILTER = "Characters (*.vrm *.glb *.gltf);;All files (*)"
PROFILE_FILTER = "Calibration profiles (*.yaml *.yml);;All files (*)"


def open_file_later(
    parent: QWidget, title: str, name_filter: str, on_chosen: Callable[[str], None]
) -> QFileDialog:
    """Show a file dialog without blocking anything; `on_chosen(path)` runs when a file is picked."""
    dialog = QFileDialog(parent, title)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setNameFilter(name_filter)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # a native dialog may run its own blocking loop
    dialog.setWindowModality(Qt.WindowModality.NonModal)
    dialog.fileSelected.connect(on_chosen)
    dialog.finished.connect(dialog.deleteLater)
    dialog.show()
    return dialog


def open_folder_later(parent: QWidget, title: str, on_chosen: Callable[[str], None]) -> QFileDialog:
    dialog = QFileDialog(parent, title)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setWindowModality(Qt.WindowModality.NonModal)
    dialog.fileSelected.connect(on_chosen)
    dialog.finished.connect(dialog.deleteLater)
    dialog.show()
    return dialog
