"""The rich-text editor's pictures: uploaded once, served to anyone holding their unguessable URL.

The editor itself is a browser script (``static/js/richtext.js`` over the vendored Quill); every
domain's rich-text field keeps its ``<textarea>`` and is sanitised by ``core.text.richtext``. This
package only stores and serves the pictures put into such text — see its README.md for the rule.
"""

from flask import Blueprint

bp = Blueprint("editor", __name__)
