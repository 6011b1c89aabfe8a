"""Render recorded robot messages to safe HTML, close to how the WeCom client shows them.

Everything is escaped first; only the markdown subset WeCom supports is turned back into markup
(headings, bold, links, inline code, quotes, font colours and `<@userid>` mentions; markdown_v2 adds
lists, tables, italics, rules, images and fenced code, and drops colours and mentions).
"""

import html
import re

from django.utils.safestring import SafeString, mark_safe

from .state import Message

LINK = re.compile(r"\[([^\]]*)\]\((https?://[^)\s]+)\)")
IMAGE = re.compile(r"!\[([^\]]*)\]\((https?://[^)\s]+)\)")
BOLD = re.compile(r"\*\*(.+?)\*\*")
ITALIC = re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\*)")
CODE = re.compile(r"`([^`]+)`")
FONT_OPEN = re.compile(r"&lt;font color=&quot;(info|comment|warning)&quot;&gt;")
FONT_CLOSE = re.compile(r"&lt;/font&gt;")
MENTION = re.compile(r"&lt;@([^&\s]+?)&gt;")


def inline(text: str, *, v2: bool) -> str:
    """Inline markup of one already-escaped line."""
    if v2:
        text = IMAGE.sub(r'<img src="\2" alt="\1" class="md-img">', text)
    text = LINK.sub(r'<a href="\2" target="_blank" rel="noopener">\1</a>', text)
    text = CODE.sub(r"<code>\1</code>", text)
    text = BOLD.sub(r"<strong>\1</strong>", text)
    if v2:
        text = ITALIC.sub(r"<em>\1</em>", text)
    else:
        text = FONT_OPEN.sub(r'<span class="font-\1">', text)
        text = FONT_CLOSE.sub("</span>", text)
        text = MENTION.sub(r'<span class="mention">@\1</span>', text)
    return text


def table_row(line: str, cell: str) -> str:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return "<tr>" + "".join(f"<{cell}>{c}</{cell}>" for c in cells) + "</tr>"


def markdown(content: str, *, v2: bool = False) -> str:
    out, table, in_code = [], [], False
    lines = html.escape(content, quote=True).split("\n")
    for index, line in enumerate(lines):
        if v2 and line.strip().startswith("```"):
            out.append("</pre>" if in_code else '<pre class="md-code">')
            in_code = not in_code
            continue
        if in_code:
            out.append(line + "\n")
            continue
        if v2 and line.strip().startswith("|"):
            following = lines[index + 1] if index + 1 < len(lines) else ""
            if re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", line) and set(line.strip()) <= set("|-: "):
                continue
            table.append(table_row(inline(line, v2=v2), "th" if not table and "-" in following else "td"))
            continue
        if table:
            out.append('<table class="md-table">' + "".join(table) + "</table>")
            table = []
        out.append(block(line, v2=v2))
    if table:
        out.append('<table class="md-table">' + "".join(table) + "</table>")
    if in_code:
        out.append("</pre>")
    return "".join(out)


def block(line: str, *, v2: bool) -> str:
    heading = re.match(r"^(#{1,6}) (.*)$", line)
    if heading:
        return f'<div class="md-h{len(heading.group(1))}">{inline(heading.group(2), v2=v2)}</div>'
    quote = re.match(r"^((?:&gt;\s?)+)(.*)$", line)
    if quote:
        depth = quote.group(1).count("&gt;") if v2 else 1
        return f'<div class="md-quote depth-{min(depth, 3)}">{inline(quote.group(2), v2=v2)}</div>'
    if v2 and line.strip() in ("---", "***"):
        return "<hr>"
    bullet = re.match(r"^\s*(?:[-*+]|\d+\.) (.*)$", line) if v2 else None
    if bullet:
        return f'<div class="md-li">• {inline(bullet.group(1), v2=v2)}</div>'
    return f'<div class="md-line">{inline(line, v2=v2) or "&nbsp;"}</div>'


def render_message(message: Message) -> SafeString:
    """The message body as the group would see it (mentions of text messages shown as chips above)."""
    if message.msgtype == "markdown":
        return mark_safe(markdown(message.content))  # noqa: S308 - escaped before markup is added
    if message.msgtype == "markdown_v2":
        return mark_safe(markdown(message.content, v2=True))  # noqa: S308
    if message.msgtype == "text":
        text = MENTION.sub(r'<span class="mention">@\1</span>', html.escape(message.content))
        chips = "".join(
            f'<span class="mention">@{html.escape(m)}</span> '
            for m in message.mentioned_list + message.mentioned_mobile_list
        )
        return mark_safe(f'<div class="text">{text}</div>' + (f'<div class="chips">{chips}</div>' if chips else ""))  # noqa: S308
    if message.msgtype == "image":
        data = message.payload.get("image", {}).get("base64", "")
        kind = "png" if data.startswith("iVBOR") else "jpeg"
        return mark_safe(f'<img class="md-img" src="data:image/{kind};base64,{html.escape(data)}" alt="">')  # noqa: S308
    if message.msgtype == "news":
        cards = []
        for article in message.payload.get("news", {}).get("articles", []):
            title = html.escape(str(article.get("title", "")))
            description = html.escape(str(article.get("description", "")))
            url = html.escape(str(article.get("url", "")))
            cards.append(
                f'<a class="news" href="{url}" target="_blank" rel="noopener"><strong>{title}</strong>'
                f"<span>{description}</span></a>"
            )
        return mark_safe("".join(cards))  # noqa: S308
    if message.msgtype in ("file", "voice"):
        return mark_safe(f'<div class="file">📎 {html.escape(message.content)}</div>')  # noqa: S308
    card = message.payload.get("template_card", {})
    title = html.escape(str((card.get("main_title") or {}).get("title", "")))
    desc = html.escape(str((card.get("main_title") or {}).get("desc", "")))
    return mark_safe(f'<div class="card"><strong>{title}</strong><div>{desc}</div></div>')  # noqa: S308
