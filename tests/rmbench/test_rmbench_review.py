"""The review page (in a real headless browser, from file://, offline) and importing its decisions."""

import json
import shutil
import time

import pytest

from recode.io import DataError
from recode.rmbench.pairs import Pair, Side, make_header, read_pairs, write_pairs
from recode.rmbench.review import apply_decisions, candidates_digest, read_decisions, write_review_page

HOSTILE = "</script><script>window.HACKED = 1</script><!-- & \u2028"


def _candidates(tmp_path, n=4):
    pairs = [Pair(f"leetcode/t{i}:{i}>{i + 10}", f"Problem {i}: {HOSTILE}",
                  Side(f"good reasoning {i} {HOSTILE}", "def f(): pass", True, 1.0, "pass", i),
                  Side(f"bad reasoning {i}", "def f(): 1/0", False, 0.0, "runtime_error", i + 10,
                       "ZeroDivisionError: division by zero"),
                  task_id=f"leetcode/t{i}", mode="pass_fail", difficulty="Easy", date="2024-08-04",
                  judge={"model": "j", "outcome": 1.0, "verdicts": ["A", "B"],
                         "rationale_chosen_first": "A is right", "rationale_chosen_second": "B is right"})
             for i in range(n)]
    header = make_header("lcb-rb", "v1", {"generator": {"model": "smollm2"}}, {"pairs": n})
    path = tmp_path / "candidates.jsonl"
    write_pairs(path, pairs, header)
    return path, header, pairs


def _decisions(tmp_path, pairs, choices, name="decisions.json", **extra):
    doc = {"format": "rmbench-decisions", "benchmark": "lcb-rb", "version": "v1",
           "candidates_digest": candidates_digest(pairs),
           "decisions": {p.pair_id: {"decision": c, "note": ""} for p, c in zip(pairs, choices) if c}}
    doc.update(extra)
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_page_is_self_contained_and_script_safe(tmp_path):
    _, header, pairs = _candidates(tmp_path)
    write_review_page(tmp_path / "review.html", header, pairs)
    html = (tmp_path / "review.html").read_text()
    assert "http://" not in html and "https://" not in html and "<link" not in html and " src=" not in html
    assert html.count("</script>") == 2  # the page's own two script elements; the data cannot close one
    data = html.split('type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(data)["pairs"][0]["chosen"]["reasoning"].endswith(HOSTILE)


def test_import_keeps_what_every_reviewer_kept(tmp_path):
    path, _, pairs = _candidates(tmp_path)
    one = _decisions(tmp_path, pairs, ["keep", "keep", "drop", "keep"], "a.json")
    two = _decisions(tmp_path, pairs, ["keep", "drop", "drop", "keep"], "b.json")
    summary = apply_decisions(path, [one, two], tmp_path / "bench.jsonl")
    header, kept = read_pairs(tmp_path / "bench.jsonl")
    assert [p.pair_id for p in kept] == [pairs[0].pair_id, pairs[3].pair_id]
    assert all(p.review["decision"] == "keep" and p.review["reviewers"] == 2 for p in kept)
    assert summary["agreement"] == 0.75 and summary["kept"] == 2 and summary["dropped"] == 2
    assert header["version"].startswith("v1+") and header["provenance"]["generator"]["model"] == "smollm2"
    assert header["provenance"]["review"]["decision_files"] == ["a.json", "b.json"]
    # The version is derived from the content: the same decisions give the same version.
    again = apply_decisions(path, [one, two], tmp_path / "bench2.jsonl")
    assert again["version"] == summary["version"]


def test_import_errors(tmp_path):
    path, _, pairs = _candidates(tmp_path)
    partial = _decisions(tmp_path, pairs, ["keep", None, "keep", "keep"])
    with pytest.raises(DataError, match=r"1 pair\(s\) have no decision .*--undecided drop\|keep"):
        apply_decisions(path, [partial], tmp_path / "o.jsonl")
    assert apply_decisions(path, [partial], tmp_path / "o.jsonl", undecided="drop")["kept"] == 3
    assert apply_decisions(path, [partial], tmp_path / "o.jsonl", undecided="keep")["kept"] == 4
    stale = _decisions(tmp_path, pairs, ["keep"] * 4, candidates_digest="0" * 16)
    with pytest.raises(DataError, match="made for another candidate set"):
        read_decisions(stale, pairs)
    bad = _decisions(tmp_path, pairs, ["keep", "maybe", "keep", "keep"])
    with pytest.raises(DataError, match="decision must be one of keep, drop"):
        read_decisions(bad, pairs)
    (tmp_path / "x.json").write_text('{"decisions": {}}')
    with pytest.raises(DataError, match="not a decisions file"):
        read_decisions(tmp_path / "x.json", pairs)
    everything_dropped = _decisions(tmp_path, pairs, ["drop"] * 4)
    with pytest.raises(DataError, match="every pair was dropped"):
        apply_decisions(path, [everything_dropped], tmp_path / "o.jsonl")


def find_browser() -> tuple[str, str] | None:
    """(chromium binary, chromedriver) when both are installed."""
    binary = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)),
                  None)
    driver = shutil.which("chromedriver")
    return (binary, driver) if binary and driver else None


