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
        """Show ``model``. While this screen is up, the same rows again (fresh waiting counts
        in the subtitle) keep their widgets and the resident's scroll position."""
        rows = self.ids.rows
        refresh = (
            self.manager is not None
            and self.manager.current == self.name
            and model.category == self.category
            and [(r.code, r.text) for r in reversed(rows.children)] == [(r.code, r.text) for r in model.rows]
        )
        self.category, self.title = model.category, model.title
        self.subtitle, self.priority = model.subtitle, model.priority
        if refresh:
            return
        rows.clear_widgets()
        for row in model.rows:
            rows.add_widget(
                MatterButton(category=model.category, code=row.code, text=row.text, unsure=row.code is None)
            )
        self.ids.rows.parent.scroll_y = 1
