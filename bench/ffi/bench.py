"""handle_message round trips through the Python bindings (see bench/ffi/run)."""
import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "target" / "bindings" / "python"))
import minihost_ffi as ffi  # noqa: E402

platform_url, app_dir, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
with tempfile.TemporaryDirectory() as data:
    core = ffi.HostCore(ffi.HostConfig(app_dir=app_dir, app_package=None, data_dir=data, platform_url=platform_url,
                                       pairing_token=None, transport=ffi.Transport.ANDROID, consent=ffi.Consent.ASK,
                                       user="alice", dark=False, client_key=None, app_origin=None), None)
    page = core.start_url() + "index.html"
    message = lambda i: '{"id":%d,"method":"share","params":{"title":"Episode 4"}}' % i  # noqa: E731
    for i in range(1000):
        core.handle_message(page, message(i))
    start = time.perf_counter()
    for i in range(calls):
        assert len(core.handle_message(page, message(i))) == 1
    print("python %.2f us/call" % ((time.perf_counter() - start) * 1e6 / calls))
