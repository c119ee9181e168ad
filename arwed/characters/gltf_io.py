"""Safe reading of glTF 2.0 files (.gltf, .glb, .vrm) with pygltflib.

A model file is untrusted input. This module is the one place that turns it into numbers, and it
refuses, with an InputFileError naming the file and the problem, anything that could hurt us:
- a URI that leaves the model's folder (absolute paths, `..`, other schemes, symlinks pointing out);
- truncated or inconsistent GLB containers, broken JSON;
- accessors that claim more elements than MAX_ACCESSOR_ELEMENTS, or reach past their buffers;
- anything that is not a regular file (a FIFO, a device), over its size limit, or slow to read
  (arwed.user_files), JSON nested deeper than MAX_JSON_NESTING;
- numbers that cannot be drawn: NaN or infinite node transforms, colours and float accessors, absurd
  translations and scales. A node scaled to nothing is kept with a warning (that part is invisible).
A missing, undecodable or oversized image (its size is read from its header before decoding) is not
fatal: it is reported as a warning and the caller uses grey.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import struct
import urllib.parse
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath

import numpy as np
import pygltflib

from arwed.errors import InputFileError
from arwed.image_header import ImageHeaderError, decode_bounded
from arwed.user_files import parse_json, read_user_bytes

MAX_FILE_BYTES = 1 << 30  # 1 GiB: no avatar is this big; refusing early keeps memory safe
MAX_JSON_BYTES = 64 << 20  # a VRM's JSON is a few MiB at most
MAX_JSON_NESTING = 64  # glTF nests about 10 deep
MAX_IMAGE_BYTES = 256 << 20
MAX_TEXTURE_DECODE_PIXELS = 4096 * 4096  # decoded at most this big (64 MiB RGBA), then scaled to 2048
MAX_NODE_TRANSLATION_M = 1.0e4  # a model spans metres; 1e38 turns into infinity once multiplied
MAX_NODE_SCALE = 1.0e4
MAX_ACCESSOR_MAGNITUDE = 1.0e15  # squared, still far inside float32's range
MAX_ACCESSOR_ELEMENTS = 1 << 24  # 16.7 million elements (vertices, indices, keys) in one accessor
MAX_TEXTURE_SIDE_PX = 2048  # bigger textures are scaled down: the renderer is a software rasteriser

_COMPONENT_DTYPES = {
    5120: np.int8,
    5121: np.uint8,
    5122: np.int16,
    5123: np.uint16,
    5125: np.uint32,
    5126: np.float32,
}
_TYPE_SIZES = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
_GLB_MAGIC = b"glTF"
_CHUNK_JSON = 0x4E4F534A
_CHUNK_BIN = 0x004E4942


@dataclass
class GltfDocument:
    """A parsed glTF with its buffers loaded, and accessors/images read on demand."""

    path: Path
    gltf: pygltflib.GLTF2
    buffers: list[bytes]
    warnings: list[str] = field(default_factory=list)
    _accessor_cache: dict[int, np.ndarray] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def fail(self, problem: str, where: str | None = None) -> InputFileError:
        return InputFileError(self.path, problem, where)

    def extension(self, name: str) -> dict | None:
        ext = self.gltf.extensions or {}
        value = ext.get(name)
        return value if isinstance(value, dict) else None

    def accessor(self, index: int) -> np.ndarray:
        """Accessor `index` as a float32/integer array of shape (count, components); cached, read-only."""
        if index in self._accessor_cache:
            return self._accessor_cache[index]
        array = _read_accessor(self, index)
        array.setflags(write=False)
        self._accessor_cache[index] = array
        return array

    def image_bytes(self, image_index: int) -> bytes | None:
        """The encoded bytes of an image, or None (with a warning) when it is missing."""
        images = self.gltf.images or []
        if not 0 <= image_index < len(images):
            self.warnings.append(f"texture image {image_index} does not exist: grey material used")
            return None
        image = images[image_index]
        where = f"images[{image_index}]"
        if image.bufferView is not None:
            return self._buffer_view_bytes(image.bufferView, where)
        if not image.uri:
            self.warnings.append(f"{where} has neither uri nor bufferView: grey material used")
            return None
        if image.uri.startswith("data:"):
            return _decode_data_uri(self, image.uri, where)
        target = resolve_confined_uri(self.path, image.uri, where)
        try:
            return read_user_bytes(target, MAX_IMAGE_BYTES, "texture")
        except InputFileError as exc:
            self.warnings.append(f"texture '{image.uri}' {_reason(exc)}: grey material used")
            return None

    def _buffer_view_bytes(self, view_index: int, where: str) -> bytes:
        views = self.gltf.bufferViews or []
        if not 0 <= view_index < len(views):
            raise self.fail(f"refers to bufferView {view_index}, which does not exist", where)
        view = views[view_index]
        data = self._buffer(view.buffer, f"bufferViews[{view_index}]")
        start = int(view.byteOffset or 0)
        end = start + int(view.byteLength or 0)
        if start < 0 or end > len(data):
            raise self.fail(
                "reaches past the end of its buffer (truncated file?)", f"bufferViews[{view_index}]"
            )
        return data[start:end]

    def _buffer(self, buffer_index: int, where: str) -> bytes:
        if not 0 <= buffer_index < len(self.buffers):
            raise self.fail(f"refers to buffer {buffer_index}, which does not exist", where)
        return self.buffers[buffer_index]


def read_gltf(path: str | Path) -> GltfDocument:
    """Parse a .gltf/.glb/.vrm file and load its buffers; raises InputFileError for anything unsafe or broken."""
    path = Path(path)
    data = read_user_bytes(path, MAX_FILE_BYTES, "model")
    if data[:4] == _GLB_MAGIC:
        gltf, blob = _parse_glb(path, data)
    else:
        gltf, blob = _parse_json_gltf(path, data), None
    version = str(getattr(gltf.asset, "version", "") or "")
    if not version.startswith("2."):
        raise InputFileError(
            path, f"is glTF version '{version or 'unknown'}'; only glTF 2.0 is supported", "asset.version"
        )
    doc = GltfDocument(path=path, gltf=gltf, buffers=[])
    _check_nodes(doc)
    _check_materials(doc)
    _check_primitives(doc)
    doc.buffers = [_load_buffer(doc, i, blob) for i in range(len(gltf.buffers or []))]
    return doc


def _parse_glb(path: Path, data: bytes) -> tuple[pygltflib.GLTF2, bytes | None]:
    """Check the GLB container's lengths before pygltflib trusts them (it does not notice truncation)."""
    if len(data) < 20:
        raise InputFileError(path, "truncated GLB: shorter than its 12-byte header and first chunk header")
    _, version, declared = struct.unpack_from("<4sII", data, 0)
    if version != 2:
        raise InputFileError(path, f"GLB container version {version}; only version 2 is supported")
    if declared > len(data):
        raise InputFileError(path, f"truncated GLB: header says {declared} bytes, file has {len(data)}")
    offset, chunks = 12, {}
    while offset + 8 <= declared:
        length, kind = struct.unpack_from("<II", data, offset)
        start, end = offset + 8, offset + 8 + length
        if end > declared:
            raise InputFileError(
                path, f"truncated GLB: a chunk of {length} bytes runs past the end of the file"
            )
        chunks.setdefault(kind, data[start:end])
        offset = end + (-end % 4)
    if _CHUNK_JSON not in chunks:
        raise InputFileError(path, "GLB has no JSON chunk")
    gltf = _gltf_from_json_bytes(path, chunks[_CHUNK_JSON])
    return gltf, chunks.get(_CHUNK_BIN)


