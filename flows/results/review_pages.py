"""The review page's HTML: Jinja templates (autoescaped) whose every word is a keyed sentence of the rule
registry, in the page's language. No script anywhere: the form is a plain HTML form."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from shellring.flows.core.rules import sentence

HTML_LANG = {"zh": "zh-CN", "en": "en"}

_env = Environment(loader=PackageLoader("shellring.flows.results", "templates"),
                   autoescape=select_autoescape(["html"]), undefined=StrictUndefined, trim_blocks=True,
                   lstrip_blocks=True)


def say(language: str, key: str, **params: object) -> str:
    return sentence(key, language).format(**params)


def render(template: str, language: str, **context: object) -> str:
    def show(value: object) -> object:
        if isinstance(value, bool):
            return say(language, "page.yes" if value else "page.no")
        return "" if value is None else value

    return _env.get_template(template).render(
        t=lambda key, **params: say(language, key, **params), show=show, html_lang=HTML_LANG[language], **context)
