"""The import page in a real browser: upload a small CSV, watch it finish and see its result
(accepted, refused rows with row, field and message); axe-core and a screenshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Console, no_serious_violations, shot, sign_in

# one worker runs this module, so its console server starts once (pytest-xdist)
pytestmark = pytest.mark.xdist_group("test_console_imports")


def test_upload_a_file_and_see_its_result(page: Any, console: Console,
                                          tmp_path: Path) -> None:
    path = tmp_path / "pos.csv"
    path.write_text(
        "订单号,商品编码,数量,单价,币种,收货人,手机,省,市,区,详细地址\n"
        "BR-IMP-1,SKU-00001,1,19.90,CNY,王芳,13800138000,上海市,上海市,浦东新区,世纪大道 1 号\n"
        "BR-IMP-2,SKU-00002,,19.90,CNY,李雷,13912345678,北京市,北京市,朝阳区,建国路 2 号\n",
        encoding="utf-8")
    sign_in(page, console)
    page.click("nav >> text=Imports")
    page.wait_for_url("**/console/imports")
    no_serious_violations(page)
    page.select_option("#f-channel", "jd")
    page.set_input_files("#f-file", str(path))
    page.click("#import-form button[type=submit]")
    page.wait_for_url("**/console/imports/imp_*")
    page.wait_for_selector('#import-progress[data-state="done"]')
    assert page.locator('[data-outcome="created"]').inner_text() == "1"
    row = page.locator('tr[data-row="3"]')
    assert row.inner_text().split("\t") == ["3", "quantity", "is empty"]
    no_serious_violations(page)
    shot(page, "import-result")
