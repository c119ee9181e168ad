"""The console's side panels: the scene (source, character, calibration, placement), outputs, keepsakes.

Each panel reads the session when `refresh()` is called and sends the operator's changes straight to the
session; none of them waits for anything.
"""

from __future__ import annotations

import importlib.util
import sys

from PySide6.QtCore import QProcess, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from arwed.session import choices
from arwed.session.choices import OPEN_FILE
from arwed.session.state import OutputConfig
from arwed.types import CompositeMode
from arwed.ui.dialogs import MODEL_FILTER, PROFILE_FILTER, VIDEO_FILTER, open_file_later, open_folder_later
from arwed.ui.outputs import describe_output

SETTINGS_DELAY_MS = 250  # let a spin box settle before the placement changes


def _set_items(combo: QComboBox, items: list[tuple[str, object]], current: object) -> None:
    """Replace a combo's items without emitting `activated`, selecting the one whose data is `current`."""
    combo.blockSignals(True)
    combo.clear()
    for text, data in items:
        combo.addItem(text, data)
    index = combo.findData(current)
    combo.setCurrentIndex(index if index >= 0 else 0)
    combo.blockSignals(False)


def _group(title: str) -> tuple[QGroupBox, QVBoxLayout]:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setSpacing(6)
    return box, layout


def preview_window_available() -> bool:
    return importlib.util.find_spec("arwed.ui.preview_window") is not None


class RecentPicker(QComboBox):
    """A "choices, recent files, Open…" picker bound to the session: it shows `choices(config)`, selects
    `config.<field>`, and tells the session `choose(value)`; "Open…" asks for a file first."""

    def __init__(self, session, field: str, choices, choose, dialog: tuple[str, str], parent=None):
        super().__init__(parent, objectName=f"{field}Combo")
        self._session, self._field, self._choices, self._choose = session, field, choices, choose
        self._dialog_title, self._dialog_filter = dialog
        self.activated.connect(self._chosen)

    def refresh(self) -> None:
        config = self._session.config
        items = [(choice.label, choice.value) for choice in self._choices(config)]
        _set_items(self, items, getattr(config, self._field))

    def _chosen(self, index: int) -> None:
        value = self.itemData(index)
        if value == OPEN_FILE:
            self.refresh()  # back to the current choice until a file is picked
            open_file_later(self, self._dialog_title, self._dialog_filter, self._choose)
        else:
            self._choose(value)


class ScenePanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        scene = session.scene
        self.source_combo = RecentPicker(
            session,
            "source",
            lambda config: choices.source_choices(scene.cameras(), config),
            scene.set_source,
            ("Choose a video or image", VIDEO_FILTER),
        )
        self.character_combo = RecentPicker(
            session,
            "character",
            choices.character_choices,
            scene.set_character,
            ("Choose a character (.vrm, .glb, .gltf)", MODEL_FILTER),
        )
        self.calibration_combo = RecentPicker(
            session,
            "calibration",
            choices.calibration_choices,
            scene.set_calibration,
            ("Choose a calibration profile", PROFILE_FILTER),
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._source_group())
        layout.addWidget(self._character_group())
        box, inner = _group("Camera calibration")
        inner.addWidget(self.calibration_combo)
        layout.addWidget(box)
        layout.addWidget(self._placement_group())
        layout.addStretch(1)
        self._settings_timer = QTimer(self, singleShot=True, interval=SETTINGS_DELAY_MS)
        self._settings_timer.timeout.connect(self._send_settings)
        self.refresh()

    def _source_group(self) -> QGroupBox:
        box, layout = _group("Source")
        row = QHBoxLayout()
        rescan = QPushButton("Rescan", objectName="rescanButton")
        rescan.setToolTip("Look for cameras again (after plugging one in)")
        rescan.clicked.connect(self.source_combo.refresh)
        row.addWidget(self.source_combo, 1)
        row.addWidget(rescan)
        layout.addLayout(row)
        return box

    def _character_group(self) -> QGroupBox:
        box, layout = _group("Character")
        row = QHBoxLayout()
        self.preview_button = QPushButton("Preview…", objectName="previewButton")
        self.preview_button.clicked.connect(self._open_preview)
        if not preview_window_available():
            self.preview_button.setEnabled(False)
            self.preview_button.setToolTip("The character preview window is not part of this build yet")
        else:
            self.preview_button.setToolTip("Look at the character in its own window (arwed preview)")
        row.addWidget(self.character_combo, 1)
        row.addWidget(self.preview_button)
        layout.addLayout(row)
        self.character_note = QLabel("", objectName="hint", wordWrap=True)
        layout.addWidget(self.character_note)
        return box

    def _open_preview(self) -> None:
        """The character preview window, in its own process: it renders on its own and never slows the show."""
        path = choices.character_file(self.session.config)
        if path:
            height = self.session.settings.placement.character_height_m
            QProcess.startDetached(
                sys.executable, ["-m", "arwed", "preview", path, "--height", f"{height:g}"]
            )

    # ----- placement -----------------------------------------------------------------------------------

    def _placement_group(self) -> QGroupBox:
        box = QGroupBox("Placement")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        sides = QHBoxLayout()
        self.side_buttons = QButtonGroup(self)
        for name in ("left", "right"):
            button = QPushButton(name.title(), checkable=True, objectName=f"side_{name}")
            self.side_buttons.addButton(button)
            sides.addWidget(button)
        self.side_buttons.buttonClicked.connect(lambda _: self._settings_timer.start())
        form.addRow("Side", sides)
        self.gap = self._spin(QDoubleSpinBox(objectName="gapSpin"), 0.0, 5.0, 0.05, " m", 2)
        form.addRow("Gap", self.gap)
        self.facing = self._spin(QSpinBox(objectName="facingSpin"), -180, 180, 5, "°")
        self.facing.setToolTip("0 faces the camera, 90 faces the person")
        form.addRow("Facing", self.facing)
        self.character_height = self._spin(QDoubleSpinBox(objectName="heightSpin"), 0.3, 3.0, 0.01, " m", 2)
        form.addRow("Character's height", self.character_height)
        person = QHBoxLayout()
        self.person_known = QCheckBox("Known", objectName="personKnown")
        self.person_known.toggled.connect(self._person_known_toggled)
        self.person_height = self._spin(QDoubleSpinBox(objectName="personSpin"), 0.5, 2.6, 0.01, " m", 2)
        person.addWidget(self.person_known)
        person.addWidget(self.person_height, 1)
        form.addRow("Person's height", person)
        return box

    def _spin(self, spin, low, high, step, suffix: str, decimals: int | None = None):
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setSuffix(suffix)
        if decimals is not None:
            spin.setDecimals(decimals)
        spin.setKeyboardTracking(False)  # act on Enter or the arrows, not on every digit typed
        spin.valueChanged.connect(lambda _: self._settings_timer.start())
        return spin

    def _person_known_toggled(self, known: bool) -> None:
        self.person_height.setEnabled(known)
        self._settings_timer.start()

    def placement_from_controls(self):
        checked = self.side_buttons.checkedButton()
        return self.session.settings.placement.model_copy(
            update={
                "side": checked.objectName().removeprefix("side_") if checked else "right",
                "gap_m": round(self.gap.value(), 3),
                "facing_deg": float(self.facing.value()),
                "character_height_m": round(self.character_height.value(), 3),
                "person_height_m": round(self.person_height.value(), 3)
                if self.person_known.isChecked()
                else None,
            }
        )

    def _send_settings(self) -> None:
        placement = self.placement_from_controls()
        if placement != self.session.settings.placement:
            self.session.update_settings(self.session.settings.model_copy(update={"placement": placement}))

    # ----- refresh -------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.refresh_pickers()
        self.refresh_placement()

    def refresh_pickers(self) -> None:
        """The saved choices changed (a source, character or calibration was chosen)."""
        for picker in (self.source_combo, self.character_combo, self.calibration_combo):
            picker.refresh()
        has_file = choices.character_file(self.session.config) is not None
        self.preview_button.setEnabled(preview_window_available() and has_file)

    def refresh_placement(self) -> None:
        """The settings changed: show them, unless the operator is mid-change."""
        if self._settings_timer.isActive():
            return  # the operator is mid-change: do not overwrite the controls
        placement = self.session.settings.placement
        for widget, value in (
            (self.gap, placement.gap_m),
            (self.facing, int(round(placement.facing_deg))),
            (self.character_height, placement.character_height_m),
            (self.person_height, placement.person_height_m or 1.70),
        ):
            if not widget.hasFocus():
                widget.blockSignals(True)
                widget.setValue(value)
                widget.blockSignals(False)
        for button in self.side_buttons.buttons():
            button.setChecked(button.objectName() == f"side_{placement.side}")
        self.person_known.blockSignals(True)
        self.person_known.setChecked(placement.person_height_m is not None)
        self.person_known.blockSignals(False)
        self.person_height.setEnabled(placement.person_height_m is not None)

    def show_character_status(self, text: str) -> None:
        self.character_note.setText(text)


MODES = [
    ("Stage (camera + character)", CompositeMode.STAGE),
    ("Eyes (her view, for her glasses)", CompositeMode.EYES),
    ("Camera view on black", CompositeMode.CAMERA_BLACK),
    ("Keyed (character on green)", CompositeMode.KEYED),
]
WINDOW_HERE = "\x00window"


