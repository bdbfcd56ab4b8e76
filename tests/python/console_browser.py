"""The web console in a real browser: Debian's chromium, headless, driven over
WebDriver (chromedriver) by selenium. Run by crates/server/tests/it/console.rs,
which starts Redis and the server, and makes the accounts and users this uses.

    console_browser.py URL SHORT_URL REDBANK_CLI REDIS_URL OUT_DIR

URL is a console; SHORT_URL another on the same Redis whose sessions end after 2 s
idle. Every step asserts what a person would see; screenshots of the main pages
are written to OUT_DIR, and of the page in front of the browser on any failure.
"""
import datetime
import http.client
import json
import sys
import time
import traceback
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

URL, SHORT_URL, CLI, REDIS_URL, OUT = sys.argv[1:6]
PASSWORDS = {name: f"{name}'s long password" for name in ["alice", "bob", "tom", "audrey", "ada", "zed"]}
MAX_PAGE_BYTES = 100_000


def browser(width=1200, height=900):
    o = Options()
    o.binary_location = "/usr/bin/chromium"
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}"]:
        o.add_argument(a)
    return webdriver.Chrome(options=o, service=Service("/usr/bin/chromedriver"))


def click_and_wait(d, by, what):
    """Clicks a button or link and waits for the next page, loaded: reading the page
    before the browser has replaced it would read the old one. A page's time origin
    is new with every load; errors while the browser swaps pages are waited out."""
    before = d.execute_script("return performance.timeOrigin")
    d.find_element(by, what).click()

    def loaded(d):
        return (d.execute_script("return performance.timeOrigin") != before
                and d.execute_script("return document.readyState") == "complete")
    WebDriverWait(d, 10, ignored_exceptions=(WebDriverException,)).until(loaded)


def main_text(d):
    return d.find_element(By.TAG_NAME, "main").text


def open_page(d, url):
    d.get(url)
    size = len(d.page_source.encode())
    assert size < MAX_PAGE_BYTES, f"{url}: {size} bytes"


def sign_in(d, base, user, password=None):
    open_page(d, base + "/signin")
    d.find_element(By.ID, "user").send_keys(user)
    d.find_element(By.ID, "password").send_keys(password or PASSWORDS[user])
    click_and_wait(d, By.CSS_SELECTOR, "main form button")


def sign_out(d):
    click_and_wait(d, By.CSS_SELECTOR, "header form button")
    assert "/signin" in d.current_url, d.current_url


def post(base, path, fields, cookies):
    """A form sent as a browser would, with the browser's cookies: to send the same
    form twice, or one without its CSRF token."""
    u = urllib.parse.urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    body = urllib.parse.urlencode(fields)
    cookie = "; ".join(f"{k['name']}={k['value']}" for k in cookies)
    c.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    r = c.getresponse()
    return r.status, r.read().decode()


def form_fields(d, form_id):
    form = d.find_element(By.ID, form_id)
    return {e.get_attribute("name"): e.get_attribute("value") for e in form.find_elements(By.TAG_NAME, "input")}


def money_in_view(d, what):
    """At this width: the page no wider than the window, and each table's money
    columns (th.num) shown and inside the window, without scrolling sideways."""
    inner = d.execute_script("return window.innerWidth")
    width = d.execute_script("return document.documentElement.scrollWidth")
    assert width <= inner, f"{what}: the page is {width} px wide at {inner}"
    tables = d.find_elements(By.CSS_SELECTOR, "main table")
    assert tables, f"{what}: no table"
    for table in tables:
        sideways = d.execute_script("return arguments[0].scrollWidth - arguments[0].clientWidth", table)
        assert sideways <= 1, f"{what}: table {table.get_attribute('id')} scrolls {sideways} px sideways"
        for th in table.find_elements(By.CSS_SELECTOR, "th.num"):
            right = d.execute_script("return arguments[0].getBoundingClientRect().right", th)
            assert th.is_displayed() and right <= inner, f"{what}: {th.text} at {right} of {inner}"


def history_rows(d):
    return [r.text for r in d.find_elements(By.CSS_SELECTOR, "#history tbody tr")]


