"""handle_message round trips through the Python bindings, the cases of ffi_bench.rs (see bench/ffi/run).

The page's URL and message are encoded on every call, as a shell holding them as str would."""
import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "target" / "bindings" / "python"))
import minihost_ffi as ffi  # noqa: E402

ROUNDS = 3  # each case, interleaved with the others; the median is reported
CASES = [
    ("empty", '{"method":"__report","params":{"kind":"bench","n":%d}}', False),
    ("reply", '{"id":%d,"method":"share","params":{"title":"Episode 4"}}', True),
]

platform_url, app_dir, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
with tempfile.TemporaryDirectory() as data:
    core = ffi.HostCore(ffi.HostConfig(app_dir=app_dir, app_package=None, data_dir=data, platform_url=platform_url,
                                       pairing_token=None, transport=ffi.Transport.ANDROID, consent=ffi.Consent.ASK,
                                       user="alice", dark=False, client_key=None, app_origin=None), None)
    page = core.start_url() + "index.html"
    rounds = {name: [] for name, _, _ in CASES}
    for _ in range(ROUNDS):
        for name, template, has_script in CASES:
            for i in range(1000):
                core.handle_message(page.encode(), (template % i).encode())
            start = time.perf_counter()
            for i in range(calls):
                assert (core.handle_message(page.encode(), (template % i).encode()).page_script is not None) == has_script
            rounds[name].append((time.perf_counter() - start) * 1e6 / calls)
    for name, times in rounds.items():
        times.sort()
        print("python %s %.2f us/call (rounds: %s)" % (name, times[ROUNDS // 2], " ".join("%.2f" % t for t in times)))
