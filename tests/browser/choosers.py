"""Driving a searchable chooser (static/js/chooser.js) the way a person does: type, then pick."""


def pick(page, field_id: str, query: str, option_text: str) -> None:
    """Type `query` into the chooser that replaced <select id=field_id> and click the result `option_text`."""
    box = page.locator(f"#{field_id}-search")
    box.fill(query)
    page.locator(f"#{field_id}-search-list [role=option]", has_text=option_text).first.click()
