"""查看办事指南: every matter by category; a tap prints that matter's guide, no ticket."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.guides import GuidesModel, GuideStatus
from kiosk.screens.widgets import Tappable, WrapLabel


class GuideButton(Tappable):
    code = StringProperty()
    text = StringProperty()


class GuideHeading(WrapLabel):
    pass


class GuidesScreen(Screen):
    title = StringProperty()
    subtitle = StringProperty()
    status = StringProperty()
    failed = BooleanProperty(False)
    busy = BooleanProperty(False)

    def set_model(self, model: GuidesModel) -> None:
        self.title, self.subtitle = model.title, model.subtitle
        self.status, self.failed, self.busy = "", False, False
        rows = self.ids.rows
        rows.clear_widgets()
        for section in model.sections:
            rows.add_widget(GuideHeading(wrapped=section.title))
            for row in section.rows:
                rows.add_widget(GuideButton(code=row.code, text=row.text))
        self.ids.rows.parent.scroll_y = 1

    def set_status(self, status: GuideStatus) -> None:
        self.status, self.failed, self.busy = status.text, status.failed, status.busy
