"""The matters of one category as big rows, plus "不确定，先取号"."""

from __future__ import annotations

from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.present import MattersModel
from kiosk.screens.widgets import Tappable


class MatterButton(Tappable):
    category = StringProperty()
    code = ObjectProperty(None, allownone=True)  # None: a ticket with no matter
    text = StringProperty()
    unsure = BooleanProperty(False)


class MattersScreen(Screen):
    category = StringProperty()
    title = StringProperty()
    subtitle = StringProperty()
    priority = BooleanProperty(False)

    def set_model(self, model: MattersModel) -> None:
        self.category, self.title = model.category, model.title
        self.subtitle, self.priority = model.subtitle, model.priority
        rows = self.ids.rows
        rows.clear_widgets()
        for row in model.rows:
            rows.add_widget(
                MatterButton(category=model.category, code=row.code, text=row.text, unsure=row.code is None)
            )
        self.ids.rows.parent.scroll_y = 1
