"""GET /manage/guides.zip: the manager downloads the whole published set."""

from __future__ import annotations

import io
import zipfile

import zxingcpp
from PIL import Image

from bianmin.center import load_center
from bianmin.protocol import GuideInfo

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


async def test_guide_api_and_phone_page_carry_the_laws_and_notes(app_client):
    r = await app_client.get("/api/guides/B2")
    assert r.status == 200
    guide = GuideInfo.from_dict(await r.json())
    assert guide.policy_basis == "《中华人民共和国契税法》" and guide.sample
    assert guide.materials == list(load_center().matters["B2"].guide.materials)
    r = await app_client.get("/api/guides/ZZ")
    assert r.status == 404 and (await r.json())["error"]["code"] == "unknown_matter"
    page = await (await app_client.get("/g/E1")).text()
    assert "城乡居民基本医疗保险" in page and "《中华人民共和国社会保险法》" in page
