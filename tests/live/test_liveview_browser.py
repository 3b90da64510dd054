"""The live view and the report in a real browser: Debian's headless Chromium driven by
chromedriver (selenium). Skips, saying why, only where chromium or chromedriver is absent.

Set GLASSGRAD_SCREENSHOTS=docs/_static to (re)make the documentation's screenshots."""

import os
import shutil
import threading
import time

import numpy as np
import pytest

from glassgrad import explain, live, nn, optim, train
from glassgrad.data.synthetic import make_moons
from glassgrad.explain import fmt

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver "
    "(apt-get install chromium chromium-driver); not installed here")
FLAGS = ("--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
         "--disable-background-networking --disable-component-update --disable-sync "
         "--window-size=1400,1700").split()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _wait(cond, timeout=30.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = cond()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _errors(driver):
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _screenshot(driver, name):
    folder = os.environ.get("GLASSGRAD_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        driver.save_screenshot(os.path.join(folder, name))


def _q(driver, css):
    return driver.find_elements("css selector", css)


def _js(driver, code):
    return driver.execute_script(code)


def _check_trace(driver, model, x, y, layer, unit):
    """Click neuron ``unit`` of ``layer`` and compare its trace with explain.trace computed here
    on the model as it is now (sample 0 of the probe = the first training sample)."""
    _q(driver, f'.neuron[data-layer="{layer}"][data-unit="{unit}"]')[0].click()
    _wait(lambda: _q(driver, "#trace-neuron td[data-key=delta]"), what="the trace table")
    t = explain.trace(model, x[:1], y[:1].reshape(1, 1), nn.BCELoss())
    L = t.layers[layer - 1]
    shown = {td.get_attribute("data-key"): td.text for td in _q(driver, "#trace-neuron td")}
    for key, arr in (("z", L.z), ("a", L.a), ("da_dz", L.da_dz), ("dE_da", L.dE_da),
                     ("delta", L.delta)):
        assert shown[key] == fmt(float(arr[0, unit]), 4), key
    rows = _q(driver, "#trace-weights tr")[1:]
    assert len(rows) == L.weight.shape[1] + 1  # the bias and every incoming weight
    cells = [td.text for td in rows[0].find_elements("css selector", "td")]
    assert cells[2] == fmt(float(L.bias[unit]), 4)
    assert cells[3] == fmt(float(L.grad_bias[unit]), 4)
    last = [td.text for td in rows[-1].find_elements("css selector", "td")]
    assert last[2] == fmt(float(L.weight[unit, -1]), 4)
    assert last[3] == fmt(float(L.grad_weight[unit, -1]), 4)


def test_live_page_and_report_in_chromium(browser, tmp_path):
    x, y = make_moons(240, noise=0.15, seed=0)
    x, y = x.astype(np.float32), y.astype(np.float32)
    model = nn.Sequential(nn.Linear(2, 6), nn.Tanh(), nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 1),
                          nn.Sigmoid())
    view = train.LiveView(path=tmp_path, start_paused=True, min_interval=0.05, echo=None,
                          title="moons, 2-6-4-1")
    done = threading.Event()

    def go():
        try:
            train.fit(model, nn.BCELoss(), optim.Adam(model.parameters(), lr=0.05),
                      train=(x, y), epochs=30, batch_size=24, metrics=["accuracy"], verbose=0,
                      shuffle=False, callbacks=[view])
        finally:
            done.set()

    thread = threading.Thread(target=go, daemon=True)
    thread.start()
    d = browser
    try:
        d.get(view.url)
        # the network diagram: a map per neuron (2 + 6 + 4 + 1), an edge per weight
        _wait(lambda: len(_q(d, "#network .neuron canvas")) == 13, what="the neuron maps")
        assert len(_q(d, "#edges path")) == 2 * 6 + 6 * 4 + 4 * 1
        assert _q(d, "#decision") and d.find_element("id", "status").text.startswith("paused")
        before = _js(d, "return document.querySelector('.neuron[data-layer=\"1\"] canvas')"
                        ".toDataURL()")
        value0 = _q(d, '.neuron[data-layer="3"]')[0].get_attribute("data-value")
        seq0 = int(d.find_element("tag name", "body").get_attribute("data-seq"))
        # one step: exactly one batch, then paused with a fresh snapshot
        d.find_element("id", "step").click()
        _wait(lambda: int(d.find_element("tag name", "body").get_attribute("data-seq")) > seq0,
              what="the snapshot after one step")
        _wait(lambda: "step 1 " in d.find_element("id", "status").text, 5,
              what="step 1: " + d.find_element("id", "status").text)
        assert view.step == 1 and not done.is_set()
        assert _q(d, '.neuron[data-layer="3"]')[0].get_attribute("data-value") != value0
        # paused: the model is idle, so its trace now is what the page must show
        _check_trace(d, model, x, y, layer=2, unit=1)
        _check_trace(d, model, x, y, layer=3, unit=0)
        d.find_element("id", "run").click()
        assert done.wait(60)
        _wait(lambda: d.find_element("tag name", "body").get_attribute("data-state") ==
              "finished", what="the finished state")
        after = _js(d, "return document.querySelector('.neuron[data-layer=\"1\"] canvas')"
                       ".toDataURL()")
        assert after != before  # the neuron's map changed as it learned
        _wait(lambda: len(_q(d, "#curves polyline")) >= 2, what="loss and accuracy curves")
        _check_trace(d, model, x, y, layer=1, unit=4)
        _screenshot(d, "live_view.png")
        assert _errors(d) == []
    finally:
        if not done.is_set():
            view._command({"action": "resume"})
        thread.join(30)
        view.close()

    # the static report of the same run, from a file, with no server and no network
    path = live.write_report(tmp_path, tmp_path / "report.html", title="moons, 2-6-4-1")
    d.get("file://" + os.path.abspath(path))
    _wait(lambda: len(_q(d, "#network .neuron canvas")) == 13, what="the report's neuron maps")
    assert _js(d, "return performance.getEntriesByType('resource').length") == 0
    n = int(d.find_element("id", "slider").get_attribute("max")) + 1
    assert n >= 3
    _js(d, "const s = document.getElementById('slider'); s.value = 0;"
           "s.dispatchEvent(new Event('input'))")
    assert d.find_element("tag name", "body").get_attribute("data-seq") == "0"
    first = _js(d, "return document.getElementById('decision').toDataURL()")
    _js(d, f"const s = document.getElementById('slider'); s.value = {n - 1};"
           "s.dispatchEvent(new Event('input'))")
    assert _js(d, "return document.getElementById('decision').toDataURL()") != first
    _check_trace(d, model, x, y, layer=2, unit=3)  # the last snapshot = the final model
    assert "No problems found" in d.find_element("id", "findings").text or \
        _q(d, "#findings .finding")
    _screenshot(d, "report.png")
    assert _errors(d) == []


def _gru():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn, self.fc = nn.GRU(3, 6, batch_first=True), nn.Linear(6, 1)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.fc(out[:, -1])

    return Net()


@pytest.mark.parametrize("kind", ["image", "sequence"])
def test_report_of_image_and_sequence_models_in_chromium(browser, tmp_path, kind):
    if kind == "image":
        from glassgrad.data.digits import load_digits

        x, y = load_digits()
        x, y = x[:256], y[:256]
        model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(64, 10))
        loss = nn.CrossEntropyLoss()
    else:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((64, 10, 3)).astype(np.float32)
        y = x[:, :, 0].sum(axis=1, keepdims=True)
        model, loss = _gru(), nn.MSELoss()
    train.fit(model, loss, optim.Adam(model.parameters(), lr=0.01), train=(x, y), epochs=2,
              batch_size=32, verbose=0, callbacks=[live.SnapshotRecorder(tmp_path, every=1)])
    path = live.write_report(tmp_path, title=f"{kind} model")
    d = browser
    d.get("file://" + os.path.abspath(path))
    if kind == "image":
        # the sample, 4 feature maps, 4 filters; the conv channels' maps in the diagram
        _wait(lambda: len(_q(d, "#output .maps canvas")) == 1 + 4 + 4, what="feature maps")
        assert len(_q(d, '#network .neuron[data-layer="1"] canvas')) == 4
        _screenshot(d, "report_cnn.png")
    else:
        _wait(lambda: len(_q(d, "#output canvas")) == 1, what="the hidden-state map")
        assert "10" in d.find_element("id", "output").text  # time steps
    _q(d, '.neuron[data-layer="1"][data-unit="0"]')[0].click()
    assert "trace" in d.find_element("id", "trace").text  # why there is no trace table
    assert _q(d, "#trace-neuron td[data-key=a]")
    assert _errors(d) == []
