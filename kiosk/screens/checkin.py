"""预约取号: the big numeric keypad for a booking's 6-digit code (layout in checkin.kv)."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.checkin import KEY_TEXT, KEYS, CheckinModel
from kiosk.screens.widgets import BigButton


class KeypadKey(BigButton):
    key = StringProperty()


class CheckinScreen(Screen):
    shown = StringProperty()
    hint = StringProperty()
    busy = BooleanProperty(False)

    def on_kv_post(self, base_widget: object) -> None:
        for key in KEYS:
            self.ids.keypad.add_widget(KeypadKey(key=key, text=KEY_TEXT.get(key, key)))

    def set_model(self, model: CheckinModel) -> None:
        self.shown, self.hint, self.busy = model.shown, model.hint, model.busy

    def keys(self) -> dict[str, KeypadKey]:
        return {k.key: k for k in self.ids.keypad.children}
