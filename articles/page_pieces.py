"""A page cut into pieces at its markers (articles/caching.py): filled in with one join, and
gzipped from pieces compressed once; and the small per-process LRU the caches use."""

import re
import struct
import threading
import zlib
from collections import OrderedDict

CSRF_MARKER = "\x00csrf\x00"
NONCE_MARKER = "\x00nonce\x00"
TEXT_SIZE_MARKER = "\x00text-size\x00"
MARKERS = re.compile("(\x00(?:csrf|nonce|text-size|hole:[A-Za-z0-9_./-]+)\x00)")


class Split:
    """A page cut at its markers, once: filling it in for a request is one join, not a search
    of the whole page for each marker. `encoded` keeps the text as UTF-8 bytes, for a page that
    is only ever joined into a response (and can be gzipped: `gzipped`)."""

    __slots__ = ("_deflated", "markers", "texts")

    def __init__(self, body: str, *, encoded=False):
        pieces = MARKERS.split(body)
        self.texts = [p.encode() for p in pieces[0::2]] if encoded else pieces[0::2]
        self.markers = pieces[1::2]
        self._deflated = None

    @property
    def holes(self) -> list[str]:
        return list(dict.fromkeys(m[6:-1] for m in self.markers if m.startswith("\x00hole:")))

    def has(self, marker) -> bool:
        return marker in self.markers

    def fill(self, values: dict):
        """The page with each marker in `values` replaced (the others kept): text, or bytes
        for an `encoded` page."""
        encoded = isinstance(self.texts[0], bytes)
        out = [self.texts[0]]
        for marker, text in zip(self.markers, self.texts[1:], strict=True):
            value = values.get(marker, marker)
            out.append(value.encode() if encoded else value)
            out.append(text)
        return (b"" if encoded else "").join(out)

    def gzipped(self, values: dict) -> bytes:
        """`fill(values)` of an `encoded` page, as gzip. The page's own text is compressed once
        and kept, each piece on its own; each value (the CSRF token, the nonce) goes in as it
        is, in a stored block. So a response costs a join and a checksum, not a compression,
        and a secret never shares a compression window with anything (no BREACH)."""
        if self._deflated is None:
            self._deflated = [_deflate(text) for text in self.texts]
        crc = zlib.crc32(self.texts[0])
        size = len(self.texts[0])
        out = [GZIP_HEADER, self._deflated[0]]
        for marker, text, deflated in zip(
            self.markers, self.texts[1:], self._deflated[1:], strict=True
        ):
            value = values.get(marker, marker).encode()
            out += [_stored(value), deflated]
            crc = zlib.crc32(text, zlib.crc32(value, crc))
            size += len(value) + len(text)
        out += [DEFLATE_END, struct.pack("<II", crc, size & 0xFFFFFFFF)]
        return b"".join(out)


# gzip (RFC 1952) around raw deflate (RFC 1951): no name, no time, "unknown" system.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
DEFLATE_END = b"\x03\x00"  # an empty final block
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def _deflate(data: bytes) -> bytes:
    """`data` as deflate blocks that end on a byte boundary, without a final block: pieces
    compressed this way can be laid end to end (as pigz does)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def _stored(data: bytes) -> bytes:
    """`data` in stored (uncompressed) deflate blocks."""
    blocks = []
    for start in range(0, len(data), 0xFFFF):
        chunk = data[start : start + 0xFFFF]
        blocks.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(blocks)


class LRU:
    """A bounded dict for this process: the least recently used entry goes first."""

    def __init__(self, size):
        self.size, self.entries, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def set(self, key, value):
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self):
        with self.lock:
            self.entries.clear()
