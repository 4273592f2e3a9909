"""The files users have: prices, platform exports, column mappings, Excel workbooks.

Platform samples in tests/fixtures/formats/ are written from each platform's
documented export header (see pipelines/importing/platforms.py).
"""

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter

from pipelines.catalog import products as catalog
from pipelines.catalog.product_rules import clean_price, first_problem
from pipelines.db import connection
from pipelines.importing.columns import HeaderNotRecognized, Mapping
from pipelines.importing.csv_records import FileRefused
from pipelines.importing.landing import scan_landing
from pipelines.importing.profiles import load_profile, save_profile
from pipelines.importing.validation import validate_file

FORMATS = Path(__file__).parent / "fixtures" / "formats"


@pytest.fixture
def profiles(tmp_path, monkeypatch):
    folder = tmp_path / "profiles"
    monkeypatch.setenv("PROFILES_DIR", str(folder))
    return folder


def sample(name: str, landing_file) -> Path:
    return landing_file(name, (FORMATS / name).read_bytes())


def events(db_url, event_type):
    with connection.connect(db_url) as conn:
        return [
            r["payload"] for r in conn.execute("SELECT payload FROM events WHERE type = %s ORDER BY id", (event_type,))
        ]


# --- price ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("19.99", "19.99"),
        ("19.90", "19.90"),
        ("0", "0"),
        (".5", ".5"),
        ("12,50", "12.50"),
        ("0,500", "0.500"),
        ("1234,567", "1234.567"),
        ("1,234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1,234,567", "1234567"),
        ("1.234.567", "1234567"),
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50", "1234.50"),
        ("$12.50", "12.50"),
        ("12,50 €", "12.50"),
        ("", None),
    ],
)
def test_prices_accepted_and_how_they_are_stored(given, stored):
    assert first_problem("A", "B", "", given) is None
    assert clean_price(given) == stored


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("-3", "price '-3' is negative"),
        ("1,234", "price '1,234' is ambiguous"),
        ("abc", "price 'abc' is not a number"),
        ("1.2.3", "price '1.2.3' is not a number"),
        ("1e5", "price '1e5' is not a number"),
        ("12.1234567", "price '12.1234567' has more than 6 decimal places"),
        ("1234567890123456", "more than 15 digits before the decimal point"),
    ],
)
def test_prices_refused_name_the_price(given, reason):
    assert reason in first_problem("A", "B", "", given)


def test_price_round_trips_exactly_and_a_file_without_prices_keeps_them(run_job, landing_file, products, db_url):
    run_job(landing_file("one.csv", "sku,name,price\nA,Alpha,19.90\nB,Beta,0.10\nC,Gamma,5\n"))
    assert {k: str(r["price"]) for k, r in products().items()} == {"a": "19.90", "b": "0.10", "c": "5"}
    completed = events(db_url, "upload.completed")[-1]
    assert completed["columns"] == {"sku": "sku", "name": "name", "price": "price"}
    row = run_job(landing_file("two.csv", "sku,name\nA,Alpha renamed\nB,Beta\n"))
    assert (row["updated"], row["unchanged"]) == (1, 1)
    assert products()["a"]["name"] == "Alpha renamed" and products()["a"]["price"] == Decimal("19.90")
    assert "price" not in events(db_url, "upload.completed")[-1]["columns"]
    row = run_job(landing_file("three.csv", "sku,name,price\nA,Alpha renamed,\nB,Beta,0.1\n"))
    # Empty means no price; 0.1 is the same amount as 0.10, so B is unchanged.
    assert (row["updated"], row["unchanged"]) == (1, 1)
    assert products()["a"]["price"] is None and str(products()["b"]["price"]) == "0.10"


def test_a_bad_price_rejects_its_row_only(run_job, landing_file, products):
    row = run_job(landing_file("p.csv", 'sku,name,price\nA,Alpha,12.5\nB,Beta,-1\nC,Gamma,"1,234"\n'))
    assert (row["status"], row["rows_valid"], row["rows_rejected"]) == ("succeeded", 1, 2)
    with Path(row["rejects_path"]).open(newline="") as handle:
        rejects = {r["line"]: r for r in csv.DictReader(handle)}
    assert rejects["3"]["reason"] == "price '-1' is negative" and rejects["3"]["raw"] == "B,Beta,-1"
    assert rejects["3"]["price"] == "'-1"  # a spreadsheet would run -1 as a formula
    assert rejects["4"]["reason"].startswith("price '1,234' is ambiguous") and rejects["4"]["price"] == "1,234"
    assert set(products()) == {"a"}