@pytest.fixture
def browser(tmp_path):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e .[dev])")
    found = find_browser()
    if found is None:
        pytest.skip("no chromium + chromedriver found (Debian: apt-get install chromium chromium-driver; "
                    "`make test` installs them when run as root)")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    from selenium.webdriver.chrome.service import Service

    driver = webdriver.Chrome(service=Service(found[1]), options=options)
    driver.set_window_size(1400, 1000)
    driver.downloads = downloads
    yield driver
    driver.quit()


def test_review_in_a_headless_browser_round_trip(tmp_path, browser):
    from selenium.webdriver.common.by import By

    path, header, pairs = _candidates(tmp_path)
    page = tmp_path / "review.html"
    write_review_page(page, header, pairs)
    browser.get(page.as_uri())
    cards = browser.find_elements(By.CSS_SELECTOR, "section.pair")
    assert len(cards) == 4
    assert browser.execute_script("return window.HACKED === undefined")  # embedded text never runs as code
    shown = cards[0].find_element(By.CSS_SELECTOR, ".sides .side pre.reasoning").text
    assert "good reasoning 0 </script><script>window.HACKED = 1</script><!-- &" in shown  # shown as text
    assert "PASS" in cards[0].text and "RUNTIME_ERROR" in cards[0].text and "A is right" not in cards[0].text
    assert "ZeroDivisionError: division by zero" in cards[0].text and "null" not in cards[0].text
    assert "Judge j: outcome 1" in cards[0].text  # the rationale is folded away until opened

    def click(card, selector):
        element = card.find_element(By.CSS_SELECTOR, selector)
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)  # clear of the header
        element.click()
        return element

    for card, action in zip(cards, ["drop", "drop", "keep", "keep"]):
        click(card, f"button[data-action={action}]")
    click(cards[1], "input[data-action=note]").send_keys("reasoning is off-topic")
    click(cards[0], "button[data-action=keep]")  # a changed mind: the latest decision counts
    click(cards[1], "button[data-action=drop]")
    assert "4 / 4 decided (3 keep, 1 drop)" in browser.find_element(By.ID, "progress").text
    browser.find_element(By.ID, "save").click()
    target = browser.downloads / "decisions.json"
    deadline = time.monotonic() + 20
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert target.exists(), f"no download; found {list(browser.downloads.iterdir())}"
    decisions = read_decisions(target, pairs)
    assert [decisions[p.pair_id]["decision"] for p in pairs] == ["keep", "drop", "keep", "keep"]
    assert decisions[pairs[1].pair_id]["note"] == "reasoning is off-topic"
    summary = apply_decisions(path, [target], tmp_path / "bench.jsonl")
    assert summary["kept"] == 3
    # Decisions survive a reload of the page (localStorage).
    browser.get(page.as_uri())
    assert "4 / 4 decided" in browser.find_element(By.ID, "progress").text
