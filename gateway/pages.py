"""Pages shipped inside the package (the managers' dashboard, the staff questionnaire): the
HTML shell and its own script and style, served with a strict Content-Security-Policy. The
page may only load its own script and style and fetch its own API; nothing leaves the
organisation's network, and no data is in the shell itself."""

from __future__ import annotations

from importlib import resources

from fastapi.responses import Response

from gateway.errors import NotFoundError

STRICT_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
              "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SCRIPT_AND_STYLE = {"js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8"}


def shell(package: str, template: str) -> Response:
    """``templates/{template}`` of ``package``, never cached, no referrer."""
    body = resources.files(package).joinpath("templates", template).read_bytes()
    return Response(body, media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": STRICT_CSP, "Cache-Control": "no-store",
                             "Referrer-Policy": "no-referrer"})


def static_file(package: str, name: str, allowed: frozenset[str]) -> Response:
    """``static/{name}`` of ``package`` if ``name`` is one of ``allowed`` (404 otherwise: the
    name comes from the URL and never reaches the file system unchecked)."""
    if name not in allowed:
        raise NotFoundError("Fichier introuvable.", code="not_found")
    body = resources.files(package).joinpath("static", name).read_bytes()
    return Response(body, media_type=SCRIPT_AND_STYLE[name.rsplit(".", 1)[-1]])
