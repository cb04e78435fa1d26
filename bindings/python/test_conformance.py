"""The conformance vectors (tests/conformance/*.json) through the generated Python bindings.

Run by scripts/test after scripts/bindings: `python3 -m pytest bindings/python`. Each vector gets
a fresh `minihost platform serve --in-memory` on loopback and a fresh HostCore; every step goes
through the bindings and is judged by the same matcher as the Rust and Kotlin runners.
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "target" / "bindings" / "python"))
import minihost_ffi as ffi  # noqa: E402

MINIHOST = os.environ.get("MINIHOST_BIN", str(ROOT / "target" / "debug" / "minihost"))
VECTORS = sorted((ROOT / "tests" / "conformance").glob("*.json"))


@pytest.fixture
def platform():
    proc = subprocess.Popen(
        [MINIHOST, "platform", "serve", "--addr", "127.0.0.1:0", "--in-memory"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = proc.stdout.readline().strip()
    assert line.startswith("platform listening on "), line
    yield line[len("platform listening on "):]
    proc.kill()
    proc.wait()


def http(base, step):
    data, headers = None, {}
    if step.get("form") is not None:
        data = urllib.parse.urlencode(step["form"]).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif step.get("json") is not None:
        data = json.dumps(step["json"]).encode()
        headers["Content-Type"] = "application/json"
    if step.get("bearer"):
        headers["Authorization"] = "Bearer " + step["bearer"]
    req = urllib.request.Request(base + step["path"], data=data, headers=headers, method=step.get("method", "GET"))
    try:
        with urllib.request.urlopen(req) as res:
            return json.loads(res.read())
    except urllib.error.HTTPError as e:
        return json.loads(e.read())


def answer(value):
    if isinstance(value, str):
        return {
            "allow": ffi.SheetAnswer.ALLOW(),
            "deny": ffi.SheetAnswer.DENY(),
            "dismiss": ffi.SheetAnswer.DISMISS(),
            "ad_ended": ffi.SheetAnswer.AD_ENDED(),
        }[value]
    if "sign_in" in value:
        return ffi.SheetAnswer.SIGN_IN(username=value["sign_in"])
    return ffi.SheetAnswer.TOP_UP(tier_id=value["top_up"])


def write_app(vector, folder):
    (folder / "minis.config.json").write_text(json.dumps(vector["config"]))
    (folder / "index.html").write_text("<!doctype html><title>Conformance</title>")
    for name, content in (vector.get("files") or {}).items():
        text = content if isinstance(content, str) else content["repeat"] * content["times"]
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def effects(batch):
    return json.loads(batch.effects_json)


def asset(r):
    return {
        "status": r.status,
        "reason": r.reason,
        "headers": {h.name.lower(): h.value for h in r.headers},
        "body_len": len(r.body),
        "body_prefix": bytes(r.body[:32]).decode("utf-8", "replace"),
    }


@pytest.mark.parametrize("app_origin", [None, "minihost://app"], ids=["https-origin", "custom-scheme"])
@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_vector(path, app_origin, platform):
    vector = json.loads(path.read_text())
    for step in vector.get("setup") or []:
        http(platform, step)
    host = vector.get("host") or {}
    with tempfile.TemporaryDirectory() as app, tempfile.TemporaryDirectory() as data:
        write_app(vector, pathlib.Path(app))
        core = ffi.HostCore(
            ffi.HostConfig(
                app_dir=app,
                app_package=None,
                data_dir=data,
                platform_url=platform,
                pairing_token=None,
                transport=ffi.Transport.ANDROID,
                consent={"allow": ffi.Consent.ALLOW, "deny": ffi.Consent.DENY}.get(host.get("consent"), ffi.Consent.ASK),
                user=host["user"] if "user" in host else "alice",
                dark=False,
                client_key=None,
                app_origin=app_origin,
            ),
            None,
        )
        origin = core.app_origin()
        variables = json.dumps({"app": origin})
        for i, raw in enumerate(vector["steps"]):
            step = json.loads(ffi.conformance_substitute(json.dumps(raw), variables))
            page = step.get("page", f"{origin}/index.html")
            kind = step["do"]
            if kind == "message":
                text = step["raw"] if "raw" in step else json.dumps(step["message"])
                actual = effects(core.handle_message(page.encode(), text.encode()))
            elif kind == "answer":
                actual = effects(core.answer_sheet(step["sheet"], answer(step["answer"])))
            elif kind == "ready":
                actual = effects(core.sheet_ready(step["sheet"]))
            elif kind == "asset":
                actual = asset(core.resolve_asset(step["url"], step.get("range")))
            elif kind == "intercept":
                r = core.intercept_request(step["url"], step.get("range"))
                actual = None if r is None else asset(r)
            elif kind == "request_allowed":
                actual = core.is_request_allowed(step["url"])
            elif kind == "navigation_allowed":
                actual = core.is_navigation_allowed(step["url"])
            elif kind == "menu":
                actual = effects(core.menu_chosen(step["id"]))
            elif kind == "title":
                actual = effects(core.title_changed(step["title"]))
            elif kind == "http":
                actual = http(platform, step)
            elif kind == "script":
                actual = core.document_start_script()
            else:
                raise AssertionError(f"unknown step {kind}")
            m = ffi.conformance_match(json.dumps(step["expect"]), json.dumps(actual), variables)
            assert m.ok, f"{path.name} at {origin}, step {i} ({kind}): {m.message}"
            variables = m.vars_json


def test_bad_config_is_one_clear_error(tmp_path, platform):
    (tmp_path / "minis.config.json").write_text('{"dev": {"port": true}}')
    (tmp_path / "index.html").write_text("<title>x</title>")
    with pytest.raises(ffi.MinihostError.App) as err:
        ffi.HostCore(
            ffi.HostConfig(app_dir=str(tmp_path), app_package=None, data_dir=str(tmp_path / "data"), platform_url=platform,
                           pairing_token=None, transport=ffi.Transport.IOS, consent=ffi.Consent.ASK, user="alice",
                           dark=False, client_key=None, app_origin=None),
            None,
        )
    assert "dev.port" in str(err.value) and "minis.config.json:1:" in str(err.value)


def test_host_ui_is_called_for_chrome_effects(tmp_path, platform):
    (tmp_path / "minis.config.json").write_text('{"dev": {"clientKey": "ui-calls"}, "domain": {"trustedDomains": []}}')
    (tmp_path / "index.html").write_text("<title>x</title>")

    class Ui(ffi.HostUi):
        def __init__(self):
            self.calls = []

        def show_sheet(self, id, sheet_json):
            self.calls.append(("show", id, json.loads(sheet_json)["kind"]))

        def close_sheet(self, id):
            self.calls.append(("close", id))

        def redraw_navbar(self, navbar_json):
            self.calls.append(("navbar", json.loads(navbar_json)["background"]))

        def set_theme(self, dark):
            self.calls.append(("theme", dark))

    ui = Ui()
    core = ffi.HostCore(
        ffi.HostConfig(app_dir=str(tmp_path), app_package=None, data_dir=str(tmp_path / "data"), platform_url=platform,
                       pairing_token=None, transport=ffi.Transport.ANDROID, consent=ffi.Consent.ASK, user=None,
                       dark=False, client_key=None, app_origin=None),
        ui,
    )
    page = core.start_url() + "index.html"
    assert page == "https://app.minihost.invalid/index.html"
    core.handle_message(page.encode(), json.dumps({"id": 1, "method": "login", "params": {}}).encode())
    core.answer_sheet(1, ffi.SheetAnswer.DISMISS())
    core.handle_message(page.encode(), json.dumps(
        {"id": 2, "method": "setNavigationBarColor", "params": {"frontColor": "#ffffff", "backgroundColor": "#112233"}}).encode())
    assert ui.calls == [("show", 1, "login"), ("close", 1), ("navbar", "#112233")], ui.calls
    assert "MinihostAndroid" in core.document_start_script()
    layout = core.navbar_layout(ffi.ScreenMetrics(android=True, width=412, height=915, status_bar_height=24,
                                                  bottom_inset=16, pixel_ratio=2.625))
    assert layout.capsule.left + layout.capsule.width == 412 - 7 and layout.app.top == 24 + 44, layout
