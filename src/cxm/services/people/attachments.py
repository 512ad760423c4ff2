"""Files attached to ideas: allowed types (by extension and first bytes), a size limit,
stored in the data directory under a random name (never the uploaded one)."""

from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import func, select

from cxm.domain.access import Principal
from cxm.domain.errors import NotFound, PermissionDenied, ValidationFailed
from cxm.domain.people import ATTACHMENT_TYPES, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_IDEA
from cxm.services.people.common import now
from cxm.services.people.ideas import ATTACHMENTS, idea_row, is_reviewer
from cxm.services.runtime import Runtime

__all__ = ["MAX_ATTACHMENT_BYTES", "add_attachment", "attachment_file", "attachments_dir"]


def attachments_dir(rt: Runtime) -> Path:
    return rt.settings.data_dir / "ideas" / "attachments"


def add_attachment(
    rt: Runtime, principal: Principal, idea_id: int, filename: str, data: bytes
) -> int:
    """Store a file of an allowed type and size; only the author or a reviewer may."""
    name = Path(filename or "").name[:255]
    suffix = Path(name).suffix.lower()
    if suffix not in ATTACHMENT_TYPES:
        allowed = ", ".join(sorted(ATTACHMENT_TYPES))
        raise ValidationFailed(f"file type not allowed (allowed: {allowed})", field="attachment")
    content_type, magic = ATTACHMENT_TYPES[suffix]
    if not data or len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(
            f"a file needs 1 byte to {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB", field="attachment"
        )
    if not data.startswith(magic) or (suffix == ".txt" and b"\x00" in data[:4096]):
        raise ValidationFailed("the file's content does not match its type", field="attachment")
    with rt.db.read() as conn:
        row = idea_row(conn, idea_id)
        count = conn.execute(
            select(func.count()).select_from(ATTACHMENTS).where(ATTACHMENTS.c.idea_id == idea_id)
        ).scalar()
    if row.author_user_id != principal.user_id and not is_reviewer(principal):
        raise PermissionDenied("only the author or a reviewer may attach files")
    if int(count or 0) >= MAX_ATTACHMENTS_PER_IDEA:
        raise ValidationFailed(
            f"at most {MAX_ATTACHMENTS_PER_IDEA} files per idea", field="attachment"
        )
    stored = secrets.token_hex(16)
    folder = attachments_dir(rt) / str(idea_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stored).write_bytes(data)  # before the row: a row never points at nothing
    with rt.db.write() as conn:
        result = conn.execute(
            ATTACHMENTS.insert().values(
                idea_id=idea_id,
                filename=name,
                content_type=content_type,
                size=len(data),
                stored_name=stored,
                created_at=now(),
            )
        )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def attachment_file(rt: Runtime, idea_id: int, attachment_id: int) -> tuple[Path, str, str]:
    """(path, content type, file name) of an attachment."""
    with rt.db.read() as conn:
        row = conn.execute(
            select(ATTACHMENTS).where(
                ATTACHMENTS.c.id == attachment_id, ATTACHMENTS.c.idea_id == idea_id
            )
        ).first()
    if row is None:
        raise NotFound(f"no attachment {attachment_id}", field="attachment_id")
    return attachments_dir(rt) / str(idea_id) / row.stored_name, row.content_type, row.filename
