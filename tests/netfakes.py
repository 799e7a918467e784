"""Fakes at the edge of the world: a TCP proxy in front of a real server that can be *frozen*
(it accepts connections and never answers, like a stopped - not down - PostgreSQL process) or
*cut* (connections refused, open ones dropped, like a server that went down), and thawed again.

It counts the connections clients attempted, so tests assert how often a hung server was tried
instead of timing anything.
"""

import socket
import threading

FORWARD, FROZEN, CUT = "forward", "frozen", "cut"


class TcpProxy:
    def __init__(self, upstream_host, upstream_port, mode=FORWARD):
        self.upstream = (upstream_host, upstream_port)
        self.mode = mode
        self.attempts = 0  # connections accepted (or refused while cut)
        self._lock = threading.Lock()
        self._sockets = []
        self._listener = None
        self.port = None
        self._listen(0)

    @classmethod
    def for_url(cls, url, mode=FORWARD):
        """A proxy in front of the server of a postgresql:// URL; `.url(url)` rewrites it."""
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 5432, mode)

    def url(self, url):
        """`url` pointing at this proxy instead of its server."""
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(url)
        auth = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        return urlunsplit(parts._replace(netloc=f"{auth}127.0.0.1:{self.port}"))

    # --- modes ------------------------------------------------------------------------

    def freeze(self):
        """New connections are accepted and never answered; open ones stop moving."""
        self.mode = FROZEN

    def cut(self):
        """Refuse new connections and drop the open ones (the server is down)."""
        self.mode = CUT
        self._close_listener()
        self._drop_all()

    def thaw(self):
        """Forward again (re-listening on the same port after a cut)."""
        if self.mode == CUT:
            self._listen(self.port)
        self.mode = FORWARD
        self._drop_all()  # connections accepted while frozen were never answered: end them

    def close(self):
        self.mode = CUT
        self._close_listener()
        self._drop_all()

    # --- internals --------------------------------------------------------------------

    def _listen(self, port):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        self._listener = listener
        self.port = listener.getsockname()[1]
        threading.Thread(target=self._accept_loop, args=(listener,), daemon=True).start()

    def _close_listener(self):
        if self._listener is not None:
            try:
                # shutdown first: close() alone leaves a socket that another thread is
                # blocked accepting on still listening (Linux)
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None

    def _drop_all(self):
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept_loop(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self.attempts += 1
                self._sockets.append(client)
            if self.mode == FROZEN:
                continue  # hold it open, read nothing, answer nothing
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source, target):
        try:
            while True:
                while self.mode == FROZEN:  # a stopped process: nothing moves either way
                    threading.Event().wait(0.05)
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
