"""Streaming decompression of raw ZIP member data: stored, deflate, bzip2, lzma."""

from __future__ import annotations

import bz2
import lzma
import struct
import zlib

from ._exceptions import IntegrityError

__all__ = ["Inflater", "SUPPORTED_METHODS"]

STORED, DEFLATED, BZIP2, LZMA = 0, 8, 12, 14
SUPPORTED_METHODS = {STORED: "stored", DEFLATED: "deflate", BZIP2: "bzip2", LZMA: "lzma"}


class Inflater:
    """Feed compressed chunks in, get uncompressed chunks out; memory stays bounded."""

    def __init__(self, method: int) -> None:
        if method not in SUPPORTED_METHODS:
            raise IntegrityError(f"ZIP compression method {method} is not supported "
                                 f"(supported: {', '.join(SUPPORTED_METHODS.values())})")
        self.method = method
        self._header = b""  # lzma members start with a small properties header
        self._lzma: lzma.LZMADecompressor | None = None
        if method == DEFLATED:
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
        elif method == BZIP2:
            self._obj = bz2.BZ2Decompressor()
        else:
            self._obj = None

    def feed(self, chunk: bytes) -> bytes:
        if self.method == STORED:
            return chunk
        if self.method == LZMA:
            return self._feed_lzma(chunk)
        try:
            return self._obj.decompress(chunk)
        except (zlib.error, OSError, EOFError) as exc:
            raise IntegrityError(f"corrupt compressed data: {exc}") from exc

    def _feed_lzma(self, chunk: bytes) -> bytes:
        if self._lzma is None:
            self._header += chunk
            if len(self._header) < 4:
                return b""
            (size,) = struct.unpack_from("<H", self._header, 2)
            if len(self._header) < 4 + size:
                return b""
            # zipfile's own reader decodes the properties with this same helper.
            props = lzma._decode_filter_properties(  # noqa: SLF001
                lzma.FILTER_LZMA1, self._header[4 : 4 + size])
            self._lzma = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[props])
            chunk, self._header = self._header[4 + size :], b""
        try:
            return self._lzma.decompress(chunk)
        except lzma.LZMAError as exc:
            raise IntegrityError(f"corrupt compressed data: {exc}") from exc

    def finish(self) -> bytes:
        """Whatever is still buffered; raises IntegrityError if the stream was cut short."""
        if self.method == DEFLATED:
            tail = self._obj.flush()
            if not self._obj.eof:
                raise IntegrityError("the compressed data ended before the deflate stream did")
            return tail
        if self.method == BZIP2 and not self._obj.eof:
            raise IntegrityError("the compressed data ended before the bzip2 stream did")
        return b""
