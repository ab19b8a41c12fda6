"""Text that came from a user, a file or a URL, made safe to show in Streamlit's Markdown elements.

`st.warning`, `st.error`, `st.success` and `st.caption` render Markdown: a link
parameter like `**Session expired.** [Log in](https://evil.example)` would
become bold text and a clickable outside link, and `![t](https://...)` an
image the browser fetches. `plain` escapes every character Markdown (and
Streamlit's `:material/...:` and `:red[...]` directives, and LaTeX) could read
as markup, so the text shows exactly as typed.
"""

from __future__ import annotations

import re

from mnist_core.errors import shorten

# CommonMark lets a backslash escape any ASCII punctuation character.
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&=\"'^%@/])")


def plain(text: object, limit: int | None = None) -> str:
    """`text` with Markdown markup escaped (shortened to `limit` characters first, when given)."""
    value = shorten(text, limit) if limit else str(text)
    return _MARKUP.sub(r"\\\1", value).replace("\n", " ")
