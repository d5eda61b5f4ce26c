#!/usr/bin/env python3
"""A TLS server that is not ours (Python's ssl over the system OpenSSL), for the TLS posture tests:
what the eligibility plugin's client must refuse, whatever else the server does right.

  hostile_tls_server.py MODE CERT KEY PORT_FILE
    old-protocol  offers TLS 1.1 and nothing newer (the client's minimum is TLS 1.2)
    no-encryption offers only NULL-SHA256: authenticated, not encrypted (not in the client's list)
    huge-body     a valid TLS 1.3 server answering every request with a 64 MiB body, chunked (no length
                  announced: the client's limit must hold while it reads)

Binds 127.0.0.1 on a free port, writes the port to PORT_FILE, serves until killed.
"""
import os
import socket
import ssl
import sys
import warnings

mode, cert, key, port_file = sys.argv[1:5]
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.1 is deprecated: that is the point
if mode == "old-protocol":
    context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
elif mode == "no-encryption":
    context.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.3 has no unencrypted suite
    context.set_ciphers("NULL-SHA256:@SECLEVEL=0")
elif mode != "huge-body":
    sys.exit("unknown mode " + mode)

listener = socket.create_server(("127.0.0.1", 0))
with open(port_file + ".tmp", "w") as f:
    f.write(str(listener.getsockname()[1]))
os.replace(port_file + ".tmp", port_file)  # whole, so the test never reads half of it

while True:
    raw, _ = listener.accept()
    try:
        with context.wrap_socket(raw, server_side=True) as tls:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                request += chunk
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\r\n")
            block = b"<" * (1 << 20)
            for _ in range(64):
                tls.sendall(b"%x\r\n%s\r\n" % (len(block), block))
            tls.sendall(b"0\r\n\r\n")
    except (ssl.SSLError, OSError):
        pass  # the client refused, or went away: that is what is tested
