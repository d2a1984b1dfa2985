"""GET /manage/guides.zip: the manager downloads the whole published set."""

from __future__ import annotations

import io
import re
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
    index = z.read("guides/index.html").decode("utf-8")
    assert "监督评价" in index and "投诉答复率 —" in index  # no complaint yet: nothing to count


async def test_the_exported_index_publishes_the_months_figures(app_client):
    """Issue 12's published results: one complaint, answered, makes a 100% reply rate."""
    r = await app_client.post("/api/complaints", json={"kind": "complaint", "text": "等候区太冷"})
    assert r.status == 201, await r.text()
    await login(app_client, "boss")
    [entry] = await (await app_client.get("/api/complaints")).json()
    r = await app_client.post(f"/api/complaints/{entry['id']}/reply", json={"text": "已调高温度"})
    assert r.status == 200, await r.text()
    r = await app_client.get("/manage/guides.zip")
    assert r.status == 200, await r.text()
    index = zipfile.ZipFile(io.BytesIO(await r.read())).read("guides/index.html").decode("utf-8")
    figures = re.search(r'<p id="month-results">([^<]*)</p>', index)
    assert figures is not None, index[:2000]
    assert "满意率 —（评价 0 次，默认好评 0 次），投诉答复率 100.0%" in figures.group(1)
    assert re.search(r"（截至 \d{4}-\d{2}-\d{2}）$", figures.group(1))


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
