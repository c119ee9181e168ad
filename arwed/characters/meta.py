"""VRM meta: who made the avatar and what its licence allows. The VRM ecosystem expects apps to show it."""

from __future__ import annotations

from arwed.characters.gltf_io import GltfDocument

_VRM1_FIELDS = (
    "name",
    "version",
    "authors",
    "copyrightInformation",
    "contactInformation",
    "references",
    "thirdPartyLicenses",
    "licenseUrl",
    "avatarPermission",
    "commercialUsage",
    "creditNotation",
    "allowRedistribution",
    "modification",
    "allowExcessivelyViolentUsage",
    "allowExcessivelySexualUsage",
    "allowPoliticalOrReligiousUsage",
    "allowAntisocialOrHateUsage",
    "otherLicenseUrl",
)
_VRM0_FIELDS = (
    "title",
    "version",
    "author",
    "contactInformation",
    "reference",
    "allowedUserName",
    "violentUssageName",
    "sexualUssageName",
    "commercialUssageName",
    "licenseName",
    "otherPermissionUrl",
    "otherLicenseUrl",
)


def read_meta(doc: GltfDocument) -> tuple[str | None, str | None, dict[str, str]]:
    """(title, licence, meta fields as strings) from VRM 1.0 or 0.x; (None, None, {}) for plain glTF."""
    vrm1 = doc.extension("VRMC_vrm")
    if vrm1 is not None:
        meta = vrm1.get("meta") if isinstance(vrm1.get("meta"), dict) else {}
        fields = _strings(meta, _VRM1_FIELDS)
        return fields.get("name"), fields.get("licenseUrl"), fields
    vrm0 = doc.extension("VRM")
    if vrm0 is not None:
        meta = vrm0.get("meta") if isinstance(vrm0.get("meta"), dict) else {}
        fields = _strings(meta, _VRM0_FIELDS)
        licence = fields.get("licenseName")
        if licence == "Other" and fields.get("otherLicenseUrl"):
            licence = f"Other ({fields['otherLicenseUrl']})"
        return fields.get("title"), licence, fields
    asset = doc.gltf.asset
    fields = {}
    if asset is not None and getattr(asset, "copyright", None):
        fields["copyright"] = str(asset.copyright)
    if asset is not None and getattr(asset, "generator", None):
        fields["generator"] = str(asset.generator)
    return None, None, fields


def _strings(meta: dict, names: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for name in names:
        value = meta.get(name)
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        out[name] = str(value)[:500]
    return out


def meta_lines(meta: dict[str, str], licence: str | None) -> list[str]:
    """Human-readable lines for a panel or the terminal: author, licence, then permissions."""
    lines = []
    author = meta.get("authors") or meta.get("author")
    if author:
        lines.append(f"author: {author}")
    if licence:
        lines.append(f"licence: {licence}")
    for key, value in meta.items():
        if key in ("authors", "author", "name", "title", "licenseUrl", "licenseName"):
            continue
        if licence and value in licence:
            continue
        lines.append(f"{key}: {value}")
    return lines


def describe_character(info) -> list[str]:
    """What a user should see about a loaded character (terminal or preview panel), one fact per line."""
    version = f" {info.vrm_version}" if info.vrm_version else ""
    lines = [
        f"{info.name} ({info.format}{version}, {info.triangles:,} triangles)",
        f"height {info.height_m:.2f} m (model's own {info.source_height_m:.3f} units, scale x{info.scale:.4g})",
    ]
    if info.humanoid:
        missing = f"; missing {', '.join(info.bones_missing)}" if info.bones_missing else ""
        lines.append(f"humanoid: {len(info.bones_mapped)} bones mapped{missing}")
    lines.extend(meta_lines(info.meta, info.license))
    lines.extend(f"notice: {n}" for n in info.notices)
    return lines
