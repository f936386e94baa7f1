"""Decoding text exports (CSV, JSON lines) in the source's declared encoding.

The whole file is decoded strictly before parsing, so a file in the wrong encoding fails its day
with a message naming the encoding and the line of the first undecodable byte, instead of loading
mojibake or failing later on an unrelated column. A leading byte-order mark (what spreadsheet tools
write) is dropped. The parsers downstream read UTF-8, so other encodings are re-encoded once.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from lending.ingestion.errors import LandingFileError

BOM = "\ufeff"


def read_text(path: Path, encoding: str, empty_ok: bool = False) -> tuple[str, bytes]:
    """The file's text and the same text as UTF-8 bytes, both without a byte-order mark.

    A zero-byte file is an error unless ``empty_ok``: a CSV needs at least its header, so zero
    bytes means an interrupted export; JSON lines have no header, and an export of no records is
    an empty file.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise LandingFileError(str(path), f"cannot read file: {exc}") from exc
    if not raw and not empty_ok:
        raise LandingFileError(str(path), "file is empty (0 bytes)")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start : exc.start + 1].hex()
        raise LandingFileError(
            str(path), f"does not decode as {encoding}: byte 0x{byte} on line {line}"
        ) from exc
    text = text.removeprefix(BOM)
    if codecs.lookup(encoding).name == "utf-8":
        data = raw.removeprefix(codecs.BOM_UTF8)  # already UTF-8: no second copy
    else:
        data = text.encode("utf-8")
    return text, data
