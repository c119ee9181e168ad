"""A calm dark look for a room with the lights down: low-contrast chrome, bright picture, clear states."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

BACKGROUND = "#1e2227"
PANEL = "#262b31"
TEXT = "#e3e7eb"
MUTED = "#8f9aa5"
ACCENT = "#5c9ded"

STYLE_SHEET = f"""
QWidget {{ font-size: 10.5pt; }}
QMainWindow, QTabWidget::pane, QScrollArea, QScrollArea > QWidget > QWidget {{ background: {BACKGROUND}; }}
QTabWidget::pane {{ border: none; }}
QTabBar::tab {{ background: {BACKGROUND}; color: {MUTED}; padding: 8px 14px; border: none; }}
QTabBar::tab:selected {{ color: {TEXT}; border-bottom: 2px solid {ACCENT}; }}
QGroupBox {{ background: {PANEL}; border: 1px solid #313840; border-radius: 8px; margin-top: 18px;
            padding: 10px 8px 8px 8px; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; top: 2px; color: {MUTED}; font-weight: bold; }}
QFrame#outputCard {{ background: {PANEL}; border: 1px solid #313840; border-radius: 8px; }}
QLabel#cardTitle {{ font-weight: bold; }}
QLabel#hint {{ color: {MUTED}; }}
QLabel#problemLabel {{ color: #ff8a80; }}
QFrame#thumbnail {{ background: {PANEL}; border-radius: 6px; }}
QLabel#thumbCaption {{ color: {MUTED}; font-size: 9pt; }}
QPlainTextEdit#logPanel {{ background: #171a1e; border: 1px solid #2c3238; border-radius: 6px;
                          font-family: monospace; font-size: 9.5pt; }}
QPushButton {{ background: #323a43; color: {TEXT}; border: 1px solid #3d4650; border-radius: 6px;
              padding: 6px 12px; }}
QPushButton:hover {{ background: #3a434d; }}
QPushButton:disabled {{ color: #5f6a74; background: #2a3037; }}
QPushButton:checked {{ background: {ACCENT}; border-color: {ACCENT}; color: white; }}
QPushButton[big="true"] {{ font-size: 12.5pt; font-weight: bold; border-radius: 8px; }}
QPushButton#hideButton:checked {{ background: #f0a030; border-color: #f0a030; color: #1b1b1b; }}
QPushButton#blackoutButton {{ background: #3b2b2e; border-color: #5a3a3f; }}
QPushButton#blackoutButton:checked {{ background: #d9453b; border-color: #d9453b; color: white; }}
QPushButton#recordButton:checked {{ background: #c62828; border-color: #c62828; color: white; }}
QStatusBar {{ background: #171a1e; color: {MUTED}; }}
QStatusBar QLabel {{ padding: 0 10px; }}
QLabel#trackingPill {{ font-weight: bold; }}
QLabel#statusValue {{ color: {TEXT}; }}
QLabel#statusMuted {{ color: {MUTED}; }}
QComboBox, QLineEdit {{ background: #1a1e23; color: {TEXT}; border: 1px solid #3a424b;
              border-radius: 5px; padding: 4px 6px; min-height: 20px; }}
QAbstractSpinBox {{ min-height: 24px; }}
QComboBox QAbstractItemView {{ background: #1a1e23; color: {TEXT}; selection-background-color: {ACCENT}; }}
QCheckBox {{ color: {TEXT}; }}
QSplitter::handle {{ background: {BACKGROUND}; }}
"""


def apply_style(app: QApplication) -> None:
    app.setStyle("Fusion")
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, BACKGROUND),
        (QPalette.ColorRole.WindowText, TEXT),
        (QPalette.ColorRole.Base, "#1a1e23"),
        (QPalette.ColorRole.AlternateBase, PANEL),
        (QPalette.ColorRole.Text, TEXT),
        (QPalette.ColorRole.Button, "#323a43"),
        (QPalette.ColorRole.ButtonText, TEXT),
        (QPalette.ColorRole.Highlight, ACCENT),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
        (QPalette.ColorRole.ToolTipBase, PANEL),
        (QPalette.ColorRole.ToolTipText, TEXT),
        (QPalette.ColorRole.PlaceholderText, MUTED),
    ):
        palette.setColor(role, QColor(colour))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)