def test_app_edits_price_with_the_same_rule_and_events_carry_it_as_text(db_url):
    product = catalog.create_product(db_url, "P-1", "Pen", price="2,50")
    assert product["price"] == Decimal("2.50")
    with pytest.raises(catalog.ProductError, match="Price 'x' is not a number"):
        catalog.update_product(db_url, product["id"], "P-1", "Pen", "", True, "x")
    updated = catalog.update_product(db_url, product["id"], "P-1", "Pen", "", True, "3")
    assert updated["price"] == Decimal("3")
    assert catalog.set_active(db_url, product["id"], False)["price"] == Decimal("3")  # kept
    cleared = catalog.update_product(db_url, product["id"], "P-1", "Pen", "", False, "")
    assert cleared["price"] is None
    payloads = events(db_url, "product.updated")
    assert [(p["previous"]["price"], p["product"]["price"]) for p in payloads] == [
        ("2.50", "3"),
        ("3", "3"),
        ("3", None),
    ]


def test_products_filter_by_price_range_and_sort_by_price(db_url):
    for sku, price in [("A", "5"), ("B", "1.50"), ("C", ""), ("D", "20"), ("E", "1.50")]:
        catalog.create_product(db_url, sku, f"Product {sku}", price=price)
    by_price = catalog.ProductOrder("price")
    everything = catalog.page_after(db_url, catalog.ProductFilter(), None, 10, by_price)
    assert [r["sku"] for r in everything] == ["B", "E", "A", "D", "C"]  # no price last
    dearest = catalog.page_after(db_url, catalog.ProductFilter(), None, 2, catalog.ProductOrder("price", True))
    assert [r["sku"] for r in dearest] == ["C", "D"]
    # Keyset paging over equal prices: the id breaks the tie, nothing is skipped or repeated.
    first = catalog.page_after(db_url, catalog.ProductFilter(), None, 1, by_price)
    second = catalog.page_after(db_url, catalog.ProductFilter(), catalog.cursor_of(first[-1]), 2, by_price)
    back = catalog.page_before(db_url, catalog.ProductFilter(), catalog.cursor_of(second[0]), 5, by_price)
    assert [r["sku"] for r in first + second] == ["B", "E", "A"] and [r["sku"] for r in back] == ["B"]
    ranged = catalog.ProductFilter(price_min="1,5", price_max="5")
    assert {r["sku"] for r in catalog.page_after(db_url, ranged)} == {"A", "B", "E"}
    assert catalog.count_products(db_url, ranged).label() == "3"
    with pytest.raises(catalog.ProductError, match="Minimum price 'cheap' is not a price"):
        catalog.count_products(db_url, catalog.ProductFilter(price_min="cheap"))


# --- platform exports ------------------------------------------------------------------


def test_shopify_export_variants_take_their_handles_title_and_image_rows_are_not_products(
    run_job, landing_file, products
):
    row = run_job(sample("shopify_products_export.csv", landing_file))
    assert row["status"] == "succeeded" and row["file_format"] == "Shopify product export"
    assert (row["rows_seen"], row["rows_skipped"], row["rows_rejected"], row["created"]) == (6, 2, 0, 4)
    assert "without a Variant SKU" in row["skipped_reason"]
    found = products()
    assert {k: (r["sku"], r["name"], str(r["price"])) for k, r in found.items()} == {
        "obs-s": ("OBS-S", "Ocean Blue Shirt", "50.00"),
        "obs-m": ("OBS-M", "Ocean Blue Shirt", "50.00"),
        "obs-l": ("OBS-L", "Ocean Blue Shirt", "52.50"),
        "cvt-001": ("CVT-001", "Classic Varsity Top", "60.00"),
    }
    assert found["obs-l"]["description"].startswith("<p>Ocean blue cotton shirt")
    assert 'with "sporty" stripes' in found["cvt-001"]["description"]
    assert row["columns_used"] == {
        "sku": "Variant SKU",
        "name": "Title",
        "description": "Body (HTML)",
        "price": "Variant Price",
    }


