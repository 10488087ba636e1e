"""What one element of each kind costs the browser when a page is switched to, in Chromium.

    python bench/bench_elements.py [--repeat 5]

bench/element_costs.py has a bare page and a page of 20 elements per kind. Each kind's page is
switched to from the bare page and back, N times; the browser's CPU time of a switch to the bare
page, measured in the same rounds, is the baseline. Prints per kind the median switch and the
cost of one element: (switch to the kind's page - switch to the bare page) / 20. The dashboard's
choices follow from it: plain tables as HTML, a segmented control for sections, one chart at a
time.
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_pages  # noqa: E402
import element_costs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kpi-elements-"))
    app, url = bench_pages.start(
        str(Path(__file__).with_name("element_costs.py")), work / "none", work / "app.log"
    )
    cpu: dict[str, list[float]] = {kind: [] for kind in ["base", *element_costs.KINDS]}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=bench_pages.CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            context, page, devtools, _ = bench_pages.session(browser, url)
            nav = page.get_by_test_id("stSidebarNav")
            base = nav.locator("a[href$='/']").first
            for round_ in range(args.repeat + 1):  # the first round loads each kind's scripts
                for kind in element_costs.KINDS:
                    link = nav.locator(f"a[href$='/{element_costs.url_path(kind)}']").first
                    _, there = bench_pages.after(page, devtools, link.click, f"page:{kind}")
                    _, back = bench_pages.after(page, devtools, base.click, "page:base")
                    if round_:
                        cpu[kind].append(there)
                        cpu["base"].append(back)
            browser.close()
    finally:
        app.terminate()
        app.wait(timeout=10)
    floor = statistics.median(cpu["base"])
    print(f"{'switch to':<24} {'browser CPU ms':>15} {'per element ms':>15}")
    print(f"{'bare page':<24} {floor * 1000:15.0f}")
    for kind in element_costs.KINDS:
        took = statistics.median(cpu[kind])
        each = (took - floor) * 1000 / element_costs.COUNT
        print(f"{f'{element_costs.COUNT} x {kind}':<24} {took * 1000:15.0f} {each:15.1f}")


if __name__ == "__main__":
    main()
