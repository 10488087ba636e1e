"""Time the dashboard's pages in Chromium against a bare Streamlit page, and the server's memory.

    python bench/bench_pages.py [--repeat 5] [--skip-memory]

Two servers run side by side on a throwaway copy of the demo store: the dashboard (app.py) and
bench/bare_page.py (5 metrics and a 26-row table), both with the repository's server settings
(.streamlit/config.toml), so that a ratio is what the pages cost over Streamlit's own. Each load
is a fresh browser context; "fully drawn" means the script has run and finished, and every
chart, image and table on the page has been drawn. Prints the median of N warm loads and its
ratio to the bare page's, then the median page switch and each page's quarter change against the
same rerun of the bare app (a switch to its other page, a quarter change that changes every
figure; also against a rerun that changes nothing; taken in its own tab between the dashboard's
reruns), then the server's resident memory after every page has been opened in both languages at
two quarters.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kpi.store import db  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1400, "height": 900}
PLAN = "zhanjiang-dt-2023"
QUARTERS = ("2025Q4", "2025Q3")
LEADER_PAGES = ("indicator", "sectors", "tasks", "warnings", "reports", "final", "method")
WRITE_PAGES = (
    "entry",
    "upload",
    "submissions",
    "task_update",
    "audit",
    "targets",
    "plans",
    "users",
)

# Records, in page time, when the script last started running and when the server last said
# a run finished: a rerun counts only once the script has run since the click. The page's own
# state attribute sometimes shows no change at all for a fast run that did happen, so the end of
# a run is also read from the server's messages: a ForwardMsg whose field 6 (script_finished)
# is set.
RECORD_RUNS = """
window.__ranAt = -1;
window.__finishedAt = -1;
window.__changedAt = 0;
new MutationObserver(records => {
  window.__changedAt = performance.now();
  // A fast rerun may start and end before this runs: its record still has the old value.
  if (records.some(r => r.oldValue === 'running' || r.target.dataset.testScriptState === 'running'))
    window.__ranAt = performance.now();
}).observe(document, {attributes: true, attributeOldValue: true, subtree: true,
                      attributeFilter: ['data-test-script-state']});
const finishes = bytes => {  // the top-level fields of one protobuf message
  let at = 0;
  const varint = () => {
    let value = 0, shift = 0, byte;
    do { byte = bytes[at++]; value += (byte & 127) * 2 ** shift; shift += 7; } while (byte & 128);
    return value;
  };
  while (at < bytes.length) {
    const tag = varint(), field = Math.floor(tag / 8), wire = tag % 8;
    if (field === 6 && wire === 0) return true;
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 2) at += varint();
    else if (wire === 5) at += 4;
    else return false;
  }
  return false;
};
const Socket = window.WebSocket;
window.WebSocket = function (...args) {
  const socket = new Socket(...args);
  socket.addEventListener('message', event => {
    if (event.data instanceof ArrayBuffer && finishes(new Uint8Array(event.data)))
      window.__finishedAt = performance.now();
  });
  return socket;
};
window.WebSocket.prototype = Socket.prototype;
Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
"""
# True once the script has not run for a while: a click then starts a rerun of its own.
QUIET = """
() => document.querySelector("[data-testid='stApp']")?.dataset.testScriptState === 'notRunning'
      && performance.now() - window.__changedAt > 200
