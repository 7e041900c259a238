"""A server with a living city in it: the served application and a simulated day on it, started and stopped
together. `peisong demo` (the demo shop adopted) and `peisong simulate --live` (a new city) both serve this way."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from domain.settings import Settings

if TYPE_CHECKING:
    from domain.app import Peisong
    from sim.live import LiveDay


def serve_live(settings: Settings, host: str, port: int, make_day: Callable[["Peisong"], "LiveDay"]) -> None:
    """Serve the store on HOST:PORT with the day `make_day` makes on the served application (real clock), running
    in real time until the server stops. A day that plans its own waves gets a server that does not."""
    from api.app import create_app
    from api.cli import serve_app
    from domain.app import Peisong

    application = Peisong(settings)
    try:
        live = make_day(application)
        app = create_app(settings, application=application, run_planning=not live.plans_waves)
        live.start()
        try:
            serve_app(app, host, port)
        finally:
            live.stop()
    finally:
        application.close()
