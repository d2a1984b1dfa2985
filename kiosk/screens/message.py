"""Full-screen messages: connecting, server unreachable, office closed, errors."""

from __future__ import annotations

from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.present import MessageModel


class MessageScreen(Screen):
    kind = StringProperty()
    title = StringProperty()
    body = StringProperty()
    phone = StringProperty()
    button = StringProperty()
    action = StringProperty()
    countdown = NumericProperty(0)

    def set_model(self, model: MessageModel) -> None:
        self.kind, self.title, self.body = model.kind, model.title, model.body
        self.phone, self.button, self.action = model.phone, model.button, model.action
