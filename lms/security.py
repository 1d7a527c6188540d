"""Security headers on every response."""

from flask import Flask

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


BASE_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def register(app: Flask) -> None:
    headers = BASE_HEADERS + ((HSTS,) if app.config["LMS_ENV"] == "production" else ())

    @app.after_request
    def _headers(response):
        # A view may set its own value (e.g. a stricter CSP); ours are defaults.
        h = response.headers
        present = {name.lower() for name in h.keys()}  # noqa: SIM118 (Headers iterate as pairs)
        for name, value in headers:
            if name.lower() not in present:
                h.add(name, value)
        if response.mimetype == "text/html" and "cache-control" not in present:
            # Pages can show personal data; shared machines must not keep them.
            h.add("Cache-Control", "no-store")
        return response
