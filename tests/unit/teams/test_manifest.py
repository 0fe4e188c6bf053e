"""The Teams app package: the manifest's fields (schema 1.17), the icons as Teams wants them."""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

import pytest

from bot.handlers.teams import icons
from bot.handlers.teams.manifest import (
    COMMANDS,
    PLACEHOLDER_URL,
    SCHEMA_URL,
    Links,
    ManifestError,
    app_version,
    build_manifest,
    links,
    package,
)

APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
SITE = Links(website="https://oncall.acme.test", domain="oncall.acme.test", placeholder=False)
HTTPS = re.compile(r"^https://[^\s/]+")
GUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


def schema_problems(manifest: dict[str, Any]) -> list[str]:
    """What the 1.17 schema would refuse among the fields Teams requires of a bot app (the
    schema itself cannot be downloaded here): required keys, their types, lengths, patterns."""
    problems = []

    def need(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    for key in ("manifestVersion", "version", "id", "developer", "name", "description"):
        need(key in manifest, f"missing {key}")
    for key in ("icons", "accentColor"):
        need(key in manifest, f"missing {key}")
    need(manifest.get("manifestVersion") == "1.17", "manifestVersion")
    need(manifest.get("$schema") == SCHEMA_URL, "$schema")
    need(bool(SEMVER.match(str(manifest.get("version", "")))), "version is not X.Y.Z")
    need(bool(GUID.match(str(manifest.get("id", "")))), "id is not a GUID")
    developer = manifest.get("developer", {})
    need(isinstance(developer.get("name"), str) and 0 < len(developer["name"]) <= 32, "dev name")
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        need(bool(HTTPS.match(str(developer.get(key, "")))), f"developer.{key} is not https")
    name, description = manifest.get("name", {}), manifest.get("description", {})
    need(0 < len(name.get("short", "")) <= 30, "name.short")
    need(len(name.get("full", "")) <= 100, "name.full")
    need(0 < len(description.get("short", "")) <= 80, "description.short")
    need(0 < len(description.get("full", "")) <= 4000, "description.full")
    need(set(manifest.get("icons", {})) == {"color", "outline"}, "icons")
    need(bool(re.match(r"^#[0-9a-fA-F]{6}$", str(manifest.get("accentColor")))), "accentColor")
    need(all(isinstance(d, str) and "/" not in d for d in manifest.get("validDomains", [])), "vd")
    for bot in manifest.get("bots", []):
        need(bool(GUID.match(str(bot.get("botId", "")))), "botId is not a GUID")
        need(set(bot.get("scopes", [])) <= {"personal", "team", "groupChat"}, "bot scopes")
        need(isinstance(bot.get("supportsFiles"), bool), "supportsFiles")
        need(isinstance(bot.get("isNotificationOnly"), bool), "isNotificationOnly")
        for command_list in bot.get("commandLists", []):
            commands = command_list.get("commands", [])
            need(0 < len(commands) <= 10, "at most 10 commands a list")
            for command in commands:
                need(0 < len(command.get("title", "")) <= 32, f"title {command.get('title')}")
                need(0 < len(command.get("description", "")) <= 128, f"description {command}")
    return problems


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    color_type: int
    pixels: list[tuple[int, ...]]


def read_png(data: bytes) -> Png:
    """Parse a PNG (8-bit RGB or RGBA, no interlace): chunks and CRCs checked, rows unfiltered."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    chunks: list[tuple[bytes, bytes]] = []
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert depth == 8 and color_type in (2, 6) and interlace == 0
    channels = 4 if color_type == 6 else 3
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = width * channels
    assert len(raw) == height * (stride + 1)
    previous, pixels = bytearray(stride), []
    for y in range(height):
        kind, row = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = row[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            row[i] = (row[i] + _predict(kind, left, up, corner)) & 0xFF
        pixels += [tuple(row[x : x + channels]) for x in range(0, stride, channels)]
        previous = row
    return Png(width, height, color_type, pixels)


def _predict(kind: int, left: int, up: int, corner: int) -> int:
    if kind == 0:
        return 0
    if kind in (1, 2):
        return left if kind == 1 else up
    if kind == 3:
        return (left + up) // 2
    p = left + up - corner
    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
    return left if pa <= pb and pa <= pc else up if pb <= pc else corner


def test_the_manifest_has_what_the_schema_requires() -> None:
    manifest = build_manifest(APP_ID, SITE, "1.2.3")
    assert schema_problems(manifest) == []
    assert json.loads(json.dumps(manifest)) == manifest


def test_the_check_finds_what_teams_refuses() -> None:
    manifest = build_manifest(APP_ID, SITE, "1.2.3")
    broken = {k: v for k, v in manifest.items() if k != "accentColor"}
    broken["version"] = "1.2"
    broken["developer"] = {**manifest["developer"], "privacyUrl": "http://oncall.acme.test"}
    broken["bots"] = [{**manifest["bots"][0], "botId": "oncall-bot"}]
    assert schema_problems(broken) == [
        "missing accentColor",
        "version is not X.Y.Z",
        "developer.privacyUrl is not https",
        "accentColor",
        "botId is not a GUID",
    ]


def test_the_app_id_is_the_bot_id_in_every_scope() -> None:
    manifest = build_manifest(f" {APP_ID} ", SITE, "0.1.0")
    assert manifest["id"] == APP_ID
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    assert (bot["supportsFiles"], bot["isNotificationOnly"]) == (False, False)
    (commands,) = bot["commandLists"]
    assert commands["scopes"] == ["personal", "team", "groupChat"]
    assert [c["title"] for c in commands["commands"]] == [
        "who", "schedule", "swap", "override", "timeoff", "ack", "resolve", "page", "stats", "help"
    ]  # fmt: skip


def test_the_command_words_are_the_routers() -> None:
    from bot.commands.router import SUBCOMMANDS

    missing = [title for title, _ in COMMANDS if title not in SUBCOMMANDS]
    assert missing in ([], ["stats"])  # stats: CONTRACT.md's Chat word, its command to come


@pytest.mark.parametrize("app_id", [None, "", "  ", "oncall-bot", APP_ID + "0", APP_ID[:-1]])
def test_no_manifest_without_a_guid_app_id(app_id: str | None) -> None:
    with pytest.raises(ManifestError, match="MICROSOFT_APP_ID"):
        build_manifest(app_id, SITE, "0.1.0")


def test_the_name() -> None:
    manifest = build_manifest(APP_ID, SITE, "0.1.0", name="Acme pager")
    assert manifest["name"]["short"] == "Acme pager"
    assert manifest["name"]["full"].startswith("Acme pager: ")
    assert build_manifest(APP_ID, SITE, "0.1.0", name="x" * 30)["name"]["short"] == "x" * 30
    for bad in ("", "x" * 31):
        with pytest.raises(ManifestError, match="--name"):
            build_manifest(APP_ID, SITE, "0.1.0", name=bad)


def test_links_take_https_and_stand_in_for_http() -> None:
    public = links("https://oncall.acme.test:8443/", "https://oncall.acme.test:8443")
    assert public == Links("https://oncall.acme.test:8443", "oncall.acme.test", False)
    manifest = build_manifest(APP_ID, public, "0.1.0")
    assert set(manifest["developer"].values()) == {"oncall", "https://oncall.acme.test:8443"}
    assert manifest["validDomains"] == ["oncall.acme.test"]
    assert links(None, "http://127.0.0.1:8080") == Links(PLACEHOLDER_URL, None, True)
    assert links("http://oncall.lan", "http://oncall.lan") == Links(
        PLACEHOLDER_URL, "oncall.lan", True
    )
    assert build_manifest(APP_ID, links(None, "http://x:1"), "0.1.0")["validDomains"] == []


@pytest.mark.parametrize(
    ("package_version", "expected"),
    [("0.1.0", "0.1.0"), ("0.1.0.dev3", "0.1.0"), ("2.1", "2.1.0"), ("01.2.3", "1.2.3"),
     ("1.2.3rc1", "1.2.3"), ("unknown", "0.0.0")],
)  # fmt: skip
def test_app_version(package_version: str, expected: str) -> None:
    assert app_version(package_version) == expected


def test_the_package_holds_the_manifest_and_the_icons_at_its_root() -> None:
    manifest = build_manifest(APP_ID, SITE, "0.1.0")
    data = package(manifest)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["manifest.json", "color.png", "outline.png"]
        assert json.loads(archive.read("manifest.json")) == manifest
        assert archive.read("color.png") == icons.color_icon()
        assert archive.read("outline.png") == icons.outline_icon()
    assert package(manifest) == data  # the same manifest, the same bytes


def test_the_colour_icon_is_192_square_and_in_colour() -> None:
    image = read_png(icons.color_icon())
    assert (image.width, image.height) == (192, 192)
    assert len(image.pixels) == 192 * 192
    colours = {pixel[:3] for pixel in image.pixels}
    assert {icons.ACCENT, icons.WHITE, icons.ALERT} <= colours


def test_the_outline_icon_is_32_square_white_on_transparent() -> None:
    image = read_png(icons.outline_icon())
    assert (image.width, image.height, image.color_type) == (32, 32, 6)  # 6: RGBA
    opaque = [p for p in image.pixels if p[3] != 0]
    assert all(p == (255, 255, 255, 255) for p in opaque)
    assert 0.1 < len(opaque) / len(image.pixels) < 0.6  # a drawing, not a blank or a block
    assert image.pixels[0][3] == 0  # the corner is background


def test_the_png_reader_sees_colour_in_an_outline() -> None:
    grey = icons.png(2, 1, [bytes((255, 255, 255, 255, 128, 128, 128, 255))], alpha=True)
    assert read_png(grey).pixels == [(255, 255, 255, 255), (128, 128, 128, 255)]
    with pytest.raises(ValueError, match="rows"):
        icons.png(2, 1, [bytes(3)], alpha=True)