"""

# performance.now() once the page is fully drawn after `since`, else false.
DRAWN = """
([since, sign]) => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  // Ran since: its state went through 'running' or the server said a run finished, or the
  // page shows the text that only this run writes.
  const ran = sign
    ? document.body.innerText.includes(sign)
    : window.__ranAt > since || window.__finishedAt > since;
  if (!ran) return false;
  const main = "[data-testid='stMainBlockContainer'] [data-testid='stElementContainer']";
  if (!document.querySelector(main)) return false;
  const shown = id => [...document.querySelectorAll(`[data-testid='${id}']`)].filter(
    e => e.checkVisibility());  // not inside a closed expander or tab
  if (shown('stSkeleton').length) return false;
  if (shown('stPlotlyChart').some(chart => !chart.querySelector('.main-svg'))) return false;
  if (shown('stDataFrame').some(grid => !grid.querySelector('canvas'))) return false;
  for (const img of document.images) if (!img.complete) return false;
  // The overview's cards: one element whose HTML is drawn in its own (shadow) tree.
  for (const host of shown('stBidiComponentIsolated')) {
    const tree = host.shadowRoot;
    if (!tree || !tree.querySelector('.grid > *')) return false;
    if ([...tree.querySelectorAll('img')].some(img => !img.complete)) return false;
  }
  return performance.now();
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(script: str, store: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true"]
        + ["--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
        + ["--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=REPO,
        env={**os.environ, "KPI_DB": str(store)},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{script} did not start; see {log}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def wait_drawn(page, since: float, sign: str = "", timeout: float = 60_000) -> float:
    """Milliseconds from `since` (page time) until the page is fully drawn."""
    handle = page.wait_for_function(DRAWN, arg=[since, sign], polling="raf", timeout=timeout)
    return handle.json_value() - since


def session(browser, url: str):
    """(context, page, devtools, seconds) of a fresh browser context showing `url`: the seconds
    from navigation start until the page is fully drawn."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(RECORD_RUNS)
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("Performance.enable")
    page.goto(url)
    return context, page, devtools, wait_drawn(page, 0) / 1000


def browser_cpu(devtools) -> float:
    """Seconds the page's main thread has been busy so far (Chrome's TaskDuration)."""
    metrics = devtools.send("Performance.getMetrics")["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "TaskDuration")


def load(browser, url: str) -> tuple[float, float]:
    """Seconds from navigation start until the page is fully drawn, in a fresh context, and
    the seconds the page's main thread was busy meanwhile (CPU work, which drifts less than
    wall time when other processes share the machine)."""
    context, page, devtools, took = session(browser, url)
    if page.get_by_test_id("stException").count():
        raise RuntimeError(f"{url} shows an exception")
    cpu = browser_cpu(devtools)
    context.close()
    return took, cpu


def after(page, devtools, act, sign: str = "") -> tuple[float, float]:
    """(seconds, browser CPU seconds) from `act()` until the rerun it causes is fully drawn."""
    page.bring_to_front()  # two tabs are open: a tab in the background draws nothing
    page.wait_for_function(QUIET, polling=50, timeout=30_000)
    cpu = browser_cpu(devtools)
    since = page.evaluate("performance.now()")
    act()
    took = wait_drawn(page, since, sign) / 1000
    return took, browser_cpu(devtools) - cpu


class BareApp:
    """The bare app in its own tab: a switch to its other page, a quarter change that changes
    every figure, a rerun with nothing changed. Each is taken next to the dashboard's reruns of
    the same kind, so that drift in the machine's speed hits both alike."""

    def __init__(self, browser, url: str) -> None:
        self.context, self.page, self.devtools, _ = session(browser, url)
        self.nav = self.page.get_by_test_id("stSidebarNav")
        self.quarter = self.page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox")
        self.shown, self.reruns = QUARTERS[0], 0

    def switch(self) -> list[tuple[float, float]]:
        """To the other page and back."""
        took = []
        for k in (1, 0):
            link = self.nav.locator("a").nth(k)
            took.append(after(self.page, self.devtools, link.click, f"{self.shown} · page {k}"))
        return took

    def quarter_change(self) -> tuple[float, float]:
        self.shown = QUARTERS[1] if self.shown == QUARTERS[0] else QUARTERS[0]
        self.quarter.click()
        option = self.page.get_by_role("option", name=self.shown).first
        option.wait_for(state="visible")
        return after(self.page, self.devtools, option.click, f"{self.shown} · page 0")

    def nothing(self) -> tuple[float, float]:
        self.reruns += 1
        button = self.page.get_by_role("button", name="rerun")
        return after(self.page, self.devtools, button.click, f"reruns: {self.reruns} ")


def reruns_side_by_side(browser, bare_url: str, url: str, repeat: int) -> tuple[dict, list]:
    """({rerun: (the dashboard's times, the bare app's times of the same kind taken between
    them)}, the bare app's reruns that change nothing): page switches by page, then quarter
    changes on each page, in one session, as a leader clicks through; the bare app reruns in
    its own tab between the clicks."""
    bare = BareApp(browser, bare_url)
    context, page, devtools, _ = session(browser, f"{url}/?plan={PLAN}&as_of={QUARTERS[0]}")
    nav = page.get_by_test_id("stSidebar")  # kpi.web.context.page_links: relative, with the view
    names = (*LEADER_PAGES, "")
    switches = {name: [] for name in names}
    bare_switches, nothing = [], []
    # The first round is not counted: the first page with a chart loads Plotly's script
    # (about 1 s of browser CPU), once per browser tab.
    for round_ in range(repeat + 1):
        for name in names:
            link = nav.locator(f"a[href^='{name or 'overview'}?']").first
            took = after(page, devtools, link.click)
            bare_took = bare.switch()
            if round_:
                switches[name].append(took)
                bare_switches += bare_took
        nothing.append(bare.nothing())
    times = {
        f"switch to {name or 'cockpit'}": (took, bare_switches) for name, took in switches.items()
    }
    quarter = (
        page.get_by_test_id("stSidebar")
        .get_by_test_id("stSelectbox")
        .filter(has=page.get_by_test_id("stWidgetLabel").get_by_text("评估季度", exact=True))
    )
    # A quarter change on each page, the overview first (the session ended the rounds there).
    for name in ("", *LEADER_PAGES):
        if name:
            after(page, devtools, nav.locator(f"a[href^='{name}?']").first.click)
        changes, bare_changes = [], []
        for n in range(repeat + 1):  # the first change of a page is not counted (caches)
            quarter.click()
            shown = QUARTERS[(n + 1) % 2]
            option = page.get_by_role("option", name=shown).first
            option.wait_for(state="visible")
            # The page's caption names the quarter (a run too fast to be seen still counts).
            changes.append(after(page, devtools, option.click, f"评估季度：{shown}"))
            bare_changes.append(bare.quarter_change())
        times[f"quarter change ({name or 'overview'})"] = (changes[1:], bare_changes[1:])
    context.close()
    bare.context.close()
    return times, nothing[1:]


def visit_everything(browser, url: str) -> int:
    """Open every page, in both languages, at two quarters. Returns the number of loads."""
    count = 0
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(RECORD_RUNS)
    page = context.new_page()
    for lang in ("zh", "en"):
        for quarter in QUARTERS:
            for name in ("", *LEADER_PAGES, *WRITE_PAGES):
                page.goto(f"{url}/{name}?plan={PLAN}&as_of={quarter}&lang={lang}")
                wait_drawn(page, 0)
                count += 1
    context.close()
    return count


def median(values: list[float]) -> float:
    return statistics.median(values)


def reruns(times: dict[str, tuple], bare_nothing: list[tuple[float, float]]) -> None:
    """Print each rerun's median against the median of the bare app's same kind of rerun taken
    between its own, and against the bare app's rerun that changes nothing."""
    nothing = median([t for t, _ in bare_nothing])
    print(f"\n{'rerun':<30} {'median s':>9} {'bare s':>7} {'x bare':>7} {'goal':>5}", end="")
    print(f" {'x no-op':>8} {'browser CPU s':>14} {'bare':>5}")
    for name, (ours, bare) in times.items():
        took, cpu = median([t for t, _ in ours]), median([c for _, c in ours])
        bare_took, bare_cpu = median([t for t, _ in bare]), median([c for _, c in bare])
        print(f"{name:<30} {took:9.2f} {bare_took:7.2f} {took / bare_took:7.2f}", end="")
        print(f" {'1.5x':>5} {took / nothing:8.2f} {cpu:14.2f} {bare_cpu:5.2f}")
    print(f"{'bare app: a rerun that changes nothing':<47} {nothing:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kpi-pages-"))
    store = work / "dashboard.duckdb"
    db.ensure_database(store, with_demo=True)
    app, app_url = start("app.py", store, work / "app.log")
    bare, bare_url = start("bench/bare_page.py", store, work / "bare.log")
    overview = f"{app_url}/?plan={PLAN}&as_of={QUARTERS[0]}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            load(browser, bare_url), load(browser, overview)  # warm both servers
            bare_loads, overview_loads = [], []
            for _ in range(args.repeat):  # interleaved, so that drift hits both alike
                bare_loads.append(load(browser, bare_url))
                overview_loads.append(load(browser, overview))
            side_by_side, bare_nothing = reruns_side_by_side(
                browser, bare_url, app_url, args.repeat
            )
            b, bw = (median([x[i] for x in bare_loads]) for i in (0, 1))
            o, ow = (median([x[i] for x in overview_loads]) for i in (0, 1))
            print(f"{'page load':<34} {'median s':>9} {'x bare':>7} {'goal':>6}", end="")
            print("   browser CPU s, x bare")
            print(f"{'bare page, fully drawn':<34} {b:9.2f} {1:7.2f} {'':>6} {bw:7.2f} {1:6.2f}")
            print(f"{'overview, fully drawn':<34} {o:9.2f} {o / b:7.2f} {'1.5x':>6}", end="")
            print(f" {ow:7.2f} {ow / bw:6.2f}")
            reruns(side_by_side, bare_nothing)
            if not args.skip_memory:
                fresh = rss_mb(app.pid)
                loads = visit_everything(browser, app_url)
                time.sleep(2)  # sessions of closed tabs are dropped
                visited = f"every page, zh+en, {' and '.join(QUARTERS)}"
                print(f"\nserver memory (RSS): {fresh:.0f} MB before any visit, ", end="")
                print(f"{rss_mb(app.pid):.0f} MB after {loads} page loads ({visited});", end="")
                print(f" goal 400 MB. The bare page's server: {rss_mb(bare.pid):.0f} MB")
            browser.close()
    finally:
        for process in (app, bare):
            process.terminate()
            process.wait(timeout=10)
    print(f"\nmachine load (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
