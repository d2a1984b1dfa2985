"""A small ESC/POS decoder for tests: raster images, text, QR commands, status queries.

It knows exactly the commands our printing sends and fails on anything else, so a
test notices when the byte stream changes shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

ONE_ARG = {  # command prefix -> number of argument bytes
    b"\x1b!": 1,
    b"\x1bE": 1,
    b"\x1b-": 1,
    b"\x1bM": 1,
    b"\x1ba": 1,
    b"\x1b{": 1,
    b"\x1bd": 1,
    b"\x1bJ": 1,
    b"\x1d!": 1,
    b"\x1dB": 1,
    b"\x1db": 1,
    b"\x10\x04": 1,
    b"\x1b@": 0,
    b"\x1c&": 0,
    b"\x1c.": 0,
}


class Incomplete(Exception):
    """The buffer ends in the middle of a command."""


@dataclass
class Decoded:
    """Everything found in a job, in order."""

    rasters: list[Image.Image] = field(default_factory=list)
    text: bytearray = field(default_factory=bytearray)
    qr_data: list[bytes] = field(default_factory=list)
    qr_printed: int = 0
    status_queries: list[int] = field(default_factory=list)
    cuts: int = 0
    commands: list[bytes] = field(default_factory=list)

    def image(self) -> Image.Image:
        """The raster parts stacked top to bottom, as the paper would show them."""
        width = max(im.width for im in self.rasters)
        out = Image.new("L", (width, sum(im.height for im in self.rasters)), 255)
        y = 0
        for im in self.rasters:
            out.paste(im.convert("L"), (0, y))
            y += im.height
        return out


def _need(buf: bytes, end: int) -> None:
    if end > len(buf):
        raise Incomplete


def _one(buf: bytes, i: int, out: Decoded) -> int:
    """Decode the command at ``buf[i]``; returns the index after it."""
    b = buf[i]
    if b not in (0x10, 0x1B, 0x1C, 0x1D):
        out.text.append(b)
        return i + 1
    _need(buf, i + 2)
    head = bytes(buf[i : i + 2])
    if head in ONE_ARG:
        end = i + 2 + ONE_ARG[head]
        _need(buf, end)
        if head == b"\x10\x04":
            out.status_queries.append(buf[end - 1])
        out.commands.append(bytes(buf[i:end]))
        return end
    if head == b"\x1dV":  # cut: GS V m, or GS V m n for m = 65, 66
        _need(buf, i + 3)
        end = i + 4 if buf[i + 2] in (65, 66) else i + 3
        _need(buf, end)
        out.cuts += 1
        return end
    if bytes(buf[i : i + 3]) == b"\x1dv0":  # GS v 0 m xL xH yL yH d1...dk
        _need(buf, i + 8)
        width_bytes = buf[i + 4] | buf[i + 5] << 8
        height = buf[i + 6] | buf[i + 7] << 8
        end = i + 8 + width_bytes * height
        _need(buf, end)
        data = buf[i + 8 : end]
        # 1 bits are black dots; Pillow's mode "1" uses 1 for white, hence the inversion.
        img = Image.frombytes("1", (width_bytes * 8, height), bytes(x ^ 0xFF for x in data))
        out.rasters.append(img)
        return end
    if bytes(buf[i : i + 3]) == b"\x1d(k":  # GS ( k pL pH cn fn [m] data
        _need(buf, i + 5)
        end = i + 5 + (buf[i + 3] | buf[i + 4] << 8)
        _need(buf, end)
        cn, fn = buf[i + 5], buf[i + 6]
        assert cn == ord("1"), f"not a QR command: cn={cn}"
        if fn == 80:  # store data: cn fn m=48 data
            out.qr_data.append(bytes(buf[i + 8 : end]))
        elif fn == 81:
            out.qr_printed += 1
        out.commands.append(bytes(buf[i:end]))
        return end
    raise ValueError(f"unknown ESC/POS command at {i}: {buf[i : i + 8]!r}")


def decode(data: bytes) -> Decoded:
    """Decode a complete job."""
    out = Decoded()
    i = 0
    while i < len(data):
        i = _one(data, i, out)
    return out


class StreamDecoder:
    """Decode a job as it arrives in pieces (for the fake printers)."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.done = 0
        self.result = Decoded()

    def feed(self, chunk: bytes) -> list[int]:
        """Add bytes; returns the status queries (n of DLE EOT n) completed by them."""
        self.buffer += chunk
        before = len(self.result.status_queries)
        try:
            while self.done < len(self.buffer):
                self.done = _one(self.buffer, self.done, self.result)
        except Incomplete:
            pass
        return self.result.status_queries[before:]
