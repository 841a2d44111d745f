"""Listing, sizes and costs over real HTTP."""

from __future__ import annotations

import os
import time

import pytest

from .helpers import names, put, region_root

KEY_HEADERS = {"X-API-Key": "test-key-alice"}


@pytest.fixture
def tree(server, api):
    for path, data in {
        "task1/input.zip": b"i" * 10,
        "task1/output.zip": b"o" * 300,
        "task1/sub/deep/x.txt": b"x" * 5,
        "task2/big.bin": b"b" * 1000,
        "data/a b.txt": b"",
        "data/ü.csv": b"1,2\n",
    }.items():
        assert put(api, path, data).status_code == 200
    root = region_root(server, "test-key-alice")
    # Spread the creation times so the sort orders differ from the name order.
    for i, rel in enumerate(["task2/big.bin", "task1/output.zip", "task1/input.zip"]):
        os.utime(root / rel, (1_700_000_000 + i * 1000,) * 2)
    return root


def test_root_lists_top_level_folders(api, tree):
    listing = api.get("/storage/contents", params={"path": "/", "per_page": 100}).json()
    assert sorted(names(listing)) == ["data", "task1", "task2"]
    assert listing["total_files"] == 3
    assert listing["available_regions"] == ["europe-west1"]
    for entry in listing["contents"]:
        assert entry["is_directory"] is True
        assert entry["provider_id"] == "LOCAL"
        assert entry["region"] == "europe-west1"


def test_folder_names_are_relative_with_or_without_slash(api, tree):
    for path in ("task1", "task1/", "/task1/"):
        listing = api.get("/storage/contents", params={"path": path, "sort_by": "name",
                                                         "order": "asc"}).json()
        assert names(listing) == ["input.zip", "output.zip", "sub"], path
    nested = api.get("/storage/contents", params={"path": "task1/sub"}).json()
    assert names(nested) == ["deep"]


def test_file_path_lists_that_one_file(api, tree):
    listing = api.get("/storage/contents", params={"path": "task1/output.zip"}).json()
    assert listing["total_files"] == 1
    assert listing["contents"][0]["name"] == "output.zip"
    assert listing["contents"][0]["size_bytes"] == 300
    assert listing["contents"][0]["is_directory"] is False


@pytest.mark.parametrize("sort_by, order, expected", [
    ("name", "asc", ["input.zip", "output.zip", "sub"]),
    ("name", "desc", ["sub", "output.zip", "input.zip"]),
    ("size", "asc", ["sub", "input.zip", "output.zip"]),
    ("size", "desc", ["output.zip", "input.zip", "sub"]),
    ("creation_time", "asc", ["output.zip", "input.zip", "sub"]),
    ("creation_time", "desc", ["sub", "input.zip", "output.zip"]),
])
def test_sort_orders(api, tree, sort_by, order, expected):
    listing = api.get("/storage/contents", params={"path": "task1", "sort_by": sort_by,
                                                     "order": order}).json()
    assert names(listing) == expected


def test_recursive_means_folder_sizes_not_a_flat_listing(api, tree):
    listing = api.get("/storage/contents", params={"path": "/", "recursive": "true",
                                                     "sort_by": "size", "order": "desc"}).json()
    sizes = {c["name"]: c["size_bytes"] for c in listing["contents"]}
    assert sizes == {"task2": 1000, "task1": 315, "data": 4}
    assert names(listing) == ["task2", "task1", "data"]
    task2 = next(c for c in listing["contents"] if c["name"] == "task2")
    # A folder's time is its earliest file's.
    assert task2["creation_time"].startswith("2023-11-14T22:13:20")
    flat = api.get("/storage/contents", params={"path": "/", "recursive": "false"}).json()
    assert all(c["size_bytes"] is None for c in flat["contents"])