def _parse_json_gltf(path: Path, data: bytes) -> pygltflib.GLTF2:
    return _gltf_from_json_bytes(path, data)


def _gltf_from_json_bytes(path: Path, raw: bytes) -> pygltflib.GLTF2:
    if len(raw) > MAX_JSON_BYTES:
        raise InputFileError(
            path, f"its JSON is {len(raw) >> 20} MiB, over the {MAX_JSON_BYTES >> 20} MiB limit"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError(path, "is neither a GLB container nor UTF-8 glTF JSON") from None
    # NaN is not JSON, but some writers (Python's json among them) emit it: it is read, and every number
    # that is drawn is checked where it enters (nodes, colours, accessors; MToon falls back to defaults)
    document = parse_json(text, path, MAX_JSON_NESTING, allow_nan=True)
    if not isinstance(document, dict) or "asset" not in document:
        raise InputFileError(path, "is JSON but not a glTF document (no 'asset')")
    if not isinstance(document["asset"], dict):
        raise InputFileError(path, "must be an object", "asset")
    _check_arrays_of_objects(path, document)
    # pygltflib's generic JSON mapping costs about a millisecond per object; a model with clips has
    # thousands of accessors, so the big flat lists are built with pygltflib's classes directly.
    heavy = {name: document.pop(name) for name in _FAST_LISTS if name in document}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dataclasses_json warns about every optional field it defaults
            gltf = pygltflib.GLTF2.from_json(json.dumps(document), infer_missing=True)
        for name, items in heavy.items():
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                raise InputFileError(path, "must be a list of objects", name)
            setattr(gltf, name, [_FAST_LISTS[name](item) for item in items])
    except InputFileError:
        raise
    except Exception as exc:  # pygltflib's schema mapping raises many types for malformed fields
        raise InputFileError(path, f"malformed glTF JSON ({exc.__class__.__name__}: {exc})") from None
    _check_lists(path, gltf)
    return gltf


_TOP_LEVEL_ARRAYS = (
    "accessors",
    "bufferViews",
    "buffers",
    "meshes",
    "nodes",
    "skins",
    "materials",
    "images",
    "textures",
    "samplers",
    "animations",
    "scenes",
    "cameras",
)


def _check_arrays_of_objects(path: Path, document: dict) -> None:
    """glTF's top-level arrays hold objects; `"buffers": [null]` is refused here, named."""
    for name in _TOP_LEVEL_ARRAYS:
        value = document.get(name)
        if value is None:
            continue
        if not isinstance(value, list):
            raise InputFileError(path, "must be a list", name)
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise InputFileError(
                    path, f"must be an object, not {type(item).__name__}", f"{name}[{index}]"
                )


def _finite_numbers(doc: GltfDocument, values, count: int, where: str) -> np.ndarray | None:
    """`values` as `count` finite float64 numbers, None when absent; InputFileError naming `where`."""
    if values is None:
        return None
    if (
        not isinstance(values, list | tuple)
        or len(values) != count
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    ):
        raise doc.fail(f"expected {count} numbers", where)
    try:
        array = np.asarray(values, dtype=np.float64)
    except OverflowError:
        raise doc.fail("contains a number too large for any model", where) from None
    if not np.all(np.isfinite(array)):
        raise doc.fail("contains a number that is not finite (NaN or infinity)", where)
    return array


def _check_nodes(doc: GltfDocument) -> None:
    """Node transforms that can be drawn: finite, not absurd; a node scaled to nothing gets a warning."""
    for index, node in enumerate(doc.gltf.nodes or []):
        where = f"nodes[{index}]"
        translation = _finite_numbers(doc, node.translation, 3, f"{where}.translation")
        rotation = _finite_numbers(doc, node.rotation, 4, f"{where}.rotation")
        scale = _finite_numbers(doc, node.scale, 3, f"{where}.scale")
        matrix = _finite_numbers(doc, node.matrix, 16, f"{where}.matrix")
        if translation is not None and np.max(np.abs(translation)) > MAX_NODE_TRANSLATION_M:
            raise doc.fail(
                f"moves its part {np.max(np.abs(translation)):.3g} m (at most {MAX_NODE_TRANSLATION_M:g})",
                f"{where}.translation",
            )
        if rotation is not None and not 1e-6 < np.linalg.norm(rotation) < 1e3:
            raise doc.fail(
                f"is not a rotation (a quaternion of length {np.linalg.norm(rotation):.3g}, not 1)",
                f"{where}.rotation",
            )
        if matrix is not None and np.max(np.abs(matrix)) > MAX_NODE_TRANSLATION_M:
            raise doc.fail(f"has a value beyond {MAX_NODE_TRANSLATION_M:g}", f"{where}.matrix")
        factors = (
            scale
            if scale is not None
            else np.linalg.norm(matrix.reshape(4, 4)[:3, :3], axis=0)
            if matrix is not None
            else None
        )
        if factors is None:
            continue
        if np.max(np.abs(factors)) > MAX_NODE_SCALE:
            raise doc.fail(
                f"scales its part by {np.max(np.abs(factors)):.3g} (at most {MAX_NODE_SCALE:g})",
                f"{where}.scale",
            )
        if np.min(np.abs(factors)) < 1e-8:
            name = f" '{node.name}'" if node.name else ""
            doc.warnings.append(f"{where}{name} is scaled to nothing: that part of the model is invisible")


def _check_materials(doc: GltfDocument) -> None:
    """Colour factors that are numbers; out of 0..1 they are clamped (with a warning), NaN is refused."""
    for index, material in enumerate(doc.gltf.materials or []):
        where = f"materials[{index}]"
        pbr = material.pbrMetallicRoughness
        factors = [(f"{where}.emissiveFactor", material.emissiveFactor, 3)]
        if pbr is not None:
            factors.append((f"{where}.pbrMetallicRoughness.baseColorFactor", pbr.baseColorFactor, 4))
        for field_name, values, count in factors:
            array = _finite_numbers(doc, values, count, field_name)
            if array is not None and (array.min() < 0.0 or array.max() > 1.0):
                doc.warnings.append(f"{field_name} is outside 0..1: clamped")


_INDEX_TYPES = {5121, 5123, 5125}  # unsigned byte, short, int: glTF's only index types


def _check_primitives(doc: GltfDocument) -> None:
    """Each primitive's accessors are of the kinds glTF requires (indices: unsigned integer scalars)."""
    accessors = doc.gltf.accessors or []

    def kind(index) -> tuple[int | None, str | None]:
        if not isinstance(index, int) or not 0 <= index < len(accessors):
            return None, None
        return accessors[index].componentType, accessors[index].type

    for m, mesh in enumerate(doc.gltf.meshes or []):
        for p, primitive in enumerate(mesh.primitives or []):
            where = f"meshes[{m}].primitives[{p}]"
            if primitive.indices is not None:
                component, shape = kind(primitive.indices)
                if component not in _INDEX_TYPES or shape != "SCALAR":
                    raise doc.fail(
                        f"indices must be unsigned whole numbers (accessor {primitive.indices} holds"
                        f" {shape} of componentType {component})",
                        f"{where}.indices",
                    )
            position = getattr(primitive.attributes, "POSITION", None)
            if position is not None and kind(position) != (5126, "VEC3"):
                raise doc.fail("POSITION must be a float VEC3 accessor", f"{where}.attributes.POSITION")


def _check_lists(path: Path, gltf: pygltflib.GLTF2) -> None:
    for name in _TOP_LEVEL_ARRAYS:
        value = getattr(gltf, name, None)
        if value is not None and not isinstance(value, list):
            raise InputFileError(path, "must be a list", name)


def _load_buffer(doc: GltfDocument, index: int, blob: bytes | None) -> bytes:
    buffer = doc.gltf.buffers[index]
    where = f"buffers[{index}]"
    declared = int(buffer.byteLength or 0)
    if declared < 0:
        raise doc.fail("negative byteLength", where)
    if buffer.uri is None:
        if blob is None:
            raise doc.fail("has no uri and the file has no GLB binary chunk", where)
        data = blob
    elif buffer.uri.startswith("data:"):
        data = _decode_data_uri(doc, buffer.uri, where)
        if data is None:
            raise doc.fail("data URI cannot be decoded", where)
    else:
        target = resolve_confined_uri(doc.path, buffer.uri, where)
        try:
            data = read_user_bytes(target, MAX_FILE_BYTES, "buffer")
        except InputFileError as exc:
            problem = "is missing" if exc.problem == "no such file" else _reason(exc)
            raise doc.fail(f"buffer file '{buffer.uri}' {problem}", where) from None
    if len(data) < declared:
        raise doc.fail(f"has {len(data)} bytes but declares {declared} (truncated?)", where)
    return data


def _reason(exc: InputFileError) -> str:
    """A read error's problem as a phrase after the file's name: 'is missing', 'is a FIFO ...'."""
    if exc.problem == "no such file":
        return "is missing"
    return (
        exc.problem
        if exc.problem.startswith(("is ", "cannot", "grew", "reading"))
        else f"cannot be read ({exc.problem})"
    )


def resolve_confined_uri(model_path: Path, uri: str, where: str) -> Path:
    """The file a relative URI names, refusing anything outside the model's own folder."""
    if "://" in uri or uri.lower().startswith("file:"):
        raise InputFileError(model_path, f"refers to '{uri}': only files beside the model are allowed", where)
    relative = urllib.parse.unquote(uri)
    if relative.startswith(("/", "\\")) or PureWindowsPath(relative).drive or "\x00" in relative:
        raise InputFileError(
            model_path,
            f"refers to the absolute path '{uri}': refused, a model may only read files in its own folder",
            where,
        )
    folder = model_path.resolve().parent
    target = (folder / relative).resolve()
    if not target.is_relative_to(folder):
        raise InputFileError(model_path, f"refers to '{uri}', outside the model's folder: refused", where)
    return target


def _decode_data_uri(doc: GltfDocument, uri: str, where: str) -> bytes | None:
    header, _, payload = uri.partition(",")
    try:
        if header.endswith(";base64"):
            return base64.b64decode(payload, validate=False)
        return urllib.parse.unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        doc.warnings.append(f"{where}: undecodable data URI")
        return None


def _read_accessor(doc: GltfDocument, index: int) -> np.ndarray:
    accessors = doc.gltf.accessors or []
    where = f"accessors[{index}]"
    if not isinstance(index, int) or not 0 <= index < len(accessors):
        raise doc.fail(f"accessor {index} does not exist", where)
    acc = accessors[index]
    dtype = _COMPONENT_DTYPES.get(acc.componentType)
    width = _TYPE_SIZES.get(acc.type)
    count = acc.count
    if dtype is None or width is None:
        raise doc.fail(f"unsupported componentType {acc.componentType} / type {acc.type}", where)
    if not isinstance(count, int) or count < 0:
        raise doc.fail("count is missing or negative", where)
    if count > MAX_ACCESSOR_ELEMENTS:
        raise doc.fail(
            f"claims {count:,} elements, over the limit of {MAX_ACCESSOR_ELEMENTS:,}: refused", where
        )
    if acc.bufferView is None:
        values = np.zeros((count, width), dtype=dtype)
    else:
        values = _strided_view(
            doc, acc.bufferView, int(acc.byteOffset or 0), count, width, np.dtype(dtype), where
        )
    if acc.sparse is not None and getattr(acc.sparse, "count", 0):
        values = _apply_sparse(doc, acc.sparse, values, where)
    if acc.normalized and dtype is not np.float32:
        info = np.iinfo(dtype)
        values = np.maximum(values.astype(np.float32) / float(info.max), -1.0)
    elif dtype is np.float32 and not np.all(np.isfinite(values)):
        raise doc.fail("contains numbers that are not finite (NaN or infinity)", where)
    elif dtype is np.float32 and values.size and np.abs(values).max() > MAX_ACCESSOR_MAGNITUDE:
        raise doc.fail(
            f"contains a number beyond ±{MAX_ACCESSOR_MAGNITUDE:g}, too large for any model", where
        )
    return values


def _strided_view(
    doc: GltfDocument, view_index: int, byte_offset: int, count: int, width: int, dtype: np.dtype, where: str
) -> np.ndarray:
    views = doc.gltf.bufferViews or []
    if not 0 <= view_index < len(views):
        raise doc.fail(f"refers to bufferView {view_index}, which does not exist", where)
    view = views[view_index]
    data = doc._buffer(view.buffer, f"bufferViews[{view_index}]")
    element = dtype.itemsize * width
    stride = int(view.byteStride or element)
    start = int(view.byteOffset or 0) + byte_offset
    view_end = int(view.byteOffset or 0) + int(view.byteLength or 0)
    needed = start + (stride * (count - 1) + element if count else 0)
    if stride < element or start < 0 or needed > view_end or view_end > len(data):
        raise doc.fail("reaches past the end of its bufferView or buffer (truncated or corrupt file)", where)
    if count == 0:
        return np.zeros((0, width), dtype=dtype)
    raw = np.frombuffer(data, dtype=np.uint8, count=needed - start, offset=start)
    rows = np.lib.stride_tricks.as_strided(raw, shape=(count, element), strides=(stride, 1))
    return np.ascontiguousarray(rows).view(dtype).reshape(count, width)


def _apply_sparse(doc: GltfDocument, sparse, values: np.ndarray, where: str) -> np.ndarray:
    count = int(sparse.count)
    if count > values.shape[0]:
        raise doc.fail("sparse count exceeds the accessor count", where)
    idx_dtype = np.dtype(_COMPONENT_DTYPES.get(sparse.indices.componentType, np.uint32))
    indices = _strided_view(
        doc,
        sparse.indices.bufferView,
        int(sparse.indices.byteOffset or 0),
        count,
        1,
        idx_dtype,
        where + ".sparse.indices",
    )[:, 0].astype(np.int64)
    patch = _strided_view(
        doc,
        sparse.values.bufferView,
        int(sparse.values.byteOffset or 0),
        count,
        values.shape[1],
        values.dtype,
        where + ".sparse.values",
    )
    if indices.size and (indices.min() < 0 or indices.max() >= values.shape[0]):
        raise doc.fail("sparse index out of range", where)
    values = values.copy()
    values[indices] = patch
    return values


def decode_image(doc: GltfDocument, image_index: int) -> np.ndarray | None:
    """An image as uint8 RGB or RGBA (sRGB values as stored), at most MAX_TEXTURE_SIDE_PX on a side."""
    import cv2

    encoded = doc.image_bytes(image_index)
    if encoded is None:
        return None
    try:
        image = decode_bounded(encoded, MAX_TEXTURE_DECODE_PIXELS)
    except ImageHeaderError as exc:
        doc.warnings.append(f"texture image {image_index}: {exc}: grey material used")
        return None
    if image.dtype != np.uint8:
        image = (image.astype(np.float32) / np.iinfo(image.dtype).max * 255.0 + 0.5).astype(np.uint8)
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    elif image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    else:
        image = cv2.cvtColor(image[:, :, :3], cv2.COLOR_BGR2RGB)
    side = max(image.shape[:2])
    if side > MAX_TEXTURE_SIDE_PX:
        scale = MAX_TEXTURE_SIDE_PX / side
        size = (max(1, round(image.shape[1] * scale)), max(1, round(image.shape[0] * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image)


def _make(cls, data: dict):
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def _accessor_from_json(data: dict) -> pygltflib.Accessor:
    accessor = _make(pygltflib.Accessor, data)
    sparse = data.get("sparse")
    if isinstance(sparse, dict):
        accessor.sparse = pygltflib.Sparse(
            count=sparse.get("count"),
            indices=_make(pygltflib.AccessorSparseIndices, sparse.get("indices") or {}),
            values=_make(pygltflib.AccessorSparseValues, sparse.get("values") or {}),
        )
    elif sparse is not None:
        accessor.sparse = None
    return accessor


def _animation_from_json(data: dict) -> pygltflib.Animation:
    channels = []
    for channel in data.get("channels") or []:
        if isinstance(channel, dict):
            target = channel.get("target") if isinstance(channel.get("target"), dict) else {}
            channels.append(
                pygltflib.AnimationChannel(
                    sampler=channel.get("sampler"), target=_make(pygltflib.AnimationChannelTarget, target)
                )
            )
    samplers = [
        _make(pygltflib.AnimationSampler, s) for s in data.get("samplers") or [] if isinstance(s, dict)
    ]
    return pygltflib.Animation(name=data.get("name"), channels=channels, samplers=samplers)


_FAST_LISTS = {
    "accessors": _accessor_from_json,
    "bufferViews": lambda data: _make(pygltflib.BufferView, data),
    "nodes": lambda data: _make(pygltflib.Node, data),
    "animations": _animation_from_json,
}
