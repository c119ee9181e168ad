"""The desktop app's model, with no Qt: session state, outputs, shortcuts, keepsakes, persistence.

arwed.ui is a thin Qt view over `ConsoleSession` (console.py); arwed.commands.run builds the session and
hands it over. Each piece of state has one owner thread, which alone writes it and emits its event:

| state                                         | module           | written on              |
| --------------------------------------------- | ---------------- | ----------------------- |
| hidden, blackout                              | ceremony.py      | the operator's thread   |
| settings (placement, lock), keepsake folder   | setup.py         | the operator's thread   |
| outputs, shortcuts                            | outputs.py, ...  | the operator's thread   |
| recording                                     | keepsake_desk.py | the operator's thread   |
| source, character, calibration, the pipeline, | scene.py         | the control thread      |
| problem, busy, virtual camera, saved choices  |                  | (control.py)            |
| the newest frame of each stream, the rate     | frames.py        | the pipeline's render   |
|                                               |                  | thread                  |

The operator's thread is the GUI thread in the app (the test's thread in the tests). Readers on other
threads see whole values (references replaced, never mutated) or take a copy under the owner's lock.
Views hear of changes through typed per-field events (events.py) and never poll.
"""
