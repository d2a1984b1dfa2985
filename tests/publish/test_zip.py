"""GET /manage/guides.zip: the manager downloads the whole published set."""

from __future__ import annotations

import io
import zipfile

import zxingcpp
from PIL import Image

from .conftest import login


async def test_manager_downloads_the_guides_zip(app_client):
    r = await app_client.get("/manage/guides.zip")
    assert r.status == 401
    await login(app_client, "w1")
    r = await app_client.get("/manage/guides.zip")
    assert r.status == 403 and "中心负责人" in await r.text()  # a Chinese page: a download link, not the API
    await login(app_client, "boss")
    r = await app_client.get("/manage/guides.zip")
    assert r.status == 200, await r.text()
    assert r.headers["Content-Type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(await r.read()))
    names = set(z.namelist())
    assert {"guides/index.html", "guides/handbook.pdf", "guides/guides/A1.html", "guides/cards/H2.pdf"} <= names
    assert sum(n.startswith("guides/qr/") for n in names) == 24
    assert not any(n.endswith(".print.html") for n in names)
    qr = zxingcpp.read_barcodes(Image.open(io.BytesIO(z.read("guides/qr/B2.png"))))
    assert [c.text for c in qr] == ["http://10.1.1.1:8000/g/B2"]  # the server's public address
