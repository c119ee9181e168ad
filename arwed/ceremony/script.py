"""The ceremony file: YAML, an ordered list of cues, each with its actions and how it ends.

    name: Our ceremony
    cues:
      - name: He walks in
        actions:
          - enter: {from: outside, duration_s: 5}
        end: 5.5                 # seconds; or `audio` (when its sound ends) or `key` (Page Down)
      - name: Vows
        actions:
          - look: her
          - say: vows.wav        # relative to this file's folder
        end: audio

Every problem is one `InputFileError` naming the file, the line and the field
(`ceremony.yaml: line 9, field 'cues[1].actions[0].say': ...`). Audio files are decoded at load time, so
a broken recording is found before the ceremony, not during it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from arwed.errors import InputFileError, yaml_error_location

MAX_FILE_BYTES = 1_000_000
MAX_CUES = 500
MAX_ACTIONS = 20
Seconds = Annotated[float, Field(gt=0.0, le=3600.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Enter(_Strict):
    kind: Literal["enter"] = "enter"
    side: Literal["outside", "inside", "left", "right"] = Field("outside", alias="from")
    distance_m: Annotated[float, Field(gt=0.3, le=10.0)] = 2.4
    duration_s: Seconds | None = None  # None: at a calm walking speed


class Exit(_Strict):
    kind: Literal["exit"] = "exit"
    side: Literal["outside", "inside", "left", "right"] = Field("outside", alias="to")
    distance_m: Annotated[float, Field(gt=0.3, le=10.0)] = 2.4
    duration_s: Seconds | None = None


class Idle(_Strict):
    kind: Literal["idle"] = "idle"


class Look(_Strict):
    kind: Literal["look"] = "look"
    at: Literal["her", "camera", "guests", "ahead", "point"] = "her"
    point_m: tuple[float, float, float] | None = (
        None  # with at: point, in his own space (x his left, y up, z ahead)
    )

    @model_validator(mode="after")
    def _point_given(self) -> Look:
        if (self.at == "point") != (self.point_m is not None):
            raise ValueError("give point_m: [x, y, z] with at: point (and only then)")
        return self


class Bow(_Strict):
    kind: Literal["bow"] = "bow"
    depth_deg: Annotated[float, Field(ge=5.0, le=60.0)] = 25.0
    duration_s: Annotated[float, Field(ge=1.0, le=20.0)] = 2.6


class Expression(_Strict):
    kind: Literal["expression"] = "expression"
    name: str
    weight: Annotated[float, Field(ge=0.0, le=1.0)] = 1.0
    fade_s: Annotated[float, Field(ge=0.0, le=30.0)] = 0.5


class Reach(_Strict):
    kind: Literal["reach"] = "reach"
    hand: Literal["auto", "left", "right"] = "auto"  # his hand; auto: the one on her side


class Say(_Strict):
    kind: Literal["say"] = "say"
    file: str
    volume: Annotated[float, Field(ge=0.0, le=2.0)] = 1.0

    @field_validator("file")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is empty; give an audio file (WAV, OGG or MP3)")
        return value


class Fade(_Strict):
    kind: Literal["fade"] = "fade"
    to: Literal["in", "out"]
    duration_s: Annotated[float, Field(ge=0.0, le=30.0)] = 1.0


class Blackout(_Strict):
    kind: Literal["blackout"] = "blackout"
    on: bool = True


Action = Enter | Exit | Idle | Look | Bow | Expression | Reach | Say | Fade | Blackout
ACTIONS: dict[str, type[_Strict]] = {
    "enter": Enter,
    "exit": Exit,
    "idle": Idle,
    "look": Look,
    "bow": Bow,
    "expression": Expression,
    "reach": Reach,
    "say": Say,
    "fade": Fade,
    "blackout": Blackout,
}
# the one parameter an action may be given bare: `say: vows.wav`, `look: her`, `fade: out`, `blackout: on`
SHORT_FORM = {
    "enter": "from",
    "exit": "to",
    "look": "at",
    "expression": "name",
    "say": "file",
    "fade": "to",
    "blackout": "on",
}


class Cue(_Strict):
    name: str = ""
    actions: tuple[Action, ...] = ()
    end: Literal["key", "audio"] | Seconds = "key"

    @property
    def says(self) -> tuple[Say, ...]:
        return tuple(a for a in self.actions if isinstance(a, Say))


class Ceremony(_Strict):
    name: str = "ceremony"
    cues: tuple[Cue, ...]
    folder: Path = Path(".")  # where the file was: audio paths are relative to it

    def audio_path(self, say: Say) -> Path:
        return self.folder / say.file


class _CueFile(_Strict):
    name: str = "ceremony"
    cues: Annotated[list[Any], Field(min_length=1, max_length=MAX_CUES)]


class _CueEntry(_Strict):
    name: str = ""
    actions: Annotated[list[Any], Field(max_length=MAX_ACTIONS)] = []
    end: Literal["key", "audio"] | Seconds = "key"


SHIPPED_DIR = Path(__file__).resolve().parents[1] / "assets" / "ceremonies"  # installed with the package
SHIPPED = {"example": SHIPPED_DIR / "example.yaml"}


def ceremony_path(spec: str | Path) -> Path:
    """A ceremony file, or the name of a shipped one (`example`) when no file of that name is here."""
    path = Path(spec)
    if str(spec) in SHIPPED and not path.exists():
        return SHIPPED[str(spec)]
    return path


def load_ceremony(path: str | Path, audio_durations: dict[Path, float] | None = None) -> Ceremony:
    """Read and check a ceremony file (or a shipped one by name, `example`). `audio_durations` receives
    each audio file's length (seconds)."""
    from arwed.ceremony.audio import decode_audio

    path = ceremony_path(path)
    text = _read_text(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputFileError(path, f"is not valid YAML{yaml_error_location(exc)}") from None
    ceremony = parse_ceremony(data, root, path)
    durations = audio_durations if audio_durations is not None else {}
    for c_index, cue in enumerate(ceremony.cues):
        for a_index, action in enumerate(cue.actions):
            if not isinstance(action, Say):
                continue
            where = ("cues", c_index, "actions", a_index, "say")
            audio = ceremony.audio_path(action)
            problem = _audio_problem(ceremony.folder, audio)
            if problem is None:
                try:
                    durations[audio] = decode_audio(audio).duration_s
                except InputFileError as exc:
                    problem = exc.problem
            if problem is not None:
                raise _located(path, root, where, f"{action.file}: {problem}")
        if cue.end == "audio" and not cue.says:
            raise _located(
                path,
                root,
                ("cues", c_index, "end"),
                "is 'audio' but the cue plays no audio (add a say action)",
            )
    return ceremony


def _read_text(path: Path) -> str:
    try:
        if not path.is_file():
            raise InputFileError(path, "no such file" if not path.exists() else "is not a file")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputFileError(
                path, f"is larger than {MAX_FILE_BYTES // 1000} kB; a ceremony file is a short text"
            )
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputFileError(path, "is not UTF-8 text") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot be read ({exc.strerror})") from None


def _audio_problem(folder: Path, audio: Path) -> str | None:
    try:
        resolved, base = audio.resolve(), folder.resolve()
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if base not in resolved.parents:
        return "is outside the ceremony file's folder; keep the audio beside the ceremony"
    if not resolved.is_file():
        return "no such file"
    return None


def parse_ceremony(data: Any, root: yaml.Node | None, path: Path) -> Ceremony:
    if not isinstance(data, dict):
        raise _located(path, root, (), "must be a mapping with a list of cues (see README: ceremony file)")
    top = _validated(_CueFile, data, path, root, ())
    cues = []
    for c_index, raw in enumerate(top.cues):
        where = ("cues", c_index)
        if not isinstance(raw, dict):
            raise _located(path, root, where, "must be a mapping with name, actions and end")
        entry = _validated(_CueEntry, raw, path, root, where)
        actions = tuple(
            _action(item, path, root, (*where, "actions", a_index))
            for a_index, item in enumerate(entry.actions)
        )
        cues.append(Cue(name=entry.name or f"cue {c_index + 1}", actions=actions, end=entry.end))
    return Ceremony(name=top.name, cues=tuple(cues), folder=path.parent)


def _action(item: Any, path: Path, root, where: tuple) -> Action:
    if isinstance(item, str):
        kind, params = item, {}
    elif isinstance(item, dict) and len(item) == 1:
        kind, params = next(iter(item.items()))
    else:
        raise _located(
            path, root, where, f"must be one action such as `say: vows.wav`; actions: {', '.join(ACTIONS)}"
        )
    if kind not in ACTIONS:
        raise _located(path, root, where, f"unknown action {kind!r}; actions: {', '.join(ACTIONS)}")
    if params is None:
        params = {}
    elif not isinstance(params, dict):
        if kind not in SHORT_FORM:
            raise _located(path, root, (*where, kind), "takes a mapping of parameters")
        params = {SHORT_FORM[kind]: params}
    return _validated(ACTIONS[kind], params, path, root, (*where, kind), key_node=True)


def _validated(model: type[_Strict], data: dict, path: Path, root, where: tuple, key_node: bool = False):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(
            p for p in error["loc"] if not (isinstance(p, str) and ("[" in p or p in ("literal", "float")))
        )
        loc = _trim_union(loc)
        message = _message(error)
        raise _located(path, root, (*where, *loc), message) from None


def _trim_union(loc: tuple) -> tuple:
    """Pydantic names union branches in its locations ('function-after[...]', 'literal['key']'): drop them."""
    return tuple(p for p in loc if not (isinstance(p, str) and (p.startswith("function") or "[" in p)))


def _message(error: dict) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is missing"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "literal_error":
        return f"must be {error['ctx']['expected']}, not {error.get('input')!r}"
    return (
        error["msg"].replace("Value error, ", "").replace("Input should be", "must be").replace("Input", "it")
    )


def _located(path: Path, root, where: tuple, message: str) -> InputFileError:
    line = _line_of(root, where)
    field = _field_name(where)
    at = f"line {line}" if line is not None else ""
    if field:
        at = f"{at}, field '{field}'" if at else f"field '{field}'"
    return InputFileError(path, f"{at}: {message}" if at else message)


def _field_name(where: tuple) -> str:
    name = ""
    for part in where:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _line_of(root, where: tuple) -> int | None:
    """The 1-based line of the YAML node at `where` (the deepest one that exists)."""
    node, line = root, (root.start_mark.line + 1 if root is not None else None)
    for part in where:
        child = None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            for key, value in node.value:
                if getattr(key, "value", None) == part:
                    child, line = value, key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        elif isinstance(node, yaml.MappingNode) and isinstance(part, int):
            continue
        if child is None:
            break
        node = child
    return line
