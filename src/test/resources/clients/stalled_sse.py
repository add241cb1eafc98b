"""Opens SSE streams that stop reading, as clients on a real network would (TESTING.md).

Loopback hides slow readers: its 64 KB segments make the kernel give each socket a send buffer of
several MB. A small MSS and receive buffer, set before connecting, make the server's writes back
up after a few tens of KB, as they do across a real network. Java has no TCP_MAXSEG option, hence
this helper.

Reads request targets (path and query), one per line, from stdin until an empty line; opens one
stream for each, reads its response head, then never reads again. Prints "ready <n>" and holds
the sockets until stdin closes.
"""
import socket
import sys


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    streams = []
    for line in sys.stdin:
        target = line.strip()
        if not target:
            break
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1000)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((host, port))
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nAccept: text/event-stream\r\n\r\n" % (target, host, port)).encode("ascii"))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(1)
            if not chunk:
                break
            head += chunk
        if not head.startswith(b"HTTP/1.1 200"):
            print("refused " + head.split(b"\r\n")[0].decode("ascii", "replace"), flush=True)
            return 1
        streams.append(s)
    print("ready %d" % len(streams), flush=True)
    sys.stdin.read()  # hold them, reading nothing, until the test closes stdin
    return 0


if __name__ == "__main__":
    sys.exit(main())
