"""佐证材料 (evidence): files and links attached to a figure submission or a task update.

`prepare` checks everything before anything is written (count, size, type by magic bytes and
extension together, links), then keeps the accepted files by content hash in the folder
`<db>.evidence/` (kpi.store.kept_files): a file leaves only through `read_evidence`, which
verifies its hash, for those `can_see` allows. The caller inserts the rows with
`insert_attachments` inside its own write transaction.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pandas as pd

from kpi.auth.accounts import User
from kpi.base import config
from kpi.base.errors import InputRejected
from kpi.store import db, kept_files, queries
from kpi.store.queries import Con

MAX_LINK_CHARS = 500
MAX_NAME_CHARS = 120
# A zip directory longer than this is not an Office document a clerk saved (bounded read).
MAX_ZIP_MEMBERS = 5000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc / .xls
ZIP_MAGIC = b"PK\x03\x04"
# Extension -> (media type, what the content must be). OOXML kinds name the folder their zip
# must hold; a renamed .exe, .html or .svg matches none of them.
TYPES: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "pdf"),
    "png": ("image/png", "png"),
    "jpg": ("image/jpeg", "jpeg"),
    "jpeg": ("image/jpeg", "jpeg"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "word/"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xl/"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "ppt/"),
    "doc": ("application/msword", "ole"),
    "xls": ("application/vnd.ms-excel", "ole"),
}
EXTENSIONS = tuple(TYPES)
# Roles that see every attachment; staff see their own unit's; visitors only the count.
SEE_ALL_ROLES = frozenset({"admin", "reviewer", "viewer"})


@dataclass(frozen=True)
class StoredFile:
    """One accepted file, already in the evidence folder."""

    file_name: str  # as uploaded, cleaned for display (never a path)
    sha256: str
    size_bytes: int
    media_type: str


@dataclass(frozen=True)
class Prepared:
    """Files (stored) and links (checked) ready for `insert_attachments`."""

    files: tuple[StoredFile, ...] = ()
    links: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.files) + len(self.links)


# ------------------------------------------------------------------ checking


def folder(path: Path | str | None) -> Path:
    """The evidence folder of a store: `<db file>.evidence` beside it."""
    return kept_files.folder(path, kept_files.EVIDENCE)


def _clean_name(name: str) -> str:
    """The last part of an uploaded name, without control or format characters, bounded."""
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    if len(base) > MAX_NAME_CHARS:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: MAX_NAME_CHARS - len(ext) - 1] + dot + ext) if dot else base[:MAX_NAME_CHARS]
    return base or "file"


def _extension(name: str) -> str:
    return PurePosixPath(name).suffix.lower().lstrip(".")


def _is_ooxml(content: bytes, folder_name: str) -> bool:
    """True for a zip whose directory names [Content_Types].xml and `folder_name` members and no
    macros; only the central directory is read."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                return False
            names = [info.filename for info in infos]
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    if "[Content_Types].xml" not in names:
        return False
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return False  # a macro-enabled document renamed to .docx / .xlsx / .pptx
    return any(n.startswith(folder_name) for n in names)


def _content_matches(content: bytes, kind: str) -> bool:
    """Whether the bytes are what the extension says."""
    if kind == "pdf":
        return content.startswith(b"%PDF-")
    if kind == "png":
        return content.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "jpeg":
        return content.startswith(b"\xff\xd8\xff")
    if kind == "ole":
        return content.startswith(OLE_MAGIC)
    return content.startswith(ZIP_MAGIC) and _is_ooxml(content, kind)


def _file_parts(item) -> tuple[str, bytes]:
    """(name, bytes) of a (name, bytes) pair or an uploaded file (`.name`, `.getvalue()`)."""
    if isinstance(item, tuple):
        name, content = item
        return str(name), bytes(content)
    return str(item.name), bytes(item.getvalue())


def _link_lines(links: str | Iterable[str] | None) -> list[str]:
    if links is None:
        return []
    lines = links.splitlines() if isinstance(links, str) else [str(x) for x in links]
    out: list[str] = []
    for line in (x.strip() for x in lines):
        if line and line not in out:
            out.append(line)
    return out


def check_link(link: str) -> str:
    """`link` when it is an http(s) address within the limits; else InputRejected."""
    shown = link if len(link) <= 80 else link[:77] + "..."
    if len(link) > MAX_LINK_CHARS:
        raise InputRejected("evidence.link_too_long", link=shown, limit=MAX_LINK_CHARS)
    if any(unicodedata.category(c)[0] in "CZ" and c != " " for c in link) or " " in link:
        # Control, format (bidi overrides, zero-width) and space characters hide the real target.
        raise InputRejected("evidence.link_bad_chars", link=shown.encode("unicode_escape").decode())
    try:
        parts = urlsplit(link)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc  # https://trusted.gov.cn@elsewhere/ names another host
    ):
        raise InputRejected("evidence.link_bad", link=shown)
    return link


