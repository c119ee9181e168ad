"""What a VRM model's licence means for using it at a wedding, in words, and the credit line for keepsakes.

Every permission field of VRM 1.0 (`VRMC_vrm.meta`) and VRM 0.x (`VRM.meta`) becomes one notice:
who may use the avatar, commercial use, credit, modification, redistribution, the usage restrictions
and the licence's address. A field the file leaves out gets VRM 1.0's default, and says so. VRM 0.x
states credit, modification and redistribution through its licence name (CC_BY_ND, ...), so those are
read from it. The notices are shown by `arwed preview --info`, the viewer, `arwed render` and the
console's log. With `keepsakes.credit_line: true` in the settings, keepsakes carry a credit line.
"""

from __future__ import annotations

import cv2
import numpy as np

from arwed.characters.base import CharacterInfo

PREFIX = "licence: "
CREDIT_SETTING = "keepsakes.credit_line"

_WHO = {
    "onlyAuthor": "only its author may use this avatar: unless you are {author}, ask them before using it",
    "onlySeparatelyLicensedPerson": "only people the author has licensed separately may use this avatar: "
    "make sure you hold that licence",
    "everyone": "anyone may use this avatar",
}
_COMMERCIAL = {
    "personalNonProfit": "personal, non-profit use only: your own wedding is fine, a paid service or a "
    "sold video is not",
    "personalProfit": "personal use is allowed, also for profit; use by a company is not",
    "corporation": "commercial use is allowed, also by companies",
}
_CREDIT = {
    "required": "credit required: name {author} wherever pictures or videos of it are shown (switch on "
    "the credit line in keepsakes: " + CREDIT_SETTING + ")",
    "unnecessary": "no credit needed",
}
_MODIFICATION = {
    "prohibited": "the model may not be modified (arwed only scales and poses it)",
    "allowModification": "the model may be modified, but modified versions may not be shared",
    "allowModificationRedistribution": "the model may be modified and modified versions shared",
}
_REDISTRIBUTION = {
    "yes": "the model file may be passed on to others",
    "no": "do not pass the model file on to others",
}
_USAGE_1 = (
    ("allowExcessivelyViolentUsage", "excessively violent use"),
    ("allowExcessivelySexualUsage", "excessively sexual use"),
    ("allowPoliticalOrReligiousUsage", "political or religious use"),
    ("allowAntisocialOrHateUsage", "antisocial or hateful use"),
)
_DEFAULTS_1 = {
    "avatarPermission": "onlyAuthor",
    "commercialUsage": "personalNonProfit",
    "creditNotation": "required",
    "allowRedistribution": "no",
    "modification": "prohibited",
}
_WHO_0 = {
    "OnlyAuthor": "onlyAuthor",
    "ExplicitlyLicensedPerson": "onlySeparatelyLicensedPerson",
    "Everyone": "everyone",
}
_USAGE_0 = (("violentUssageName", "violent use"), ("sexualUssageName", "sexual use"))
_LICENCES_0 = {  # licence name -> (credit, modification, redistribution) in VRM 1.0's terms
    "Redistribution_Prohibited": (None, None, "no"),
    "CC0": ("unnecessary", "allowModificationRedistribution", "yes"),
    "CC_BY": ("required", "allowModificationRedistribution", "yes"),
    "CC_BY_NC": ("required", "allowModificationRedistribution", "yes"),
    "CC_BY_SA": ("required", "allowModificationRedistribution", "yes"),
    "CC_BY_NC_SA": ("required", "allowModificationRedistribution", "yes"),
    "CC_BY_ND": ("required", "prohibited", "yes"),
    "CC_BY_NC_ND": ("required", "prohibited", "yes"),
}


def permission_notices(meta: dict[str, str], vrm_version: str | None) -> list[str]:
    """One notice per permission of a VRM model; [] for plain glTF (which states none)."""
    if vrm_version == "1.0":
        return _vrm1(meta)
    if vrm_version == "0.x":
        return _vrm0(meta)
    return []


