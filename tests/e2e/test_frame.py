from .conftest import DESKTOP, PHONE


def test_home_page_renders_in_chinese_at_phone_and_desktop(new_page, screenshot):
    for name, viewport in [("phone", PHONE), ("desktop", DESKTOP)]:
        page = new_page(viewport=viewport)
        page.goto("/")
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
        assert page.locator(".brand__name").inner_text() == "红星集团党建网"
        # Nothing overflows sideways on a phone.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0
        screenshot(page, name)


def test_care_mode_toggle_persists_across_pages(page):
    page.goto("/")
    size_before = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    page.get_by_role("button", name="关怀版").click()
    page.goto("/no-such-page/")
    assert page.locator("html").get_attribute("data-care") == "on"
    size_after = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size_after > size_before
    assert page.get_by_role("button", name="标准版").is_visible()
