"""Reading pages as a browser would, not as markup: a form control by its id, its value,
whether it is disabled, the error shown next to it, a link by its text. Tests that use
these keep working when the design system changes the classes and attribute order."""
from __future__ import annotations

from lxml import html as lxml_html


def _tree(page: str):
    return lxml_html.fromstring(page)


def control(page: str, name: str):
    found = _tree(page).get_element_by_id(name, None)
    assert found is not None, f"no field {name}"
    return found


def value_of(page: str, name: str) -> str:
    return control(page, name).get("value", "")


def is_disabled(page: str, name: str) -> bool:
    return control(page, name).get("disabled") is not None


def error_of(page: str, name: str) -> str:
    """The message next to the field, without the "Fehler:" that screen readers hear."""
    found = _tree(page).get_element_by_id(f"{name}-fehler", None)
    assert found is not None, f"no error next to {name}"
    return " ".join(found.text_content().replace("Fehler:", "").split())


def link_to(page: str, text: str) -> str:
    """The address of the link (or link button) whose text is `text`."""
    for link in _tree(page).iter("a"):
        if " ".join(link.text_content().split()) == text:
            return link.get("href")
    raise AssertionError(f"no link {text!r}")