# the licence terms an operator must know on the day, in this order; the rest is in `arwed preview --info`
_SUMMARY_FIELDS = ("avatarPermission", "allowedUserName", "commercialUssageName", "commercialUsage")


def summarised_notices(notices: list[str] | tuple[str, ...]) -> list[str]:
    """The notices with a VRM's licence folded into one line (who may use it, commercial use, credit), for the
    console's log and a render's notes: ten licence lines each time a model is chosen hide the warnings that
    matter. Other notices are kept as they are; `arwed preview --info` lists every term."""
    licence = [n for n in notices if n.startswith(PREFIX)]
    if len(licence) <= 1:
        return list(notices)
    terms = [n[len(PREFIX) :] for n in licence]

    def short(term: str) -> str:
        return term.split(" (", 1)[0].split(":", 1)[0]

    key = [t for f in _SUMMARY_FIELDS for t in terms if f"({f}:" in t]
    key += [t for t in terms if t.startswith("credit")][:1]
    summary = "; ".join(dict.fromkeys(short(t) for t in key)) or short(terms[0])
    folded = f"{PREFIX}{summary} ({len(terms)} terms in all: arwed preview --info)"
    rest = [n for n in notices if not n.startswith(PREFIX)]
    return [folded, *rest]


def credit_required(info: CharacterInfo) -> bool:
    return any(n.startswith(PREFIX + "credit required") for n in info.notices)


def credit_text(info: CharacterInfo) -> str:
    """The line a keepsake carries when the credit line is on: the avatar, its author and licence."""
    author = info.meta.get("authors") or info.meta.get("author")
    text = f"Avatar: {info.name}"
    if author:
        text += f" by {author}"
    if info.license and len(info.license) <= 80:
        text += f" ({info.license})"
    return text


def _author(meta: dict[str, str]) -> str:
    return meta.get("authors") or meta.get("author") or "its author"


def _line(text: str, field: str, value: str, default: bool = False) -> str:
    where = f"{field}: {value}" + (", not stated: VRM's default" if default else "")
    return f"{PREFIX}{text} ({where})"


def _vrm1(meta: dict[str, str]) -> list[str]:
    author = _author(meta)
    out = []
    for field, table in (
        ("avatarPermission", _WHO),
        ("commercialUsage", _COMMERCIAL),
        ("creditNotation", _CREDIT),
        ("modification", _MODIFICATION),
        ("allowRedistribution", _REDISTRIBUTION),
    ):
        value = meta.get(field)
        default = value is None
        value = _DEFAULTS_1[field] if default else value
        text = table.get(value, f"unknown value {value!r}: treat it as not allowed")
        out.append(_line(text.format(author=author), field, value, default))
    for field, what in _USAGE_1:
        value = meta.get(field)
        default = value is None
        allowed = value == "yes"
        out.append(_line(f"{what} {'allowed' if allowed else 'not allowed'}", field, value or "no", default))
    out.extend(_addresses(meta, ("licenseUrl", "otherLicenseUrl", "thirdPartyLicenses")))
    return out


