"""The issued ticket: the number in large type, people ahead, the QR code, the print status."""

from __future__ import annotations

from kivy.app import App
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.present import PrintStatus, TicketModel
from kiosk.qr import qr_rgba


def qr_texture(data: str) -> Texture:
    """A texture with one texel per QR module; drawn scaled up without smoothing."""
    side, pixels = qr_rgba(data)
    texture = Texture.create(size=(side, side), colorfmt="rgba")
    texture.mag_filter = texture.min_filter = "nearest"
    texture.blit_buffer(pixels, colorfmt="rgba", bufferfmt="ubyte")
    texture.flip_vertical()  # our rows run top-down, OpenGL's bottom-up
    return texture


class TicketScreen(Screen):
    number = StringProperty()
    ahead = StringProperty()
    category = StringProperty()
    matter = StringProperty()
    windows = StringProperty()
    priority = BooleanProperty(False)
    caption = StringProperty()
    guide_url = StringProperty()
    qr = ObjectProperty(None, allownone=True)
    status_text = StringProperty()
    status_state = StringProperty()
    failed = BooleanProperty(False)
    fault = StringProperty()
    countdown = NumericProperty(0)

    def set_model(self, model: TicketModel) -> None:
        self.number, self.ahead, self.priority = model.number, model.ahead, model.priority
        self.category, self.matter, self.caption = model.category, model.matter, model.caption
        self.windows = model.windows
        self.guide_url = model.guide_url
        self.qr = qr_texture(model.guide_url)
        self.set_print(PrintStatus("printing", ""))

    def set_print(self, status: PrintStatus) -> None:
        self.status_text, self.status_state = status.text, status.state
        self.failed, self.fault = status.failed, status.fault

    def reprint_button(self):
        """The reprint button on show (each orientation has its own place for it)."""
        box = self.ids.fault_portrait if self.ids.fault_portrait.shown else self.ids.fault_landscape
        return box.ids.reprint

    def on_touch_down(self, touch):
        if super().on_touch_down(touch):  # the reprint button
            return True
        if self.collide_point(*touch.pos):
            App.get_running_app().controller.dismiss_ticket()
            return True
        return False