class OutputEditor(QFrame):
    """One output's settings: mode, screen, 3D side by side and eye distance, remove."""

    def __init__(self, session, manager, output_id: int, parent=None):
        super().__init__(parent)
        self.session, self.manager, self.output_id = session, manager, output_id
        self.setObjectName("outputCard")
        layout = QFormLayout(self)
        self.title = QLabel("", objectName="cardTitle")
        remove = QPushButton("Remove", objectName="removeOutput")
        remove.clicked.connect(lambda: session.outputs.remove(output_id))
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(remove)
        layout.addRow(header)
        self.mode = QComboBox()
        for text, mode in MODES:
            self.mode.addItem(text, mode)
        self.mode.activated.connect(self._changed)
        layout.addRow("Shows", self.mode)
        self.screen = QComboBox()
        self.screen.activated.connect(self._changed)
        layout.addRow("Screen", self.screen)
        self.full_screen = QCheckBox("Full screen (Esc or F11 leaves it)")
        self.full_screen.setObjectName(f"fullScreen{output_id}")
        self.full_screen.toggled.connect(self._changed)
        layout.addRow(self.full_screen)
        self.stereo = QCheckBox("3D side by side")
        self.stereo.setToolTip(
            "For glasses in 3D mode (e.g. 3840×1080): one picture per eye, shifted for depth"
        )
        self.stereo.toggled.connect(self._changed)
        layout.addRow(self.stereo)
        self.eyes = QDoubleSpinBox(decimals=0, suffix=" mm", minimum=0, maximum=200, singleStep=1)
        self.eyes.setKeyboardTracking(False)
        self.eyes.valueChanged.connect(self._changed)
        layout.addRow("Eye distance", self.eyes)
        # her view: the glasses profile it is drawn for (the settings' eyes.glasses) and its alignment
        self.glasses = QLabel("", objectName="glassesProfile", wordWrap=True)
        layout.addRow("Glasses", self.glasses)
        self.align = QPushButton("Align her glasses…", objectName="alignGlasses")
        self.align.clicked.connect(lambda: self.open_alignment and self.open_alignment())
        layout.addRow(self.align)
        self.open_alignment = None  # set by the panel: opens the alignment wizard
        self.form = layout
        self.state = QLabel("", objectName="hint", wordWrap=True)
        layout.addRow(self.state)

    def refresh(self, output: OutputConfig) -> None:
        self.title.setText(describe_output(self.output_id, output))
        for widget in (self.mode, self.screen, self.full_screen, self.stereo, self.eyes):
            widget.blockSignals(True)
        self.mode.setCurrentIndex(self.mode.findData(output.mode))
        names = self.manager.screens.names()
        items = [("A window on this screen", WINDOW_HERE)] + [
            (self.manager.screens.describe(n), n) for n in names
        ]
        if output.screen and output.screen not in names:
            items.append((f"{output.screen} (unplugged)", output.screen))
        self.screen.clear()
        for text, data in items:
            self.screen.addItem(text, data)
        self.screen.setCurrentIndex(max(0, self.screen.findData(output.screen or WINDOW_HERE)))
        glasses = output.mode is CompositeMode.CAMERA_BLACK
        self.stereo.setChecked(output.side_by_side)
        self.eyes.setValue(output.eye_distance_m * 1000.0)
        self.eyes.setEnabled(glasses and output.side_by_side)
        self.form.setRowVisible(self.stereo, glasses)
        self.form.setRowVisible(self.eyes, glasses)
        her_view = output.mode is CompositeMode.EYES
        self.form.setRowVisible(self.glasses, her_view)
        self.form.setRowVisible(self.align, her_view)
        if her_view:
            self.glasses.setText(self.session.alignment.glasses_summary())
        self.full_screen.setChecked(output.screen is not None and output.full_screen)
        self.full_screen.setEnabled(output.screen is not None)
        for widget in (self.mode, self.screen, self.full_screen, self.stereo, self.eyes):
            widget.blockSignals(False)
        state = self.manager.states.get(self.output_id)
        if state is not None and state.waiting_for:
            self.state.setText(f"Waiting for screen {state.waiting_for} to be plugged in.")
        elif output.screen is None:
            self.state.setText("A window you can drag to any screen.")
        elif output.full_screen:
            self.state.setText(f"Full screen on {output.screen}.")
        else:
            self.state.setText(f"A window on {output.screen}.")

    def _changed(self, *_) -> None:
        screen = self.screen.currentData()
        old = self.session.outputs.current().get(self.output_id)
        screen = None if screen == WINDOW_HERE else screen
        moved = old is None or screen != old.screen
        changes = {
            "mode": self.mode.currentData(),
            "screen": screen,
            "full_screen": True if moved else self.full_screen.isChecked(),  # a screen chosen: full screen
            "side_by_side": self.stereo.isChecked(),
            "eye_distance_m": self.eyes.value() / 1000.0,
        }
        output = old.model_copy(update=changes) if old is not None else OutputConfig(**changes)
        self.session.outputs.update(self.output_id, output)


