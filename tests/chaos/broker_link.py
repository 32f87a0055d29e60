"""
A TCP relay on 127.0.0.1 between the scenario's processes and the machine's RabbitMQ, to take the
broker away from them without touching the shared server: :meth:`BrokerLink.cut` closes every
relayed connection (both ends, at once) and refuses new ones until :meth:`BrokerLink.restore`.
For the scenario's processes that is the broker killed and restarted: their connections break,
reconnecting fails, and after ``restore`` they reconnect to the same vhost (RabbitMQ kept what it
had acknowledged: the vhost's queues are durable).

Threads of the test process, each bounded: a connection's two pumps end when either side closes.
"""
import socket
import threading


class BrokerLink:
    """``port``: where the scenario's processes connect instead of ``upstream``."""

    def __init__(self, upstream=("127.0.0.1", 5672)):
        self.upstream = upstream
        self.lock = threading.Lock()
        self.sockets = set()
        self.open = threading.Event()
        self.open.set()
        self.closed = False
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.listener.settimeout(0.5)
        self.port = self.listener.getsockname()[1]
        self.cuts = 0
        self.thread = threading.Thread(target=self._accept, name="chaos-broker-link", daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self.open.is_set():
                client.close()  # the broker is "down": refused at once
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.sockets.update((client, server))
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source, target):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(source, target)

    def _drop(self, *sockets):
        with self.lock:
            for sock in sockets:
                self.sockets.discard(sock)
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

    def cut(self):
        """The broker goes away: every relayed connection is closed, new ones are refused."""
        self.open.clear()
        self.cuts += 1
        with self.lock:
            sockets = list(self.sockets)
        self._drop(*sockets)

    def restore(self):
        """The broker is back: new connections are relayed again."""
        self.open.set()

    def close(self):
        self.closed = True
        self.cut()
        self.listener.close()
        self.thread.join(5)
