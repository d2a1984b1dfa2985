"""The board screen: implements the controller's View by setting widget properties."""

from __future__ import annotations

from dataclasses import asdict

from kivy.uix.floatlayout import FloatLayout

from bianmin.protocol import CenterInfo
from bianmin.text import duty_line
from display import present
from display.present import AUDIO_FAULT_TEXT, CallLine, WaitingRow, WindowRow


class BoardScreen(FloatLayout):
    """The whole hall board (layout in ``kv/board.kv``). Only binds data to widgets."""

    def on_kv_post(self, _base: object) -> None:
        # The offline banner is taken out of the tree while online, so it costs no drawing.
        self.banner = self.ids.offline.__self__  # a strong reference, not the ids proxy
        self.remove_widget(self.banner)

    def show_center(self, center: CenterInfo) -> None:
        self.ids.header.center_name = center.name
        self.ids.header.duty_text = duty_line(center.duty)
        self.ids.marquee.notices = present.notices(center)

    def redraw_fonts(self) -> None:
        """Labels outside the widget tree (the marquee's, the offline banner) redrawn too."""
        self.ids.marquee.label.texture_update()
        self.banner.texture_update()

    def show_audio_fault(self, fault: str | None) -> None:
        """A visible mark while the sound fails; the announcer keeps retrying."""
        self.ids.header.audio_fault = AUDIO_FAULT_TEXT if fault else ""

    def show_time(self, date: str, clock: str) -> None:
        self.ids.header.date_text = date
        self.ids.header.clock_text = clock

    def show_windows(self, rows: list[WindowRow]) -> None:
        self.ids.windows.items = [dict(asdict(r), index=i) for i, r in enumerate(rows)]

    def show_waiting(self, rows: list[WaitingRow]) -> None:
        self.ids.waiting.items = [asdict(r) for r in rows]

    def show_calls(self, number: str, window: str, recall: bool, recent: list[CallLine], flash: bool) -> None:
        call = self.ids.call
        call.number, call.window, call.recall = number, window, recall
        self.ids.recent.items = [asdict(c) for c in recent]
        if flash:
            call.pulse()

    def show_results(self, text: str) -> None:
        """The footer's month figures (满意率, 投诉答复率)."""
        self.ids.results.text = text

    def show_online(self, online: bool) -> None:
        self.banner.shown = not online
        if online and self.banner.parent is self:
            self.remove_widget(self.banner)
        elif not online and self.banner.parent is None:
            self.add_widget(self.banner)
