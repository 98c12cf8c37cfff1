"""The campaign_roi pack's key journey in a real browser: with core_crm and campaign_roi
installed with their sample data, the marketing manager opens the campaign dashboard
from the dashboards page and reads each campaign's ROI and the won revenue shared out
by first touch, last touch and linear attribution, drawn as charts (Chart.js has
painted the bars, not only placed a canvas), then the campaign itself in the pack's
ROI layout."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Site
from tests.catalog.support import install, trusted_key

#: What Chart.js drew on a chart's canvas: its datasets and whether any pixel is painted.
DRAWN = """canvas => {
  const chart = Chart.getChart(canvas);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) { painted++; } }
  return {labels: chart ? chart.data.labels : [], painted: painted,
          datasets: chart ? chart.data.datasets.map(d => ({label: d.label, data: d.data})) : []};
}"""


def test_the_marketing_manager_reads_roi_and_attribution(
        site: Site, shot: Callable[[Any, str], None]) -> None:
    api = site.api
    key = trusted_key(site.tenant.services)
    install(api, key, "objectry.core_crm")
    install(api, key, "objectry.campaign_roi")
    site.add_user("zhang.xiao@example.com", roles=["campaign_manager"], name="Zhang Xiao")

    page = site.page()
    site.sign_in(page, "zhang.xiao@example.com")
    page.goto(f"{site.url}/app/dashboards")
    page.get_by_role("link", name="Campaign ROI").click()
    expect(page.get_by_role("heading", name="Campaign ROI", exact=True)).to_be_visible()
    roi = page.locator("article.chart", has=page.get_by_role("heading", name="ROI by campaign"))
    expect(roi.locator("canvas")).to_be_visible()
    attribution = page.locator("article.chart[data-chart-type=attribution]")
    expect(attribution.get_by_role("heading",
                                   name="Won revenue by attribution model")).to_be_visible()
    canvas = attribution.locator("canvas")
    expect(canvas).to_be_visible()
    drawn = canvas.evaluate(DRAWN)
    assert [d["label"] for d in drawn["datasets"]] == ["First touch", "Last touch", "Linear"]
    assert "春季新品线上发布会" in drawn["labels"]
    totals = [sum(d["data"]) for d in drawn["datasets"]]
    assert totals[0] > 0 and max(totals) - min(totals) < 1, totals  # all of it shared out
    assert drawn["datasets"][0]["data"] != drawn["datasets"][1]["data"]  # models disagree
    assert drawn["painted"] > 1000, "the attribution chart's canvas is blank"
    roi_drawn = roi.locator("canvas").evaluate(DRAWN)
    assert roi_drawn["painted"] > 1000 and any(v for v in roi_drawn["datasets"][0]["data"])
    # the figures behind the bars, readable without the chart
    expect(attribution.locator("table.chart-data thead")).to_contain_text("First touch")
    shot(page, "dashboard")

    page.goto(f"{site.url}/app/o/campaign")
    page.get_by_role("link", name="春季新品线上发布会").first.click()
    expect(page.get_by_role("heading", name="春季新品线上发布会")).to_be_visible()
    page.get_by_role("link", name="Campaign ROI").click()  # the pack's layout
    main = page.locator("main")
    expect(main.get_by_role("heading", name="Cost", exact=True)).to_be_visible()
    for label in ("Won revenue", "Workload cost", "Total cost", "ROI", "Cost per lead"):
        expect(main.get_by_text(label, exact=True)).to_be_visible()
    shot(page, "campaign-roi-layout")
