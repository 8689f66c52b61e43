#!/usr/bin/python3
"""Minimal (adapted from the strongSwan anchor scripts for bench/lab/ike-setup.sh) stdlib-only VICI client (strongSwan management protocol, wire format per the
vici plugin documentation) used to time IKE_SA+CHILD_SA setup without swanctl process
spawn overhead, and to measure a windowed handshake rate (Debian ships no load-tester).
usage: vici_bench.py <socket> serial <n>            -> one line of ms per setup
       vici_bench.py <socket> rate <total> <window> [<max_s>] -> "rate <n> <secs> <per_s> <fails>"
"""
import socket, struct, sys, time

CMD_REQUEST, CMD_RESPONSE, CMD_UNKNOWN, EVENT_REGISTER, EVENT_UNREGISTER, EVENT_CONFIRM, EVENT_UNKNOWN, EVENT = range(8)

def enc(d):
    out = b""
    for k, v in d.items():
        k, v = k.encode(), str(v).encode()
        out += bytes([3, len(k)]) + k + struct.pack(">H", len(v)) + v
    return out

def dec(b):
    """flatten to {path: value}; enough for success/errmsg/up"""
    res, path, i = {}, [], 0
    while i < len(b):
        t = b[i]; i += 1
        if t in (1, 4):
            n = b[i]; path.append(b[i+1:i+1+n].decode()); i += 1 + n
        elif t in (2, 6):
            path.pop()
        elif t == 3:
            n = b[i]; k = b[i+1:i+1+n].decode(); i += 1 + n
            m = struct.unpack(">H", b[i:i+2])[0]; res["/".join(path + [k])] = b[i+2:i+2+m].decode(errors="replace"); i += 2 + m
        elif t == 5:
            m = struct.unpack(">H", b[i:i+2])[0]; i += 2 + m
        else:
            raise ValueError("bad element %d" % t)
    return res

class Vici:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); self.s.connect(path)
        self.events = []
    def _send(self, typ, name, msg=b""):
        n = name.encode(); p = bytes([typ, len(n)]) + n + msg
        self.s.sendall(struct.pack(">I", len(p)) + p)
    def _recvn(self, n):
        b = b""
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c: raise EOFError
            b += c
        return b
    def recv(self):
        ln = struct.unpack(">I", self._recvn(4))[0]; p = self._recvn(ln); t = p[0]
        if t == EVENT:
            n = p[1]; return t, p[2:2+n].decode(), dec(p[2+n:])
        return t, None, dec(p[1:]) if t == CMD_RESPONSE else {}
    def wait_reply(self, want):
        while True:
            t, name, msg = self.recv()
            if t == EVENT: self.events.append((time.perf_counter(), name, msg)); continue
            if t not in want: raise RuntimeError("unexpected packet type %d" % t)
            return msg
    def request(self, cmd, **kw):
        self._send(CMD_REQUEST, cmd, enc(kw)); return self.wait_reply((CMD_RESPONSE,))
    def register(self, ev):
        self._send(EVENT_REGISTER, ev); self.wait_reply((EVENT_CONFIRM,))

def main():
    v = Vici(sys.argv[1]); mode = sys.argv[2]
    if mode == "serial":
        for _ in range(int(sys.argv[3])):
            v.request("terminate", ike="tvd", timeout=10000); time.sleep(0.3)
            t0 = time.perf_counter(); r = v.request("initiate", ike="tvd", child="net", timeout=10000)
            t1 = time.perf_counter()
            print("%.3f" % ((t1 - t0) * 1e3) if r.get("success") == "yes" else "FAIL " + r.get("errmsg", "?"), flush=True)
    elif mode == "rate":
        total, window = int(sys.argv[3]), int(sys.argv[4])
        v.register("child-updown")
        sent = up = fails = 0; last_up = None
        t0 = time.perf_counter()
        def kick():
            nonlocal sent, fails
            r = v.request("initiate", ike="tvd", child="net", timeout=-1)  # -1: return immediately
            sent += 1
            if r.get("success") != "yes": fails += 1
        while sent < min(window, total): kick()
        deadline = t0 + float(sys.argv[5]) if len(sys.argv) > 5 else t0 + 120
        while up + fails < total and time.perf_counter() < deadline:
            while v.events:
                _, name, msg = v.events.pop(0)
                if name == "child-updown" and msg.get("up") == "yes":
                    up += 1; last_up = _
                    if sent < total: kick()
            if up + fails >= total: break
            v.s.settimeout(max(0.01, deadline - time.perf_counter()))
            try:
                t, name, msg = v.recv()
            except socket.timeout:
                break
            finally:
                v.s.settimeout(None)
            if t == EVENT: v.events.append((time.perf_counter(), name, msg))
        el = (last_up or time.perf_counter()) - t0
        print("rate %d %.3f %.1f %d" % (up, el, up / el, fails))

if __name__ == "__main__":
    main()