class OutputsPanel(QWidget):
    def __init__(self, session, manager, parent=None):
        super().__init__(parent)
        self.session, self.manager = session, manager
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        add_box, add_layout = _group("Add an output")
        row = QHBoxLayout()
        self.new_mode = QComboBox(objectName="newOutputMode")
        for text, mode in MODES:
            self.new_mode.addItem(text, mode)
        add = QPushButton("Add", objectName="addOutput")
        add.clicked.connect(self._add)
        row.addWidget(self.new_mode, 1)
        row.addWidget(add)
        add_layout.addLayout(row)
        hint = QLabel(
            "An output on a screen fills it, frameless (Esc or F11 leaves full screen); one output per "
            "screen. Plug in the projector or the glasses first; a screen plugged in later appears in the list.",
            objectName="hint",
            wordWrap=True,
        )
        add_layout.addWidget(hint)
        layout.addWidget(add_box)
        self.cards = QVBoxLayout()
        layout.addLayout(self.cards)
        layout.addStretch(1)
        self.editors: dict[int, OutputEditor] = {}
        self.open_alignment = None  # the console window's: opens the glasses alignment wizard

    def _add(self) -> None:
        taken = {output.screen for output in self.session.outputs.current().values()}
        free = [
            n for n in self.manager.screens.names() if n != self.manager.console_screen and n not in taken
        ]
        mode = self.new_mode.currentData()
        self.session.outputs.add(OutputConfig(mode=mode, screen=free[0] if free else None))  # else a window

    def refresh(self) -> None:
        outputs = self.session.outputs.current()
        for output_id in list(self.editors):
            if output_id not in outputs:
                self.editors.pop(output_id).deleteLater()
        for output_id, output in outputs.items():
            if output_id not in self.editors:
                self.editors[output_id] = OutputEditor(self.session, self.manager, output_id)
                self.editors[output_id].open_alignment = self.open_alignment
                self.cards.addWidget(self.editors[output_id])
            self.editors[output_id].refresh(output)


class KeepsakesPanel(QWidget):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        box, inner = _group("Keepsakes")
        self.folder = QLabel("", objectName="hint", wordWrap=True)
        self.folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        change = QPushButton("Change folder…")
        change.clicked.connect(
            lambda: open_folder_later(self, "Keepsake folder", self.session.keepsakes.set_folder)
        )
        show = QPushButton("Open folder")
        show.clicked.connect(self._open_folder)
        buttons.addWidget(change)
        buttons.addWidget(show)
        inner.addWidget(
            QLabel(
                "Snapshots (PNG) and recordings (mp4) of the stage output go into a folder per day:",
                wordWrap=True,
            )
        )
        inner.addWidget(self.folder)
        inner.addLayout(buttons)
        self.microphone = QCheckBox("Record the microphone too", objectName="recordMicrophone")
        self.microphone.setToolTip("The system's default audio input on the recordings' sound track")
        self.microphone.toggled.connect(self._set_microphone)
        inner.addWidget(self.microphone)
        layout.addWidget(box)
        stream_box, stream = _group("Stream to relatives far away")
        self.virtual_camera = QPushButton(
            "Start the virtual camera", checkable=True, objectName="virtualCamera"
        )
        self.virtual_camera.clicked.connect(self._toggle_virtual_camera)
        stream.addWidget(
            QLabel(
                "The stage output as a camera that OBS or a video call can pick "
                "(needs pyvirtualcam: pip install 'arwed[virtualcam]').",
                wordWrap=True,
                objectName="hint",
            )
        )
        stream.addWidget(self.virtual_camera)
        layout.addWidget(stream_box)
        layout.addStretch(1)

    def _open_folder(self) -> None:
        folder = self.session.config.keepsake_root()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _toggle_virtual_camera(self, on: bool) -> None:
        if on:
            self.session.keepsakes.start_virtual_camera()
        else:
            self.session.keepsakes.stop_virtual_camera()

    def _set_microphone(self, on: bool) -> None:
        settings = self.session.settings
        if settings.keepsakes.microphone != on:
            chosen = settings.keepsakes.model_copy(update={"microphone": on})
            self.session.update_settings(settings.model_copy(update={"keepsakes": chosen}))

    def refresh(self) -> None:
        self.folder.setText(str(self.session.config.keepsake_root()))
        self.microphone.setChecked(self.session.settings.keepsakes.microphone)
        device = self.session.keepsakes.virtual_camera
        self.virtual_camera.setChecked(device is not None)
        self.virtual_camera.setText(
            f"Virtual camera on ({device}) — click to stop" if device else "Start the virtual camera"
        )