def _vrm0(meta: dict[str, str]) -> list[str]:
    author = _author(meta)
    out = []
    who = meta.get("allowedUserName")
    if who is None:
        out.append(_line(_WHO["onlyAuthor"].format(author=author), "allowedUserName", "OnlyAuthor", True))
    else:
        text = _WHO.get(_WHO_0.get(who, ""), f"unknown value {who!r}: treat it as not allowed")
        out.append(_line(text.format(author=author), "allowedUserName", who))
    commercial = meta.get("commercialUssageName")
    licence = meta.get("licenseName")
    if commercial == "Allow" and not (licence or "").startswith("CC_BY_NC"):
        out.append(_line("commercial use is allowed", "commercialUssageName", commercial))
    else:
        text = _COMMERCIAL["personalNonProfit"]
        out.append(_line(text, "commercialUssageName", commercial or "Disallow", commercial is None))
    for field, what in _USAGE_0:
        value = meta.get(field)
        allowed = value == "Allow"
        out.append(
            _line(
                f"{what} {'allowed' if allowed else 'not allowed'}", field, value or "Disallow", value is None
            )
        )
    credit, modification, redistribution = _LICENCES_0.get(licence or "", (None, None, None))
    name = licence or "not stated"
    terms = meta.get("otherLicenseUrl") or meta.get("otherPermissionUrl") or ""
    if credit is None and terms:
        credit, modification, redistribution = _vroid_hub_terms(terms)
        name = f"{name}, from its terms' address" if credit is not None else name
    if credit is not None:
        out.append(_line(_CREDIT[credit].format(author=author), "licenseName", name))
    if modification is not None:
        out.append(_line(_MODIFICATION[modification], "licenseName", name))
    if redistribution is not None:
        out.append(_line(_REDISTRIBUTION[redistribution], "licenseName", name))
    if credit is None:
        terms = meta.get("otherLicenseUrl") or meta.get("otherPermissionUrl")
        where = f"read {terms}" if terms else "ask the author"
        out.append(
            _line(
                f"credit, modification and sharing follow the author's own terms: {where}",
                "licenseName",
                name,
            )
        )
    out.extend(_addresses(meta, ("otherPermissionUrl", "otherLicenseUrl")))
    return out


def _vroid_hub_terms(url: str) -> tuple[str | None, str | None, str | None]:
    """VRoid Hub spells its licence out in the address (credit=unnecessary&modification=allow&...)."""
    from urllib.parse import parse_qs, urlparse

    try:
        parsed = urlparse(url)
    except ValueError:
        return None, None, None
    if not parsed.netloc.endswith("vroid.com"):
        return None, None, None
    query = {k: v[0] for k, v in parse_qs(parsed.query).items() if v}
    if "credit" not in query:
        return None, None, None
    credit = "unnecessary" if query.get("credit") == "unnecessary" else "required"
    modification = "allowModificationRedistribution" if query.get("modification") == "allow" else "prohibited"
    redistribution = "yes" if query.get("redistribution") == "allow" else "no"
    return credit, modification, redistribution


def _addresses(meta: dict[str, str], fields: tuple[str, ...]) -> list[str]:
    words = {
        "licenseUrl": "the licence",
        "otherLicenseUrl": "other licence terms",
        "otherPermissionUrl": "other permissions",
        "thirdPartyLicenses": "third-party licences",
    }
    out, seen = [], set()
    for f in fields:
        value = meta.get(f)
        if value and value not in seen:
            seen.add(value)
            out.append(f"{PREFIX}{words[f]} ({f}): {value}")
    return out


def draw_credit_line(image_bgr: np.ndarray, text: str) -> None:
    """The credit in the bottom-left corner of a keepsake, small, light on a dark band (in place)."""
    height, width = image_bgr.shape[:2]
    scale = max(0.4, height / 1400.0)
    thickness = 1 if height < 1000 else 2
    font = cv2.FONT_HERSHEY_SIMPLEX
    (w, h), base = cv2.getTextSize(text, font, scale, thickness)
    keep = len(text)
    while w > width - 16 and keep > 4:  # a very long credit is cut rather than run off the picture
        keep = min(keep - 1, int(keep * (width - 16) / w))
        shown = text[:keep].rstrip() + "..."
        (w, h), base = cv2.getTextSize(shown, font, scale, thickness)
    if keep < len(text):
        text = text[:keep].rstrip() + "..."
    pad = max(4, h // 3)
    x0, y1 = 8, height - 8
    y0 = y1 - h - base - 2 * pad
    band = image_bgr[max(y0, 0) : y1, x0 : min(x0 + w + 2 * pad, width)]
    band[:] = (band * 0.45).astype(image_bgr.dtype)
    colour = (235, 235, 235) if image_bgr.shape[2] == 3 else (235, 235, 235, 255)
    cv2.putText(image_bgr, text, (x0 + pad, y1 - pad - base), font, scale, colour, thickness, cv2.LINE_AA)