def run(d):
    # Five wrong passwords for one user: then even the right one is refused, for
    # the window (the address's own count stays below its limit).
    for _ in range(5):
        sign_in(d, URL, "zed", "not zed's password")
        assert "Wrong user name or password" in main_text(d), main_text(d)
    sign_in(d, URL, "zed")
    assert "Too many failed sign-ins" in main_text(d), main_text(d)
    assert d.get_cookie("rb_session") is None

    # A wrong password, then the right one.
    sign_in(d, URL, "alice", "not alice's password")
    assert "Wrong user name or password" in main_text(d), main_text(d)
    assert d.get_cookie("rb_session") is None
    d.save_screenshot(f"{OUT}/signin.png")
    sign_in(d, URL, "alice")
    home = main_text(d)
    assert "Your accounts" in home and "alice-chk" in home and "alice-sav" in home, home
    assert "bob-chk" not in home, home
    cookie = d.get_cookie("rb_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict", cookie
    # The security headers, on every page.
    u = urllib.parse.urlparse(URL)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    c.request("GET", "/signin")
    r = c.getresponse()
    csp = r.getheader("Content-Security-Policy")
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp, csp
    assert r.getheader("X-Frame-Options") == "DENY" and r.getheader("Referrer-Policy") == "no-referrer"
    r.read()
    d.save_screenshot(f"{OUT}/accounts.png")

    # A tampered URL shows what a missing account shows.
    open_page(d, URL + "/accounts/bob-chk")
    theirs = main_text(d)
    open_page(d, URL + "/accounts/no-such-account")
    assert theirs == main_text(d) and "No such account" in theirs, theirs

    # A transfer, its form sent twice: applied once.
    open_page(d, URL + "/accounts/alice-chk")
    d.find_element(By.ID, "transfer-to").send_keys("bob-chk")
    d.find_element(By.ID, "transfer-amount").send_keys("25.00")
    fields = form_fields(d, "form-transfer")
    click_and_wait(d, By.CSS_SELECTOR, "#form-transfer button")
    assert "The transfer was made." in main_text(d), main_text(d)
    status, _ = post(URL, "/accounts/alice-chk/transfer", fields, d.get_cookies())
    assert status == 303, status
    open_page(d, URL + "/accounts/alice-chk")
    assert d.find_element(By.ID, "balance").text == "75.00 USD", d.find_element(By.ID, "balance").text
    outs = [r for r in history_rows(d) if "transfer_out" in r]
    assert len(outs) == 1 and "-25.00" in outs[0], outs
    # Times in the browser's zone (this browser runs in Tokyo), UTC on hover.
    t = d.find_element(By.CSS_SELECTOR, "#history time")
    assert t.get_attribute("title").endswith(" UTC") and t.text != t.get_attribute("title")[:-4], \
        (t.text, t.get_attribute("title"))
    # The column says which zone it shows.
    header = d.find_element(By.CSS_SELECTOR, "#history th[data-zone]").text
    assert header == "When (Asia/Tokyo)", header
    svg = d.find_elements(By.CSS_SELECTOR, "svg.chart polyline")
    assert len(svg) == 1, "the balance chart is drawn"
    # With axes: the balance's scale (zero to the highest) and the first and last times,
    # the lowest and highest balances marked.
    labels = [e.text for e in d.find_elements(By.CSS_SELECTOR, "svg.chart text")]
    assert "0.00" in labels and "100.00" in labels and len(labels) == 4, labels
    assert len(d.find_elements(By.CSS_SELECTOR, "svg.chart line.axis")) == 2
    assert len(d.find_elements(By.CSS_SELECTOR, "svg.chart circle.low, svg.chart circle.high")) == 2
    d.save_screenshot(f"{OUT}/account.png")

    # History by days: today's entries, none from tomorrow on.
    today = time.strftime("%Y-%m-%d", time.gmtime())
    tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
    open_page(d, URL + f"/accounts/alice-chk?from={today}&to={today}")
    assert len(history_rows(d)) == 2, history_rows(d)
    assert d.find_element(By.ID, "from").get_attribute("value") == today
    open_page(d, URL + f"/accounts/alice-chk?from={tomorrow}")
    assert history_rows(d) == [], history_rows(d)

    # A form without its CSRF token is refused, and changes nothing.
    forged = dict(fields, request_id="forged-1")
    del forged["csrf"]
    status, page = post(URL, "/accounts/alice-chk/transfer", forged, d.get_cookies())
    assert status == 403 and "Form refused" in page, (status, page[:300])
    open_page(d, URL + "/accounts/alice-chk")
    assert d.find_element(By.ID, "balance").text == "75.00 USD"

    # The month's statement, printable, and its CSV.
    click_and_wait(d, By.LINK_TEXT, "Monthly statements")
    assert d.find_element(By.ID, "opening").text == "0.00 USD", d.find_element(By.ID, "opening").text
    assert d.find_element(By.ID, "closing").text == "75.00 USD", d.find_element(By.ID, "closing").text
    assert d.find_element(By.ID, "total-out").text == "25.00 USD"
    rows = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#statement tbody tr")]
    assert len(rows) == 2 and "transfer_out" in rows[1] and "-25.00" in rows[1], rows
    d.save_screenshot(f"{OUT}/statement.png")
    csv_link = d.find_element(By.LINK_TEXT, "Download CSV").get_attribute("href")
    u = urllib.parse.urlparse(csv_link)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    cookie = "; ".join(f"{k['name']}={k['value']}" for k in d.get_cookies())
    c.request("GET", u.path + "?" + u.query, headers={"Cookie": cookie})
    r = c.getresponse()
    body = r.read().decode("utf-8-sig")
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/csv"), (r.status, body[:200])
    lines = body.splitlines()
    assert lines[0] == "date,kind,amount,balance,currency,counterparty,memo,transaction_id,request_id,actor", lines[0]
    assert ",transfer_out,-25.00,75.00,USD,bob-chk," in lines[3], lines
    assert ",closing_balance,,75.00,USD," in lines[-1], lines[-1]

    # Holds: 10.00 held, 4.00 of it captured to bob (the rest released); 5.00 held
    # and released.
    open_page(d, URL + "/accounts/alice-chk")
    d.find_element(By.ID, "hold-amount").send_keys("10")
    # Its expiry chosen in the form: released in an hour unless captured.
    Select(d.find_element(By.ID, "hold-expires")).select_by_visible_text("in 1 hour")
    chosen = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    click_and_wait(d, By.CSS_SELECTOR, "#form-hold button")
    assert "The funds are held." in main_text(d), main_text(d)
    expires = d.find_element(By.CSS_SELECTOR, "#holds tbody tr").find_elements(By.TAG_NAME, "td")[3].text
    shown = datetime.datetime.strptime(expires[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    assert abs((shown - chosen).total_seconds()) < 120, (expires, chosen)
    assert d.find_element(By.ID, "available").text == "65.00 USD", d.find_element(By.ID, "available").text
    d.find_element(By.CSS_SELECTOR, "#holds input[name=to]").send_keys("bob-chk")
    d.find_element(By.CSS_SELECTOR, "#holds input[name=amount]").send_keys("4")
    click_and_wait(d, By.CSS_SELECTOR, "#holds form[action$=capture] button")
    assert "The hold was captured." in main_text(d), main_text(d)
    assert d.find_element(By.ID, "balance").text == "71.00 USD", d.find_element(By.ID, "balance").text
    assert d.find_element(By.ID, "available").text == "71.00 USD"
    d.find_element(By.ID, "hold-amount").send_keys("5")
    click_and_wait(d, By.CSS_SELECTOR, "#form-hold button")
    assert d.find_element(By.ID, "available").text == "66.00 USD"
    click_and_wait(d, By.CSS_SELECTOR, "#holds form[action$=void] button")
    assert "The hold was released." in main_text(d), main_text(d)
    assert d.find_element(By.ID, "available").text == "71.00 USD"
    kinds = [r.find_elements(By.TAG_NAME, "td")[1].text for r in d.find_elements(By.CSS_SELECTOR, "#history tbody tr")][:5]
    assert kinds == ["release", "hold", "release", "capture", "hold"], kinds

    # At a phone's width every page fits and every money column is in view, no
    # scrolling sideways: the accounts, an account's history, a statement.
    d.set_window_size(375, 800)
    for page, shot in [("/", "accounts-375"), ("/accounts/alice-chk", "account-375")]:
        open_page(d, URL + page)
        money_in_view(d, page)
        d.save_screenshot(f"{OUT}/{shot}.png")
    click_and_wait(d, By.LINK_TEXT, "Monthly statements")
    money_in_view(d, "a statement")
    d.save_screenshot(f"{OUT}/statement-375.png")
    d.set_window_size(1200, 900)
    sign_out(d)

    # A teller finds bob's account by customer, deposits, and freezes it.
    sign_in(d, URL, "tom")
    d.find_element(By.ID, "q").send_keys("bob")
    click_and_wait(d, By.CSS_SELECTOR, "form.search button")
    assert "bob-chk" in main_text(d), main_text(d)
    click_and_wait(d, By.LINK_TEXT, "bob-chk")
    d.find_element(By.ID, "deposit-amount").send_keys("10")
    click_and_wait(d, By.CSS_SELECTOR, "#form-deposit button")
    assert "The deposit was made." in main_text(d)
    assert d.find_element(By.ID, "balance").text == "89.00 USD", d.find_element(By.ID, "balance").text
    d.find_element(By.ID, "freeze-reason").send_keys("card reported stolen")
    click_and_wait(d, By.CSS_SELECTOR, "#form-freeze button")
    assert d.find_element(By.ID, "state").text.startswith("frozen"), d.find_element(By.ID, "state").text
    # A frozen account offers only what it can take: unfreezing, not money forms.
    for gone in ["form-deposit", "form-withdraw", "form-transfer", "form-hold", "form-freeze"]:
        assert d.find_elements(By.ID, gone) == [], f"{gone} offered on a frozen account"
    assert d.find_elements(By.ID, "form-unfreeze"), "no unfreeze form on a frozen account"
    # A deposit sent anyway: refused, in words.
    csrf = d.find_element(By.CSS_SELECTOR, "header input[name=csrf]").get_attribute("value")
    status, page = post(URL, "/accounts/bob-chk/deposit",
                        {"csrf": csrf, "request_id": "frozen-1", "amount": "1"}, d.get_cookies())
    assert "Account bob-chk is frozen." in page, (status, page[:500])
    # A search that finds nothing says so, the words as typed (no escaped quotes).
    open_page(d, URL + "/")
    d.find_element(By.ID, "q").send_keys('no"such')
    click_and_wait(d, By.CSS_SELECTOR, "form.search button")
    assert 'No account or customer is called “no"such”.' in main_text(d), main_text(d)
    sign_out(d)

    # An auditor reads everything and changes nothing.
    sign_in(d, URL, "audrey")
    open_page(d, URL + "/accounts/bob-chk")
    assert d.find_elements(By.ID, "form-deposit") == [], "no forms for an auditor"
    csrf = d.find_element(By.CSS_SELECTOR, "header input[name=csrf]").get_attribute("value")
    status, page = post(URL, "/accounts/bob-chk/deposit",
                        {"csrf": csrf, "request_id": "audit-1", "amount": "5"}, d.get_cookies())
    assert status == 403 and "Not allowed" in page, (status, page[:300])
    assert "An auditor may not" in page, page[:800]
    open_page(d, URL + "/admin/interest")
    assert "Not allowed" in main_text(d), "an auditor may not post interest"
    sign_out(d)

    # The admin posts last month's interest to savings, watching its progress; a
    # second run posts nothing (once per account and month).
    sign_in(d, URL, "ada")
    for expected_posted in ["1", "0"]:
        click_and_wait(d, By.LINK_TEXT, "Post a month's interest")
        d.find_element(By.ID, "savings").send_keys("5")
        click_and_wait(d, By.CSS_SELECTOR, "#form-interest button")
        assert "/admin/jobs/" in d.current_url, d.current_url
        WebDriverWait(d, 30).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Finished")
        job = main_text(d)
        assert f"Interest posted\n{expected_posted}" in job and "Accounts seen\n3" in job, job
        if expected_posted == "1":
            d.save_screenshot(f"{OUT}/interest.png")
        open_page(d, URL + "/")

    # The admin runs the invariant checker and reads its report.
    click_and_wait(d, By.CSS_SELECTOR, "#form-check button")
    WebDriverWait(d, 30).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Finished")
    assert "Result\npassed" in main_text(d), main_text(d)
    d.save_screenshot(f"{OUT}/check.png")

    # The admin makes a console user for alice's household; the password shown once
    # signs in.
    open_page(d, URL + "/admin/users")
    d.find_element(By.ID, "new-name").send_keys("carol")
    d.find_element(By.CSS_SELECTOR, "#new-role option[value=customer]").click()
    d.find_element(By.ID, "new-customer").send_keys("alice")
    click_and_wait(d, By.CSS_SELECTOR, "#form-create-user button")
    notice = d.find_element(By.CSS_SELECTOR, "p.notice").text
    assert "User carol was created." in notice and "shown this once: " in notice, notice
    carol_password = notice.split("shown this once: ")[1].strip()
    # The users are listed, by name, with role, customer and state.
    rows = [r.text for r in d.find_elements(By.CSS_SELECTOR, "#users tbody tr")]
    assert "carol customer alice enabled" in rows and "ada admin enabled" in rows, rows
    assert [r.split()[0] for r in rows] == sorted(r.split()[0] for r in rows), rows
    # An API key made from the console, its credential shown once, then revoked.
    open_page(d, URL + "/admin/keys")
    d.find_element(By.CSS_SELECTOR, "#key-role option[value=auditor]").click()
    d.find_element(By.ID, "key-description").send_keys("monthly reporting")
    click_and_wait(d, By.CSS_SELECTOR, "#form-create-key button")
    notice = d.find_element(By.CSS_SELECTOR, "p.notice").text
    assert "shown this once: rbk_" in notice, notice
    key_id = notice.split("Key ")[1].split(" ")[0]
    row = [r for r in d.find_elements(By.CSS_SELECTOR, "#keys tbody tr") if key_id in r.text][0]
    assert "monthly reporting" in row.text and "active" in row.text, row.text
    old = d.execute_script("return performance.timeOrigin")
    row.find_element(By.CSS_SELECTOR, "button").click()
    WebDriverWait(d, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return performance.timeOrigin") != old)
    assert f"Key {key_id} is revoked" in main_text(d), main_text(d)
    open_page(d, URL + "/admin/audit")
    trail = main_text(d)
    assert "create user" in trail and "carol" in trail and "started the interest posting" in trail, trail
    assert "revoked an API key" in trail, trail
    d.save_screenshot(f"{OUT}/audit.png")
    sign_out(d)
    sign_in(d, URL, "carol", carol_password)
    assert "alice-chk" in main_text(d), main_text(d)
    open_page(d, URL + "/admin/users")
    assert "Not allowed" in main_text(d), "a customer may not manage users"
    sign_out(d)

    # A disabled user's session ends at once.
    sign_in(d, URL, "bob")
    assert "bob-chk" in main_text(d)
    import subprocess
    subprocess.run([CLI, "users", "disable", "bob", "--redis-url", REDIS_URL], check=True, capture_output=True)
    open_page(d, URL + "/")
    assert "Your session ended" in main_text(d), main_text(d)
    listed = json.loads(subprocess.run([CLI, "--json", "users", "list", "--redis-url", REDIS_URL], check=True,
                                       capture_output=True, text=True).stdout)
    states = {u["name"]: (u["role"], u["customer_id"], u["disabled"]) for u in listed["users"]}
    assert states["bob"] == ("customer", "bob", True) and states["carol"] == ("customer", "alice", False), states
    assert states["ada"] == ("admin", None, False) and listed["next_page_token"] is None, listed
    sign_in(d, URL, "bob")
    assert "Wrong user name or password" in main_text(d), "a disabled user cannot sign in"

    # An idle session expires (this console: 2 s).
    sign_in(d, SHORT_URL, "alice")
    assert "alice-chk" in main_text(d)
    time.sleep(3)
    open_page(d, SHORT_URL + "/")
    assert "Your session ended" in main_text(d), main_text(d)


def main():
    d = browser()
    try:
        run(d)
    except Exception:
        traceback.print_exc()
        try:
            d.save_screenshot(f"{OUT}/failure.png")
            print(f"screenshot of the failure: {OUT}/failure.png; page:\n{d.page_source[:3000]}", file=sys.stderr)
        finally:
            d.quit()
        sys.exit(1)
    d.quit()
    print("console: every browser step passed")


if __name__ == "__main__":
    main()