def test_pagination_is_plain_offset(api, server):
    for i in range(25):
        put(api, f"many/f{i:02d}.txt", b"x")
    seen = []
    for page in (1, 2, 3):
        listing = api.get("/storage/contents", params={
            "path": "many", "sort_by": "name", "order": "asc", "page": page, "per_page": 10,
        }).json()
        assert listing["total_files"] == 25
        seen += names(listing)
    assert seen == [f"f{i:02d}.txt" for i in range(25)]
    # The inductiva client's page=2&per_page=3 overlaps: offset 3, not 10.
    overlap = api.get("/storage/contents", params={"path": "many", "sort_by": "name",
                                                     "order": "asc", "page": 2,
                                                     "per_page": 3}).json()
    assert names(overlap) == ["f03.txt", "f04.txt", "f05.txt"]
    desc = api.get("/storage/contents", params={"path": "many", "sort_by": "name",
                                                  "order": "desc", "page": 3,
                                                  "per_page": 10}).json()
    assert names(desc) == ["f04.txt", "f03.txt", "f02.txt", "f01.txt", "f00.txt"]
    beyond = api.get("/storage/contents", params={"path": "many", "page": 9}).json()
    assert beyond["contents"] == [] and beyond["total_files"] == 25


def test_paginated_variant_maps_names(api, tree):
    listing = api.get("/storage/contents/paginated", params={"path": "data"}).json()
    assert set(listing["contents"]) == {"a b.txt", "ü.csv"}
    assert listing["contents"]["ü.csv"]["size_bytes"] == 4
    assert "name" not in listing["contents"]["ü.csv"]


def test_path_filter(api, tree):
    listing = api.get("/storage/contents", params={"path": "task1", "path_filter": "ZIP"}).json()
    assert sorted(names(listing)) == ["input.zip", "output.zip"]
    assert listing["total_files"] == 2


def test_listing_sees_new_and_removed_files_at_once(api, server):
    put(api, "live/a.txt", b"1")
    assert names(api.get("/storage/contents", params={"path": "live"}).json()) == ["a.txt"]
    put(api, "live/b.txt", b"2")
    listed = names(api.get("/storage/contents", params={"path": "live"}).json())
    assert sorted(listed) == ["a.txt", "b.txt"]
    # A change made behind the server's back is noticed too (folder mtime changes).
    time.sleep(0.01)
    (region_root(server, "test-key-alice") / "live" / "a.txt").unlink()
    assert names(api.get("/storage/contents", params={"path": "live"}).json()) == ["b.txt"]


def test_missing_path_is_404_with_detail(api, tree):
    response = api.get("/storage/contents", params={"path": "nope"})
    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


@pytest.mark.parametrize("params", [
    {"per_page": 0}, {"per_page": 101}, {"page": 0}, {"sort_by": "colour"}, {"order": "up"},
])
def test_bad_listing_parameters_are_422(api, params):
    response = api.get("/storage/contents", params={"path": "/", **params})
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


def test_size_and_cost(api, tree):
    size = api.get("/storage/size")
    assert size.headers["content-type"] == "application/json"
    assert size.json() == 10 + 300 + 5 + 1000 + 0 + 4
    cost = api.get("/storage/cost").json()
    assert cost["currency"] == "USD"
    assert cost["estimated_monthly_cost"] == pytest.approx(1319 / 1e9 * 0.02)


def test_regions_are_separate_and_all_merges_them(api, tree):
    assert put(api, "west/one.txt", b"1", region="us-central1").status_code == 200
    default = names(api.get("/storage/contents", params={"path": "/", "per_page": 100}).json())
    assert "west" not in default
    other = api.get("/storage/contents", params={"path": "/", "region": "us-central1"}).json()
    assert names(other) == ["west"] and other["contents"][0]["region"] == "us-central1"
    both = api.get("/storage/contents", params={"path": "/", "region": "all",
                                                  "sort_by": "name", "order": "asc"}).json()
    assert names(both) == ["data", "task1", "task2", "west"]
    assert both["available_regions"] == ["europe-west1", "us-central1"]
    unknown = api.get("/storage/contents", params={"path": "/", "region": "mars-1"})
    assert unknown.status_code == 422 and "mars-1" in unknown.json()["detail"]