def check_files(files: Iterable) -> list[tuple[str, bytes, str, str]]:
    """(clean name, bytes, media type, sha256) of each file, or InputRejected naming the first
    bad one.

    Identical content given twice is kept once."""
    limit = config.EVIDENCE_MAX_MB * 1024 * 1024
    out: list[tuple[str, bytes, str, str]] = []
    seen: set[str] = set()
    for item in files:
        raw_name, content = _file_parts(item)
        name = _clean_name(raw_name)
        if len(content) > limit:
            size_mb = f"{len(content) / 1024 / 1024:.1f}"
            raise InputRejected(
                "evidence.too_large", name=name, size=size_mb, limit=config.EVIDENCE_MAX_MB
            )
        if not content:
            raise InputRejected("evidence.empty", name=name)
        ext = _extension(name)
        if ext not in TYPES:
            raise InputRejected("evidence.bad_type", name=name, types=type_list())
        media_type, kind = TYPES[ext]
        if not _content_matches(content, kind):
            raise InputRejected("evidence.not_what_it_says", name=name, ext=ext.upper())
        digest = hashlib.sha256(content).hexdigest()
        if digest not in seen:
            seen.add(digest)
            out.append((name, content, media_type, digest))
    return out


def type_list() -> str:
    """The accepted extensions as shown in messages: PDF, PNG, ..."""
    return ", ".join(e.upper() for e in EXTENSIONS)


def prepare(
    path: Path | str | None, files: Iterable | None, links: str | Iterable[str] | None
) -> Prepared:
    """Check files and links (InputRejected before anything is written), then store the files.

    `files`: (name, bytes) pairs or uploaded files; `links`: text with one link a line, or a list.
    Call before the write's transaction; insert the result with `insert_attachments`."""
    checked = check_files(files or [])
    link_list = [check_link(link) for link in _link_lines(links)]
    total = len(checked) + len(link_list)
    if total > config.EVIDENCE_MAX_FILES:
        raise InputRejected("evidence.too_many", n=total, limit=config.EVIDENCE_MAX_FILES)
    stored = []
    for name, content, media_type, digest in checked:
        kept_files.keep(folder(path), content, digest)
        stored.append(StoredFile(name, digest, len(content), media_type))
    return Prepared(tuple(stored), tuple(link_list))


# ------------------------------------------------------------------ writing and reading


def insert_attachments(
    con: Con,
    prepared: Prepared | None,
    *,
    plan_id: str,
    user_name: str,
    unit_zh: str | None,
    batch_id: int | None = None,
    update_id: int | None = None,
    role: str | None = None,
) -> list[int]:
    """Insert one row per file and link for a batch or a task update, with an audit entry
    (action attach_evidence, with `role`: pass user.role); the caller owns the transaction.
    Returns the attachment ids (none for an empty or missing `prepared`)."""
    if (batch_id is None) == (update_id is None):
        raise ValueError("attach to exactly one of batch_id and update_id")
    if not prepared:
        return []
    rows = [
        {"kind": "file", "file_name": f.file_name, "sha256": f.sha256, "size_bytes": f.size_bytes,
         "media_type": f.media_type, "url": None}
        for f in prepared.files
    ] + [
        {"kind": "link", "file_name": None, "sha256": None, "size_bytes": None,
         "media_type": None, "url": link}
        for link in prepared.links
    ]  # fmt: skip
    common = {"plan_id": plan_id, "batch_id": batch_id, "update_id": update_id}
    common |= {"user_name": user_name, "unit_zh": unit_zh or None}
    ids = [queries.insert_attachment(con, common | row) for row in rows]
    queries.write_audit(
        con,
        user_name=user_name,
        role=role or "",
        action="attach_evidence",
        plan_id=plan_id,
        batch_id=batch_id,
        object_id=None if update_id is None else f"update {update_id}",
        after=[{"attachment_id": i} | row for i, row in zip(ids, rows, strict=True)],
    )
    return ids


def attachments_of(
    con: Con, plan_id: str, batch_id: int | None = None, update_id: int | None = None
) -> pd.DataFrame:
    """Attachments of a plan (of one batch or task update when given), oldest first."""
    return queries.attachments(con, plan_id, batch_id, update_id)


def read_attachments(
    path: Path | str | None, plan_id: str, batch_id: int | None = None, update_id: int | None = None
) -> pd.DataFrame:
    """`attachments_of` on a short-lived read connection."""
    with db.read(path) as con:
        return attachments_of(con, plan_id, batch_id, update_id)


def read_evidence(path: Path | str | None, attachment_id: int) -> tuple[str, bytes]:
    """(file name as uploaded, bytes) of a file attachment; its hash is verified on read."""
    with db.read(path) as con:
        row = queries.attachment(con, int(attachment_id))
    if row is None or row["kind"] != "file":
        raise InputRejected("evidence.not_found", id=attachment_id)
    content = kept_files.read_checked(
        folder(path),
        row["sha256"],
        missing="evidence.missing",
        damaged="evidence.damaged",
        id=attachment_id,
        name=row["file_name"],
    )
    return row["file_name"], content


def stored_bytes(path: Path | str | None, sha256: str) -> bytes | None:
    """The stored file of a hash; None when its bytes no longer match it (FileNotFoundError
    when it is gone)."""
    return kept_files.read(folder(path), sha256)


# ------------------------------------------------------------------ who may see


def sees_all(user: User | None) -> bool:
    """True for admins, reviewers and viewers (leaders): every attachment of the plan."""
    return user is not None and user.role in SEE_ALL_ROLES


def can_see(user: User | None, row: Mapping) -> bool:
    """Whether `user` may see and download one attachment `row` (its unit_zh decides for staff).

    Visitors (not signed in) see how many there are, never the files or links."""
    if user is None:
        return False
    if sees_all(user):
        return True
    return user.role == "staff" and bool(user.unit) and row.get("unit_zh") == user.unit