def test_shopify_title_is_inherited_across_blocks(tmp_path):
    header = (FORMATS / "shopify_products_export.csv").read_text().splitlines()[0]
    width = header.count(",") + 1
    lines = [header]
    for n in range(400):
        cells = [""] * width
        cells[0], cells[14], cells[20] = f"handle-{n // 4}", f"SKU-{n}", "1.00"
        if n % 4 == 0:
            cells[1] = f"Product {n // 4}"
        lines.append(",".join(cells))
    path = tmp_path / "shopify.csv"
    path.write_text("\n".join(lines) + "\n")
    from pipelines.importing.validation import check_file

    checked = check_file(path, chunk_chars=2048)  # many small blocks: a handle spans two of them
    valid = [row for block in checked.chunks for row in block.valid.iter_rows(named=True)]
    assert len(valid) == 400 and all(r["name"] == f"Product {int(r['sku'][4:]) // 4}" for r in valid)


def test_woocommerce_export_imports_its_prices_and_variations(run_job, landing_file, products):
    row = run_job(sample("woocommerce_product_export.csv", landing_file))
    assert row["file_format"] == "WooCommerce product export" and row["created"] == 4
    found = {k: (r["name"], None if r["price"] is None else str(r["price"])) for k, r in products().items()}
    assert found == {
        "woo-beanie": ("Beanie", "20"),
        "woo-hoodie": ("Hoodie", None),
        "woo-hoodie-blue": ("Hoodie - Blue", "45"),
        "woo-hoodie-green": ("Hoodie - Green", "45.50"),
    }
    assert "Sale price" in row["ignored_columns"]


def test_magento_store_view_rows_never_overwrite_the_default_row(run_job, landing_file, products):
    for attempt in range(2):  # imported twice: the second time nothing changes
        row = run_job(sample("magento_catalog_product.csv", landing_file))
        assert row["file_format"] == "Magento / Adobe Commerce catalog_product export"
        assert (row["rows_skipped"], row["rows_rejected"]) == (2, 0)
        assert (row["created"], row["unchanged"]) == ((3, 0) if attempt == 0 else (0, 3))
    bag = products()["24-mb01"]
    assert bag["name"] == "Joust Duffle Bag" and bag["description"].startswith("<p>The sporty Joust")
    assert str(bag["price"]) == "34.000000"


def test_akeneo_export_columns_follow_the_locale_channel_and_currency_settings(
    run_job, landing_file, products, monkeypatch
):
    row = run_job(sample("akeneo_products.csv", landing_file))
    assert row["file_format"] == "Akeneo product export" and row["created"] == 3
    bag = products()["1111111171"]
    assert (bag["name"], bag["description"], str(bag["price"])) == ("Bag", "<p>Large black leather bag.</p>", "29.90")
    monkeypatch.setenv("AKENEO_LOCALE", "fr_FR")
    monkeypatch.setenv("AKENEO_CURRENCY", "USD")
    row = run_job(sample("akeneo_products.csv", landing_file))
    assert row["columns_used"]["name"] == "name-fr_FR" and row["columns_used"]["price"] == "price-USD"
    assert (products()["1111111171"]["name"], str(products()["1111111173"]["price"])) == ("Sac", "15.00")


def test_akeneo_without_the_locales_name_column_says_which_setting_chooses_it(tmp_path, monkeypatch):
    monkeypatch.setenv("AKENEO_LOCALE", "de_DE")
    path = tmp_path / "akeneo.csv"
    path.write_text("sku;categories;enabled;family;name-en_US\n1;c;1;f;Bag\n")
    with pytest.raises(FileRefused, match="'name-de_DE' or 'name' column.*AKENEO_LOCALE"):
        validate_file(path)


# --- mapping ---------------------------------------------------------------------------


def test_a_header_without_sku_or_name_asks_for_a_mapping_and_a_mapping_reads_it(tmp_path):
    path = tmp_path / "erp.csv"
    path.write_text('Item No.;Bezeichnung;Netto\n4711;Kölnisch Wasser;"12,90"\n')
    with pytest.raises(HeaderNotRecognized, match="no SKU and no name column") as refused:
        validate_file(path)
    assert refused.value.header == ["Item No.", "Bezeichnung", "Netto"]
    mapped = validate_file(path, Mapping({"sku": "item no.", "name": "Bezeichnung", "price": "Netto"}))
    assert mapped.valid.select("sku", "name", "price").rows() == [("4711", "Kölnisch Wasser", "12.90")]
    assert mapped.described_as == "the columns chosen for this import"
    with pytest.raises(FileRefused, match="reads the name from a column 'Title', but the header has no such column"):
        validate_file(path, Mapping({"sku": "Item No.", "name": "Title"}))
    with pytest.raises(ValueError, match="Unknown product field colour"):
        Mapping({"colour": "Farbe"})


