"""Command line: ``python3 -m tests.simulator --port 0 --scenario FILE [--latency-ms N] [--time-scale X] [--tls]
[--self-signed] [--deployment cloud|on_premises]``.

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


def tls_context(ca_file, self_signed=False):
    """A server context for 127.0.0.1/localhost; the certificate to trust is written to ``ca_file``.

    The certificate is signed by a new CA, or with ``self_signed`` is its own issuer (as the one Web Studio's
    installer makes for a Delivery Controller).
    """
    import trustme  # pylint: disable=import-outside-toplevel  # only --tls needs it

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    if self_signed:
        key_file, cert_file = self_signed_certificate(os.path.dirname(os.path.abspath(ca_file)))
        context.load_cert_chain(cert_file, key_file)
        with open(cert_file, "rb") as source, open(ca_file, "wb") as target:
            target.write(source.read())
        return context
    authority = trustme.CA(organization_name="Citrix DaaS simulator")
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    authority.cert_pem.write_to_path(ca_file)
    certificate.configure_cert(context)
    return context


def self_signed_certificate(folder):
    """(key file, certificate file) in ``folder``: a certificate for 127.0.0.1 and localhost that signs itself."""
    # pylint: disable=import-outside-toplevel  # cryptography comes with trustme, which only --tls needs
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ddc.demolab.example")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=30))
                   .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                               x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    key_file, cert_file = os.path.join(folder, "server-key.pem"), os.path.join(folder, "server-cert.pem")
    with open(key_file, "wb") as out:
        out.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    with open(cert_file, "wb") as out:
        out.write(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


async def serve(args, context):
    """Start the server (HTTPS when ``context`` is an SSL context), print the URL and run until SIGTERM or SIGINT."""
    simulator = Simulator(args.scenario, time_scale=args.time_scale, latency_ms=args.latency_ms,
                          deployment=args.deployment)
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
    parser.add_argument("--self-signed", action="store_true",
                        help="with --tls: a certificate that signs itself, as a Delivery Controller's default one")
    parser.add_argument("--deployment", choices=("cloud", "on_premises"),
                        help="answer as Citrix Cloud or as an on-premises Delivery Controller, whatever the scenario says")
    parser.add_argument("--ca-file", default=os.path.join(tempfile.gettempdir(), "citrix-daas-sim-ca.pem"),
                        help="where --tls writes the CA certificate (PEM)")
    args = parser.parse_args(argv)
    if args.time_scale <= 0:
        parser.error("--time-scale must be positive")
    try:
        context = tls_context(args.ca_file, args.self_signed) if args.tls else None
    except ImportError:
        parser.error("--tls needs the trustme package: python3 -m pip install 'trustme>=1.0'")
    asyncio.run(serve(args, context))
    return 0


if __name__ == "__main__":
    sys.exit(main())
