"""Time the dashboard's pages in Chromium against a bare Streamlit page, and the server's memory.

    python bench/bench_pages.py [--repeat 5] [--skip-memory]

Two servers run side by side on a throwaway copy of the demo store: the dashboard (app.py) and
bench/bare_page.py (5 metrics and a 26-row table). Each load is a fresh browser context; "fully
drawn" means the script has run and finished, and every chart, image and table on the page has
been drawn. Prints the median of N warm loads and its ratio to the bare page's, then the median
page switch and each page's quarter change against the same rerun of the bare app (a switch
to its other page, a quarter change that changes every figure; also against a rerun that
changes nothing), then the server's resident memory after every page has been opened in both
languages at two quarters.
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

# Records, in page time, when the script last started running: a rerun counts only once the
# script has run since the click.
RECORD_RUNS = """
window.__ranAt = -1;
new MutationObserver(records => {
  // A fast rerun may start and end before this runs: its record still has the old value.
  if (records.some(r => r.oldValue === 'running' || r.target.dataset.testScriptState === 'running'))
    window.__ranAt = performance.now();
}).observe(document, {attributes: true, attributeOldValue: true, subtree: true,
                      attributeFilter: ['data-test-script-state']});
"""
# performance.now() once the page is fully drawn after `since`, else false.
DRAWN = """
([since, sign]) => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  // Ran since: its state went through 'running', or (a rerun too fast to show that) the
  // page shows the text that only this run writes.
  const ran = sign ? document.body.innerText.includes(sign) : window.__ranAt > since;
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
    cpu = browser_cpu(devtools)
    since = page.evaluate("performance.now()")
    act()
    took = wait_drawn(page, since, sign) / 1000
    return took, browser_cpu(devtools) - cpu


def bare_reruns(browser, url: str, repeat: int) -> dict[str, list[tuple[float, float]]]:
    """The bare app's reruns: a switch to its other page, a quarter change, a rerun with nothing
    changed."""
    context, page, devtools, _ = session(browser, url)
    nav = page.get_by_test_id("stSidebarNav")
    quarter = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox")
    times = {"switch": [], "quarter": [], "nothing": []}
    for n in range(repeat + 1):
        shown = QUARTERS[0]
        for k in (1, 0):
            link = nav.locator("a").nth(k)
            times["switch"].append(after(page, devtools, link.click, f"{shown} · page {k}"))
        for shown in (QUARTERS[1], QUARTERS[0]):
            quarter.click()
            option = page.get_by_role("option", name=shown).first
            option.wait_for(state="visible")
            times["quarter"].append(after(page, devtools, option.click, f"{shown} · page 0"))
        button = page.get_by_role("button", name="rerun")
        times["nothing"].append(after(page, devtools, button.click, f"reruns: {n + 1} "))
    context.close()
    return {name: values[2:] if name != "nothing" else values[1:] for name, values in times.items()}


def dashboard_reruns(browser, url: str, repeat: int) -> dict[str, list[tuple[float, float]]]:
    """Page switches by page, then quarter changes on each page, in one session, as a leader
    clicks through."""
    context, page, devtools, _ = session(browser, f"{url}/?plan={PLAN}&as_of={QUARTERS[0]}")
    nav = page.get_by_test_id("stSidebarNav")
    times = {f"switch to {name or 'cockpit'}": [] for name in (*LEADER_PAGES, "")}
    # The first round is not counted: the first page with a chart loads Plotly's script
    # (about 1 s of browser CPU), once per browser tab.
    for round_ in range(repeat + 1):
        for name in (*LEADER_PAGES, ""):
            link = nav.locator(f"a[href$='/{name}']").first
            took = after(page, devtools, link.click)
            if round_:
                times[f"switch to {name or 'cockpit'}"].append(took)
    quarter = (
        page.get_by_test_id("stSidebar")
        .get_by_test_id("stSelectbox")
        .filter(has=page.get_by_test_id("stWidgetLabel").get_by_text("评估季度", exact=True))
    )
    # A quarter change on each page, the overview first (the session ended the rounds there).
    for name in ("", *LEADER_PAGES):
        if name:
            after(page, devtools, nav.locator(f"a[href$='/{name}']").first.click)
        changes = []
        for n in range(repeat + 1):  # the first change of a page is not counted (caches)
            quarter.click()
            option = page.get_by_role("option", name=QUARTERS[(n + 1) % 2]).first
            option.wait_for(state="visible")
            changes.append(after(page, devtools, option.click))
        times[f"quarter change ({name or 'overview'})"] = changes[1:]
    context.close()
    return times


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


def reruns(bare: dict[str, list], ours: dict[str, list]) -> None:
    """Print each rerun's median against the bare app's same kind of rerun, and against its
    rerun that changes nothing."""
    medians = {
        name: (median([t for t, _ in times]), median([c for _, c in times]))
        for name, times in (bare | ours).items()
    }
    nothing, _ = medians["nothing"]
    print(f"\n{'rerun':<34} {'median s':>9} {'x bare':>7} {'goal':>6} {'x no-op':>8}", end="")
    print(f" {'browser CPU s':>14}")
    for name, (took, cpu) in medians.items():
        kind = "switch" if name.startswith("switch") else "quarter"
        label = f"bare app: {name}" if name in bare else name
        ratio = f"{took / medians[kind][0]:7.2f} {'1.5x':>6}" if name in ours else f"{'':>14}"
        print(f"{label:<34} {took:9.2f} {ratio} {took / nothing:8.2f} {cpu:14.2f}")


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
            bare_times = bare_reruns(browser, bare_url, args.repeat)
            ours = dashboard_reruns(browser, app_url, args.repeat)
            b, bw = (median([x[i] for x in bare_loads]) for i in (0, 1))
            o, ow = (median([x[i] for x in overview_loads]) for i in (0, 1))
            print(f"{'page load':<34} {'median s':>9} {'x bare':>7} {'goal':>6}", end="")
            print("   browser CPU s, x bare")
            print(f"{'bare page, fully drawn':<34} {b:9.2f} {1:7.2f} {'':>6} {bw:7.2f} {1:6.2f}")
            print(f"{'overview, fully drawn':<34} {o:9.2f} {o / b:7.2f} {'1.5x':>6}", end="")
            print(f" {ow:7.2f} {ow / bw:6.2f}")
            reruns(bare_times, ours)
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
