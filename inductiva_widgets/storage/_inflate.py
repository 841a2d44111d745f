"""Streaming decompression of raw ZIP member data: stored, deflate, bzip2, lzma.

Output always comes in pieces of at most the size the caller asks for: a few KB of bzip2
can inflate to GiBs, so nothing here returns "all the output of a chunk". Sizes declared
in ZIP headers are only checked against, never used to allocate.
"""

from __future__ import annotations

import bz2
import lzma
import struct
import zlib
from collections.abc import Callable, Iterable, Iterator

from ._exceptions import IntegrityError

__all__ = ["PIECE", "SUPPORTED_METHODS", "Inflater", "inflate_pieces"]

STORED, DEFLATED, BZIP2, LZMA = 0, 8, 12, 14
SUPPORTED_METHODS = {STORED: "stored", DEFLATED: "deflate", BZIP2: "bzip2", LZMA: "lzma"}
PIECE = 1024 * 1024  # the default most uncompressed bytes handed out at once


class Inflater:
    """Compressed chunks in, uncompressed pieces of bounded size out.

    `feed(chunk, max_out)` takes input and returns at most `max_out` bytes; what the chunk
    still holds stays inside (compressed, so small) until `needs_input` is true again.
    `read(max_out, more)` is the loop around it that every reader uses.
    """

    def __init__(self, method: int) -> None:
        if method not in SUPPORTED_METHODS:
            raise IntegrityError(f"ZIP compression method {method} is not supported "
                                 f"(supported: {', '.join(SUPPORTED_METHODS.values())})")
        self.method = method
        self.done = False  # read() saw the end of the input and checked the stream
        self._header = b""  # lzma members start with a small properties header
        self._pending = b""  # stored: input not handed out yet
        self._drained = True  # False while the last input may still give output
        self._obj: zlib._Decompress | bz2.BZ2Decompressor | lzma.LZMADecompressor | None
        if method == DEFLATED:
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
        elif method == BZIP2:
            self._obj = bz2.BZ2Decompressor()
        else:
            self._obj = None  # stored, or lzma until its header is in

    @property
    def needs_input(self) -> bool:
        """True when everything fed so far has been handed out."""
        return self._drained

    def feed(self, chunk: bytes, max_out: int = PIECE) -> bytes:
        """Add `chunk` to the input and return at most `max_out` uncompressed bytes.

        Until `needs_input` is true, call again with b"" for the rest of the output.
        """
        max_out = max(1, max_out)  # zlib takes 0 as "no limit"
        if self.method == STORED:
            data = self._pending + chunk if self._pending else chunk
            self._pending = data[max_out:]
            self._drained = not self._pending
            return data[:max_out]
        if self._obj is None:
            chunk = self._lzma_start(chunk)
            if self._obj is None:
                self._drained = True
                return b""
        obj = self._obj
        if obj.eof:  # bytes after the end of the stream are ignored, as zipfile does
            self._drained = True
            return b""
        try:
            if self.method == DEFLATED:
                out = obj.decompress(obj.unconsumed_tail + chunk, max_out)
                self._drained = obj.eof or (not obj.unconsumed_tail and len(out) < max_out)
            else:
                out = obj.decompress(chunk, max_out)
                self._drained = obj.eof or obj.needs_input
        except (zlib.error, OSError, EOFError, lzma.LZMAError) as exc:
            raise IntegrityError(f"corrupt compressed data: {exc}") from exc
        if not out and not chunk:
            self._drained = True  # nothing in, nothing out: it wants input
        return out

    def read(self, max_out: int, more: Callable[[], bytes]) -> bytes:
        """At most `max_out` uncompressed bytes; b"" once the stream is over and checked.

        `more()` is called for the next compressed chunk only when the input is spent, and
        returns b"" when there is none left.
        """
        while not self.done:
            chunk = b""
            if self._drained:
                chunk = more()
                if not chunk:
                    self._check_end()
                    self.done = True
                    break
            out = self.feed(chunk, max_out)
            if out:
                return out
        return b""

    def _lzma_start(self, chunk: bytes) -> bytes:
        self._header += chunk
        if len(self._header) < 4:
            return b""
        (size,) = struct.unpack_from("<H", self._header, 2)
        if len(self._header) < 4 + size:
            return b""
        try:
            # zipfile's own reader decodes the properties with this same helper.
            props = lzma._decode_filter_properties(  # noqa: SLF001
                lzma.FILTER_LZMA1, self._header[4 : 4 + size])
        except lzma.LZMAError as exc:
            raise IntegrityError(f"corrupt lzma properties: {exc}") from exc
        self._obj = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[props])
        rest, self._header = self._header[4 + size :], b""
        return rest

    def _check_end(self) -> None:
        name = SUPPORTED_METHODS[self.method]
        if self.method in (DEFLATED, BZIP2) and not self._obj.eof:
            raise IntegrityError(f"the compressed data ended before the {name} stream did")
        if self.method == LZMA and self._header:
            raise IntegrityError("the compressed data ended inside the lzma header")


def inflate_pieces(method: int, raw: Iterable[bytes], size: int | None, name: str,
                   piece: int = PIECE) -> Iterator[bytes]:
    """The uncompressed bytes of the compressed chunks `raw`, in pieces of <= `piece` bytes.

    `size` is the size the archive declares: IntegrityError as soon as the output passes
    it (a lying header cannot make a reader run on), or at the end if it falls short.
    """
    chunks = (chunk for chunk in raw if chunk)
    inflater = Inflater(method)
    produced = 0
    while out := inflater.read(piece, lambda: next(chunks, b"")):
        produced += len(out)
        if size is not None and produced > size:
            raise IntegrityError(f"{name}: inflates to more than the {size} bytes the "
                                 "archive declares")
        yield out
    if size is not None and produced != size:
        raise IntegrityError(f"{name}: inflated to {produced} bytes, the archive says {size}")
