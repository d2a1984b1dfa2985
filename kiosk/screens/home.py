"""Home: the center's name, today's date, the category tiles and the 绿色通道 button."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.present import HomeModel
from kiosk.screens.widgets import Tappable


class CategoryTile(Tappable):
    code = StringProperty()
    name = StringProperty()
    icon = StringProperty()
    waiting = StringProperty()
    priority = BooleanProperty(False)


class HomeScreen(Screen):
    title = StringProperty()
    date = StringProperty()
    help = StringProperty()
    banner = StringProperty()
    priority = BooleanProperty(False)
    paper_low = BooleanProperty(False)  # the printer says the roll is nearly empty: a mark for staff

    def set_model(self, model: HomeModel) -> None:
        self.title, self.date, self.help = model.title, model.date, model.help
        self.banner, self.priority = model.banner, model.priority
        grid = self.ids.grid
        tiles = list(reversed(grid.children))
        if [t.code for t in tiles] != [t.code for t in model.tiles]:
            grid.clear_widgets()
            tiles = [CategoryTile(code=t.code) for t in model.tiles]
            for tile in tiles:
                grid.add_widget(tile)
        for tile, data in zip(tiles, model.tiles, strict=True):
            tile.name, tile.icon, tile.waiting = data.name, data.icon, data.waiting
            tile.priority = model.priority
