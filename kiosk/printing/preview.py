"""``preview:DIR``: write each ticket as a PNG instead of printing it (for ``make run``)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import PrinterOffline

if TYPE_CHECKING:
    from .printer import Job


class PreviewPrinter:
    """Save ``DIR/<time>-<number>.png``; ``last_path`` is the newest file."""

    def __init__(self, folder: str):
        self.folder = Path(folder)
        self.last_path: Path | None = None
        self.paper_low = False

    async def send(self, job: Job) -> None:
        """Draw the ticket as the printer would and save it; raises PrinterOffline on I/O errors."""
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        safe = re.sub(r"[^0-9A-Za-z_-]", "_", job.name) or "ticket"
        path = self.folder / f"{stamp}-{safe}.png"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            job.image().save(path)
        except OSError as exc:
            raise PrinterOffline(f"无法保存小票预览到 {self.folder}，请检查目录权限。", detail=str(exc)) from None
        self.last_path = path
