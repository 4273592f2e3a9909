"""End to end in a real browser: Debian's Chromium, headless, driven by Playwright.

Starts the product with `product-importer up`, uploads the real fixture,
waits for "Done", checks a changed file, filters the products, edits one,
opens "New product" and the edited one's history, sorts, deactivates three
at once, deletes all, and follows a larger upload's progress. Saves a
screenshot of each page under docs/screenshots/ (shown in the README).
"""

import csv
import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import REAL_FIXTURES
from test_embedded_and_up import start_up, stop_up, wait_for

from pipelines.catalog import products as catalog
from pipelines.db import connection
from pipelines.importing.sample import write_sample

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"

# Outside CI a machine without Chromium skips this test, saying why; in CI
# (.ci/run installs chromium) it never skips.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (apt-get install chromium)",
    ),
]


@pytest.fixture
def running_product(tmp_path, db_url):
    proc, dagster_port, app_port = start_up(tmp_path, DATABASE_URL=db_url)
    yield f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{dagster_port}"
    stop_up(proc, tmp_path)


def test_upload_check_edit_history_bulk_sort_delete_all_in_a_browser(running_product, db_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    app_url, dagster_url = running_product
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        # A direct link (a bookmark, a refresh) to a page of the freshly
        # started app shows the app's own navigation, not the one Streamlit
        # builds from a pages/ folder.
        direct = browser.new_page()
        direct.goto(f"{app_url}/products")
        expect(direct.get_by_role("heading", name="Products")).to_be_visible(timeout=60_000)
        navigation = direct.locator('[data-testid="stSidebarNav"]')
        for title in ("Import", "Imports", "Products", "Webhooks"):
            expect(navigation.get_by_role("link", name=title, exact=True)).to_be_visible()
        expect(navigation.get_by_text("streamlit app")).to_have_count(0)
        direct.close()

        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(app_url)

        # Import: upload the real file and follow it to "Done".
        expect(page.get_by_role("heading", name="Import products")).to_be_visible(timeout=60_000)
        page.locator("input[type=file]").set_input_files(str(REAL_FIXTURES / "products_1000.csv"))
        expect(page.get_by_text("products_1000.csv")).to_be_visible()
        page.get_by_role("button", name="Import", exact=True).click()
        expect(page.get_by_text(re.compile(r"Done in \d"))).to_be_visible(timeout=120_000)
        expect(page.get_by_text("Created")).to_be_visible()
        page.screenshot(path=SCREENSHOTS / "import.png", full_page=True)
        assert catalog.count_products(db_url, catalog.ProductFilter()).value == 999

        # Check only: what a changed file would do, row by row, before importing it.
        changed = tmp_path / "products_changed.csv"
        some = catalog.page_after(db_url, catalog.ProductFilter(), None, 3)
        with changed.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["sku", "name", "description"])
            writer.writerow(["NEW-SKU-1", "A product not seen before", "new"])
            writer.writerow([some[0]["sku"], "A new name", some[0]["description"]])
            writer.writerows([p["sku"], p["name"], p["description"]] for p in some[1:])
        page.get_by_text("Check only: show what would change").click()
        expect(page.get_by_role("button", name="Check file")).to_be_visible()
        page.locator("input[type=file]").set_input_files(str(changed))
        expect(page.get_by_text("products_changed.csv")).to_be_visible()
        page.wait_for_timeout(500)
        page.get_by_role("button", name="Check file").click()
        expect(page.get_by_text(re.compile(r"New products \(1; first 1"))).to_be_visible(timeout=60_000)
        expect(page.get_by_text(re.compile(r"Changed products \(1; first 1, before → after"))).to_be_visible()
        expect(page.get_by_role("button", name="Download all changes (CSV)")).to_be_visible()
        page.wait_for_timeout(1000)
        page.screenshot(path=SCREENSHOTS / "check.png", full_page=True)
        assert catalog.count_products(db_url, catalog.ProductFilter()).value == 999  # nothing imported
        page.get_by_text("Check only: show what would change").click()

        # Imports: the history shows it.
        page.get_by_role("link", name="Imports").click()
        expect(page.get_by_role("heading", name="Import history")).to_be_visible()
        expect(page.get_by_text("Throughput of successful imports")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Details of import")).to_be_visible(timeout=30_000)
        page.wait_for_timeout(1500)  # let the table and chart draw
        page.screenshot(path=SCREENSHOTS / "imports.png", full_page=True)

        # Products: filter, select the first row, edit it.
        page.get_by_role("link", name="Products").click()
        expect(page.get_by_role("heading", name="Products")).to_be_visible()
        page.get_by_label("SKU contains").fill("involve")
        page.get_by_label("SKU contains").press("Enter")
        expected = catalog.count_products(db_url, catalog.ProductFilter(sku="involve")).label()
        expect(page.get_by_text(f"{expected} matching product")).to_be_visible(timeout=30_000)
        first = catalog.page_after(db_url, catalog.ProductFilter(sku="involve"), 0, 1)[0]
        grid = page.locator("[data-testid=stDataFrame]")
        expect(grid).to_have_count(1)  # the table of the new filter alone (each view has its own)
        expect(grid.locator("td", has_text=first["sku"]).first).to_be_attached()  # its rows are drawn
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first row's selection box
        page.get_by_role("button", name="Edit").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_label("Name")).to_have_value(first["name"])
        dialog.get_by_label("Name").fill("Edited in the browser")
        page.screenshot(path=SCREENSHOTS / "products-edit.png", full_page=True)
        dialog.get_by_role("button", name="Save").click()
        expect(page.get_by_text(f"Saved {first['sku']}")).to_be_visible(timeout=30_000)
        assert catalog.get_product(db_url, first["id"])["name"] == "Edited in the browser"
        page.wait_for_timeout(500)

        # "New product" after that edit opens empty, active.
        page.get_by_role("button", name="New product").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_label("SKU")).to_have_value("")
        expect(dialog.get_by_label("Name")).to_have_value("")
        expect(dialog.get_by_role("checkbox", name="Active")).to_be_checked()
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_have_count(0)

        # Its history (the row is still selected): created by the import, then the edit made here.
        page.get_by_role("button", name="Edit").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_text("History")).to_be_visible()
        # The grid draws on a canvas; its cells are also in an accessible (hidden) table.
        expect(dialog.locator("td", has_text="admin app")).to_be_attached(timeout=30_000)
        expect(dialog.locator("td", has_text="created by an import")).to_be_attached()
        page.wait_for_timeout(500)
        page.screenshot(path=SCREENSHOTS / "products-history.png", full_page=True)
        page.keyboard.press("Escape")

        # Sorted by name; three rows selected and deactivated together.
        page.get_by_label("SKU contains").fill("")
        page.get_by_label("SKU contains").press("Enter")
        expect(page.get_by_text("999 matching products")).to_be_visible(timeout=30_000)
        page.wait_for_timeout(500)
        by_name = catalog.page_after(db_url, catalog.ProductFilter(), None, 3, catalog.ProductOrder(by="name"))
        choose(page, "Sort by", "Name")
        expect(page.get_by_role("combobox", name="Sort by")).to_have_value("Name")
        page.wait_for_timeout(1000)  # the table redraws in the new order
        expect(grid).to_have_count(1)
        expect(grid.locator("td", has_text=by_name[0]["sku"]).first).to_be_attached()
        box = grid.bounding_box()
        for row in range(3):
            page.mouse.click(box["x"] + 18, box["y"] + 35 + 17 + 35 * row)
        page.get_by_role("button", name="Deactivate 3").click()
        expect(page.get_by_text("3 products are now inactive")).to_be_visible(timeout=30_000)
        assert [catalog.get_product(db_url, r["id"])["active"] for r in by_name] == [False, False, False]
        page.wait_for_timeout(500)
        page.screenshot(path=SCREENSHOTS / "products.png", full_page=True)

        # Delete all, behind its confirmation.
        page.get_by_role("button", name="Delete all products").click()
        dialog = page.get_by_role("dialog")
        expect(dialog.get_by_text("What is deleted is kept for 7 days", exact=False)).to_be_visible()
        dialog.get_by_role("button", name="Delete all products").click()
        expect(page.get_by_text("Deleted all 999 products")).to_be_visible(timeout=30_000)
        assert catalog.count_products(db_url, catalog.ProductFilter()).value == 0

        page.get_by_role("link", name="Webhooks").click()
        expect(page.get_by_role("heading", name="Webhooks")).to_be_visible()
        page.screenshot(path=SCREENSHOTS / "webhooks.png", full_page=True)

        # Dagster: the products asset with the import's materialization, and its checks.
        dagster = browser.new_page(viewport={"width": 1400, "height": 1000})
        dagster.goto(f"{dagster_url}/assets/products")
        expect(dagster.get_by_text("Latest materialization")).to_be_visible(timeout=60_000)
        expect(dagster.get_by_text("products_1000.csv", exact=True)).to_be_visible(timeout=30_000)
        dagster.wait_for_timeout(2000)
        assert dagster.get_by_role("dialog").count() == 0  # no first-visit newsletter pop-up
        dagster.screenshot(path=SCREENSHOTS / "dagster-products-asset.png", full_page=True)
        dagster.get_by_role("tab", name="Checks").click()
        for check in ("search_indexes_valid", "no_leftover_staging_tables", "rejected_rows_share"):
            expect(dagster.get_by_text(check).first).to_be_visible(timeout=30_000)
        dagster.wait_for_timeout(1000)
        dagster.screenshot(path=SCREENSHOTS / "dagster-products-checks.png", full_page=True)

        # A larger upload: the bar moves within its stages and says how long is
        # left. A first large file dropped into the landing folder gives the
        # merge a speed to go by.
        first = write_sample(tmp_path / "first_150k.csv", 150_000, seed=1)
        first.rename(tmp_path / "data" / "landing" / first.name)

        def first_done() -> bool:
            with connection.connect(db_url) as conn:
                row = conn.execute("SELECT status FROM imports WHERE file_name = %s", (first.name,)).fetchone()
            return row is not None and row["status"] == "succeeded"

        wait_for(first_done, 180, "the first large import")
        big = write_sample(tmp_path / "catalog_150k.csv", 150_000, seed=2)
        page.get_by_role("link", name="Import", exact=True).click()
        expect(page.get_by_role("heading", name="Import products")).to_be_visible()
        page.locator("input[type=file]").set_input_files(str(big))
        expect(page.get_by_text("catalog_150k.csv")).to_be_visible(timeout=60_000)
        page.wait_for_timeout(500)
        page.get_by_role("button", name="Import", exact=True).click()
        expect(page.get_by_text(re.compile(r"left in this stage"))).to_be_visible(timeout=120_000)
        page.screenshot(path=SCREENSHOTS / "import-progress.png", full_page=True)
        expect(page.get_by_text(re.compile(r"Done in \d"))).to_be_visible(timeout=300_000)
        browser.close()


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the Streamlit selectbox labelled `label`."""
    page.locator('[data-testid="stSelectbox"]').filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_mapping_step_in_a_browser(running_product, db_url, tmp_path):
    """A header the importer does not recognize: choose the columns, save a profile, import."""
    from playwright.sync_api import expect, sync_playwright

    app_url, _ = running_product
    erp = tmp_path / "erp-export.csv"
    erp.write_text(
        'Artikelnummer;Bezeichnung;Beschreibung;Netto;Lager\n4711;Kölnisch Wasser;"Das Original, 100 ml";"12,90";40\n'
        '4712;Seife;Lavendel;"2,50";120\n4713;Bürste;;"7,00";8\n'
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(app_url)
        expect(page.get_by_role("heading", name="Import products")).to_be_visible(timeout=60_000)
        page.locator("input[type=file]").set_input_files(str(erp))
        expect(page.get_by_text("erp-export.csv")).to_be_visible()
        page.get_by_role("button", name="Import", exact=True).click()
        expect(page.get_by_role("heading", name=re.compile("Which column is which"))).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Its header names no SKU or no name column")).to_be_visible()
        choose(page, "SKU (required)", "Artikelnummer")
        choose(page, "Name (required)", "Bezeichnung")
        choose(page, "Description", "Beschreibung")
        choose(page, "Price", "Netto")
        page.get_by_label("Save as profile (optional)").fill("erp-de")
        page.wait_for_timeout(800)
        page.screenshot(path=SCREENSHOTS / "mapping.png", full_page=True)
        page.get_by_role("button", name="Import with these columns").click()
        expect(page.get_by_text(re.compile(r"Done in \d"))).to_be_visible(timeout=120_000)
        expect(page.get_by_text("Read as: profile 'erp-de'")).to_be_visible()
        browser.close()
    soap = catalog.page_after(db_url, catalog.ProductFilter(sku="4712"))[0]
    assert (soap["name"], soap["description"], str(soap["price"])) == ("Seife", "Lavendel", "2.50")
    profile = tmp_path / "data" / "profiles" / "erp-de.json"
    assert '"sku": "Artikelnummer"' in profile.read_text()