def test_a_file_in_a_profiles_landing_subfolder_imports_with_that_profile(
    run_job, landing_file, products, folders, profiles
):
    save_profile("erp", Mapping({"sku": "Item No.", "name": "Bezeichnung", "price": "Netto"}))
    assert json.loads((profiles / "erp.json").read_text())["columns"]["sku"] == "Item No."
    assert load_profile("erp").profile == "erp"
    (Path(folders.landing_dir) / "erp").mkdir()
    path = landing_file("erp/export.csv", 'Item No.,Bezeichnung,Netto\n4711,Kölnisch Wasser,"12,90"\n')
    ready, _ = scan_landing(Path(folders.landing_dir), None, now=path.stat().st_mtime + 10, settle=1)
    assert [file.path for file in ready] == [path]
    row = run_job(path)
    assert row["status"] == "succeeded" and row["file_format"] == "profile 'erp'"
    assert str(products()["4711"]["price"]) == "12.90"
    assert Path(row["file_path"]).parent == Path(folders.processed_dir)


def test_a_subfolder_without_a_profile_reads_the_header_as_usual(run_job, landing_file, folders, profiles):
    (Path(folders.landing_dir) / "shop").mkdir()
    row = run_job(landing_file("shop/p.csv", "sku,name\nA,B\n"))
    assert row["status"] == "succeeded" and row["file_format"] == "columns named like product fields"


# --- Excel -----------------------------------------------------------------------------


def write_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = xlsxwriter.Workbook(path)
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for number, row in enumerate(rows):
            sheet.write_row(number, 0, row)
    book.close()
    return path


def test_xlsx_imports_like_csv_with_row_numbers(run_job, folders, products):
    path = write_workbook(
        Path(folders.landing_dir) / "catalog.xlsx",
        {
            "Products": [
                ["SKU", "Product name", "Price", "Colour"],
                ["00123", "Leading zeros", 19.99, "red"],
                ["B-2", "Bad price", "free", ""],
                [],
                ["C-3", "After an empty row", 7, None],
                ["b-2", "Same SKU, later row wins", 1.5, None],
            ],
            "Notes": [["not", "read"]],
        },
    )
    row = run_job(path)
    assert row["status"] == "succeeded", row["error"]
    assert row["file_format"] == "columns named like product fields, sheet 'Products'"
    assert (row["rows_seen"], row["rows_rejected"], row["created"]) == (4, 1, 3)
    assert {k: (r["sku"], str(r["price"])) for k, r in products().items()} == {
        "00123": ("00123", "19.99"),
        "c-3": ("C-3", "7"),
        "b-2": ("b-2", "1.5"),
    }
    with Path(row["rejects_path"]).open(newline="") as handle:
        (reject,) = csv.DictReader(handle)
    assert (reject["line"], reject["reason"]) == ("3", "price 'free' is not a number")
    assert reject["raw"] == "B-2,Bad price,free,"  # the row's cells as a CSV line
    assert row["ignored_columns"] == ["Colour"]
    assert Path(row["file_path"]).parent == Path(folders.processed_dir)


def test_xlsx_sheet_chosen_by_the_mapping_and_unknown_sheets_refused(tmp_path):
    path = write_workbook(tmp_path / "two.xlsx", {"Intro": [["hello"]], "Items": [["sku", "name"], ["A", "Alpha"]]})
    assert validate_file(path, Mapping(sheet="Items")).valid["sku"].to_list() == ["A"]
    with pytest.raises(FileRefused, match="no sheet 'Nope' \\(its sheets: 'Intro', 'Items'\\)"):
        validate_file(path, Mapping(sheet="Nope"))
    with pytest.raises(HeaderNotRecognized):
        validate_file(path)  # the first sheet has no product columns


def test_a_broken_workbook_is_refused_with_a_message(run_job, landing_file, products):
    row = run_job(landing_file("broken.xlsx", b"PK\x03\x04 this is not really a zip archive"))
    assert row["status"] == "failed" and "not a readable .xlsx file" in row["error"]
    assert products() == {}
