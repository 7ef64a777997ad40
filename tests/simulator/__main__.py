"""Command line: ``python3 -m tests.simulator --port 0 --scenario FILE [--latency-ms N] [--time-scale X] [--tls]``.

Prints exactly one line, the base URL, once the server accepts connections.
"""

import argparse
import asyncio
import os
import signal
import ssl
import sys
import tempfile

from aiohttp import web

from .app import Simulator, make_app


def tls_context(ca_file):
    """Create a CA, write its certificate to ``ca_file`` and return a server context for 127.0.0.1/localhost."""
    import trustme  # pylint: disable=import-outside-toplevel  # only --tls needs it

    authority = trustme.CA(organization_name="Citrix DaaS simulator")
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    authority.cert_pem.write_to_path(ca_file)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    return context


async def serve(args, context):
    """Start the server (HTTPS when ``context`` is an SSL context), print the URL and run until SIGTERM or SIGINT."""
    simulator = Simulator(args.scenario, time_scale=args.time_scale, latency_ms=args.latency_ms)
    runner = web.AppRunner(make_app(simulator), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port, ssl_context=context, backlog=1024)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # pylint: disable=protected-access
    print("%s://%s:%d" % ("https" if args.tls else "http", args.host, port), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()


def main(argv=None):
    """Parse the arguments and run the server."""
    parser = argparse.ArgumentParser(prog="python3 -m tests.simulator", description="Citrix DaaS API simulator")
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--scenario", default="integration", help="scenario name under scenarios/ or a path")
    parser.add_argument("--latency-ms", type=float, default=0, help="latency added to every answer")
    parser.add_argument("--time-scale", type=float, default=1.0, help="how much faster the simulated clock runs")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a self-signed CA")
    parser.add_argument("--ca-file", default=os.path.join(tempfile.gettempdir(), "citrix-daas-sim-ca.pem"),
                        help="where --tls writes the CA certificate (PEM)")
    args = parser.parse_args(argv)
    if args.time_scale <= 0:
        parser.error("--time-scale must be positive")
    try:
        context = tls_context(args.ca_file) if args.tls else None
    except ImportError:
        parser.error("--tls needs the trustme package: python3 -m pip install 'trustme>=1.0'")
    asyncio.run(serve(args, context))
    return 0


if __name__ == "__main__":
    sys.exit(main())
