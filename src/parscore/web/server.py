"""Running the app: loopback by default, a refusal (with the reason) for any other
address unless --allow-remote, the address printed, a clean stop on Ctrl-C."""
from __future__ import annotations

import errno
import ipaddress
import socket
import sys

from ..errors import InputError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, port: int, allow_remote: bool) -> None:
    if not 0 < port < 65536:
        raise InputError.one("--port", None, "port", f"expected a port 1–65535, got {port}", "PS358")
    if not is_loopback(host) and not allow_remote:
        raise InputError.one("--host", None, "host", f"'{host}' is not a loopback address: the server has no login and "
                             "anyone who can reach it could use it. Keep the default 127.0.0.1, or add --allow-remote "
                             "if this network is trusted", "PS357")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host.strip("[]"), port))
    except OSError as exc:
        why = "is already in use; choose another with --port" if exc.errno == errno.EADDRINUSE else f"cannot be used: {exc.strerror or exc}"
        raise InputError.one("--port", None, "port", f"{host}:{port} {why}", "PS359") from None


def run(host: str = "127.0.0.1", port: int = 8892, allow_remote: bool = False, lang: str = "vi") -> int:
    import uvicorn

    from .app import Guard, app
    from .i18n import tr

    check_bind(host, port, allow_remote)
    Guard.allow_any_host = allow_remote   # else only loopback Host names are answered (DNS rebinding)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + ("?lang=en" if lang == "en" else "")
    msg = tr("serving", lang).format(url=url)
    print(msg, flush=True)
    config = uvicorn.Config(app, host=host.strip("[]"), port=port, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=3, server_header=False)
    server = uvicorn.Server(config)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    print(tr("stopped", lang), file=sys.stderr, flush=True)
    return 0
