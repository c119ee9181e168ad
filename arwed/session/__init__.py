"""The desktop app's model, with no Qt: session state, outputs, shortcuts, keepsakes, persistence.

arwed.ui is a thin Qt view over `ConsoleSession`; arwed.commands.run builds the session and hands it over.
"""
