#!/usr/bin/env python3
"""Side-by-side benchmark of mlvc against Subversion, git and the machine's own limits.

Run through tests/bench/run.sh (see there and README.md, "Benchmarks"). In one run, on this
machine, it starts private servers under a temporary folder, all on 127.0.0.1 and free ports:
  - PostgreSQL (scripts/pg.sh, durable settings: fsync on, as a user would run it),
  - mlvcd from the given build folder with filesystem blobs, a benchmark user, and the real
    `mlvc` client with HOME in the temporary folder,
  - svnserve (anon-access = write) on a scratch repository,
  - git daemon (receive-pack enabled) on a bare repository,
and measures each case of the benchmark table for mlvc and its peer, plus `openssl speed -evp
sha256` and a plain `cp` of the big file as physical references. It prints a table and writes
JSON. Every server is stopped at the end, also on error or Ctrl-C; every command has a timeout.

Bytes sent are counted on the wire: each client (mlvc, svn, git) talks to its server through
a counting TCP relay on 127.0.0.1 (splice(2), so it costs little and the same for all), and
the relay adds up the TCP payload in each direction. Storage is `du` of the blob folder and of
the svn repository before and after.

Targets are reported (PASS/MISS), not asserted: a miss is a finding. --check (used by CTest)
fails only when a case did not run or did not produce a number.
"""

import argparse
import fcntl
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MIB = 1 << 20
GIB = 1 << 30


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, what, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


class Relay:
    """A TCP relay 127.0.0.1:port -> 127.0.0.1:target that counts the payload bytes.

    `up` counts client-to-server bytes (what a push sends), `down` server-to-client.
    """

    def __init__(self, target_port):
        self.target_port = target_port
        self.lock = threading.Lock()
        self.up = 0
        self.down = 0
        self.closed = False
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def reset(self):
        with self.lock:
            self.up = self.down = 0

    def counts(self):
        with self.lock:
            return self.up, self.down

    def close(self):
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass

    def _accept_loop(self):
        while not self.closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pair = {"open": 2, "lock": threading.Lock()}
            threading.Thread(target=self._pump, args=(client, server, "up", pair),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, "down", pair),
                             daemon=True).start()

    def _pump(self, src, dst, direction, pair):
        r, w = os.pipe()
        try:
            fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, MIB)
        except OSError:
            pass
        try:
            while True:
                n = os.splice(src.fileno(), w, MIB)
                if n == 0:
                    break
                with self.lock:
                    if direction == "up":
                        self.up += n
                    else:
                        self.down += n
                while n > 0:
                    n -= os.splice(r, dst.fileno(), n)
        except OSError:
            pass
        finally:
            os.close(r)
            os.close(w)
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            with pair["lock"]:
                pair["open"] -= 1
                last = pair["open"] == 0
            if last:
                src.close()
                dst.close()


def write_random_file(path, size, seed):
    rng = random.Random(seed)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, 4 * MIB)
            f.write(rng.randbytes(n))
            left -= n


def overwrite_middle(path, size, seed):
    """Overwrites a contiguous 1% of the file in its middle, in place."""
    length = size // 100
    offset = size // 2 - length // 2
    data = random.Random(seed).randbytes(length)
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, data, offset)
    finally:
        os.close(fd)


def insert_at_start(path, seed):
    """Rewrites the file as 1 MiB of new bytes followed by its old content."""
    tmp = path + ".insert"
    with open(tmp, "wb") as out, open(path, "rb") as src:
        out.write(random.Random(seed).randbytes(MIB))
        shutil.copyfileobj(src, out, 4 * MIB)
    os.replace(tmp, path)


def write_small_tree(root, count, seed):
    """count files of 1-4 KiB of random bytes spread over 100 folders; returns the folders."""
    rng = random.Random(seed)
    dirs = [f"d{i:03d}" for i in range(100)]
    for d in dirs:
        os.makedirs(os.path.join(root, d), exist_ok=True)
    for i in range(count):
        size = rng.randint(1024, 4096)
        with open(os.path.join(root, dirs[i % 100], f"f{i:05d}.bin"), "wb") as f:
            f.write(rng.randbytes(size))
    return dirs


def du_bytes(path):
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except FileNotFoundError:
                pass
    return total


def vm_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


class Bench:
    def __init__(self, args):
        self.args = args
        self.quick = not args.full
        self.size = 64 * MIB if self.quick else GIB
        self.small_count = 1000 if self.quick else 10000
        self.rss_size = 4 * self.size
        self.timeout = 600 if self.quick else 3600
        self.reps_small = args.repeat
        self.reps_big = args.repeat if self.quick else 1
        self.procs = []       # (name, Popen) to stop at the end
        self.relays = []
        self.pg_dir = None
        self.results = {}     # raw measurements
        self.rows = []        # table rows
        self.failures = []    # cases that could not produce a number
        bin_dir = os.path.abspath(args.build_dir)
        self.mlvcd = self.find_bin(bin_dir, "mlvcd")
        self.mlvc = self.find_bin(bin_dir, "mlvc")
        self.work = tempfile.mkdtemp(prefix="mlvc-bench-", dir=args.work_dir)
        # Checkouts of the small files go to a RAM folder when there is one (see discard()).
        self.ram = None
        if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
            self.ram = tempfile.mkdtemp(prefix="mlvc-bench-", dir="/dev/shm")
        self.s3_dir = None
        home = os.path.join(self.work, "home")
        os.makedirs(home)
        env = dict(os.environ)
        for var in ("XDG_CONFIG_HOME", "MLVC_TOKEN", "MLVC_SERVER", "SVN_EDITOR", "GIT_DIR",
                    "GIT_WORK_TREE"):
            env.pop(var, None)
        env.update(HOME=home, LC_ALL="C.UTF-8", GIT_CONFIG_NOSYSTEM="1",
                   GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@localhost",
                   GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@localhost",
                   GIT_TERMINAL_PROMPT="0")
        self.env = env

    @staticmethod
    def find_bin(bin_dir, name):
        for dirpath, dirnames, files in os.walk(bin_dir):
            dirnames[:] = [d for d in dirnames if d != "CMakeFiles"]
            if name in files:
                path = os.path.join(dirpath, name)
                if os.access(path, os.X_OK):
                    return path
        raise RuntimeError(f"{name} not found under {bin_dir}: build it first "
                           f"(ninja -C {bin_dir} mlvcd mlvc)")

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    def discard(self, tree):
        """Moves a tree of many small files aside; it is deleted with the work folder.

        Not deleted now, because freeing thousands of inodes slows down the next tool's
        checkout on an ext4 without a journal (this machine's): its allocator then reads the
        inode table for every candidate inode, checking whether it was recently deleted. git
        clone of the 10,000 files measured 0.7 s normally and 4.8-9 s when another tree of
        10,000 files had been deleted a few seconds before (and still 2.5-4 s 40 s later), so
        whichever tool ran after a cleanup paid for it. svnserve's own commit frees as many
        inodes (its transaction files), so the small-file checkouts also go to a RAM folder
        when the machine has one (self.ram), where a tree is simply deleted.
        """
        if self.ram is not None and tree.startswith(self.ram + os.sep):
            shutil.rmtree(tree)
            return
        trash = self.path("trash")
        os.makedirs(trash, exist_ok=True)
        os.rename(tree, os.path.join(trash, str(len(os.listdir(trash)))))

    # --- running commands ------------------------------------------------------------

    def run(self, cmd, cwd=None, check=True):
        try:
            r = subprocess.run(cmd, cwd=cwd or (self.work if os.path.isdir(self.work) else ROOT),
                               env=self.env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=self.timeout, text=True, errors="replace")
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"timed out after {self.timeout} s: {' '.join(cmd)}")
        if check and r.returncode != 0:
            raise RuntimeError(f"exit {r.returncode}: {' '.join(cmd)}\n{r.stdout[-3000:]}")
        return r.stdout

    def timed(self, cmds, cwd=None, relay=None):
        """Runs the commands one after the other; returns (seconds, bytes up, bytes down, out).

        Dirty pages of the set-up are flushed first (sync, not timed) so that no case pays
        for the previous one's writes; the page cache is left warm, as a user would have it.
        """
        os.sync()
        if relay:
            relay.reset()
        out = ""
        self.last_steps = []
        t0 = time.perf_counter()
        for cmd in cmds:
            t = time.perf_counter()
            out += self.run(cmd, cwd)
            self.last_steps.append([os.path.basename(cmd[0]) + " " + cmd[1],
                                    time.perf_counter() - t])
        seconds = time.perf_counter() - t0
        up, down = relay.counts() if relay else (None, None)
        return seconds, up, down, out

    def repeated(self, name, make_cmds, cleanup, reps, relay=None):
        """Runs a read-only case `reps` times; returns the median and keeps the range."""
        times = []
        up = down = None
        for i in range(reps):
            cmds, cwd = make_cmds(i)
            t, up, down, _ = self.timed(cmds, cwd, relay)
            times.append(t)
            cleanup(i)
        self.results[name] = {"seconds": statistics.median(times), "runs": times,
                              "bytes_up": up, "bytes_down": down}
        return statistics.median(times)

    # --- servers -----------------------------------------------------------------------

    def spawn(self, name, cmd, log_name):
        logf = open(self.path(log_name), "wb")
        p = subprocess.Popen(cmd, cwd=self.work, env=self.env, stdin=subprocess.DEVNULL,
                             stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append((name, p))
        return p

    def start_servers(self):
        # PostgreSQL: durable (no --fast), as a user runs it.
        pg_port = free_port()
        self.pg_dir = self.path("pg")
        self.pg_port = pg_port
        log(f"starting PostgreSQL on 127.0.0.1:{pg_port}")
        self.run(["bash", os.path.join(ROOT, "scripts/pg.sh"), "start", self.pg_dir,
                  str(pg_port)])
        db = f"postgresql://mlvc@127.0.0.1:{pg_port}/mlvc"
        self.run([self.mlvcd, "migrate", "--db", db])
        out = self.run([self.mlvcd, "admin", "create-user", "bench", "--admin", "--db", db])
        token = out.strip().splitlines()[-1].strip()

        self.blobs = self.path("blobs")
        os.makedirs(self.blobs)
        port = free_port()
        log(f"starting mlvcd on 127.0.0.1:{port} ({self.mlvcd})")
        self.mlvcd_proc = self.spawn("mlvcd", [self.mlvcd, "serve", "--db", db, "--blobs",
                                               self.blobs, "--listen", f"127.0.0.1:{port}"],
                                     "mlvcd.log")
        wait_for_port(port, self.mlvcd_proc, "mlvcd")
        self.mlvc_relay = Relay(port)
        self.relays.append(self.mlvc_relay)
        self.addr = f"127.0.0.1:{self.mlvc_relay.port}"
        self.run([self.mlvc, "login", self.addr, "--token", token])

        svn_root = self.path("svnroot")
        os.makedirs(svn_root)
        self.svn_repos = svn_root
        for repo in ("big", "small"):
            self.run(["svnadmin", "create", os.path.join(svn_root, repo)])
            with open(os.path.join(svn_root, repo, "conf", "svnserve.conf"), "w") as f:
                f.write("[general]\nanon-access = write\nauth-access = write\n")
        port = free_port()
        log(f"starting svnserve on 127.0.0.1:{port}")
        p = self.spawn("svnserve", ["svnserve", "-d", "--foreground", "--listen-host",
                                    "127.0.0.1", "--listen-port", str(port), "-r", svn_root],
                       "svnserve.log")
        wait_for_port(port, p, "svnserve")
        self.svn_relay = Relay(port)
        self.relays.append(self.svn_relay)
        self.svn_url = f"svn://127.0.0.1:{self.svn_relay.port}"

        git_root = self.path("gitroot")
        os.makedirs(git_root)
        self.run(["git", "-c", "init.defaultBranch=main", "init", "-q", "--bare",
                  os.path.join(git_root, "small.git")])
        port = free_port()
        log(f"starting git daemon on 127.0.0.1:{port}")
        p = self.spawn("git daemon", ["git", "daemon", "--reuseaddr", "--listen=127.0.0.1",
                                      f"--port={port}", f"--base-path={git_root}",
                                      "--export-all", "--enable=receive-pack", git_root],
                       "git-daemon.log")
        wait_for_port(port, p, "git daemon")
        self.git_relay = Relay(port)
        self.relays.append(self.git_relay)
        self.git_url = f"git://127.0.0.1:{self.git_relay.port}"

    def stop_servers(self):
        for relay in self.relays:
            relay.close()
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=20)
        self.procs = []
        if self.pg_dir:
            subprocess.run(["bash", os.path.join(ROOT, "scripts/pg.sh"), "stop", self.pg_dir],
                           timeout=120, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.pg_dir = None
        if self.s3_dir:
            subprocess.run(["bash", os.path.join(ROOT, "scripts/s3.sh"), "stop", self.s3_dir],
                           timeout=60, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.s3_dir = None

    # --- measurements --------------------------------------------------------------------

    def case(self, name, fn):
        """Runs one case; a failure is recorded (and reported) instead of ending the run."""
        log(name)
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - every failure is reported
            msg = str(e).strip().splitlines()
            self.failures.append({"case": name, "error": str(e)})
            log(f"  FAILED: {msg[0] if msg else e}")

    def physical(self):
        out = self.run(["openssl", "speed", "-evp", "sha256", "-bytes", "16384",
                        "-seconds", "3"])
        rate = None
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "sha256" and parts[1].endswith("k"):
                rate = float(parts[1][:-1]) * 1000.0
        if rate is None:
            raise RuntimeError("could not read openssl speed's figure:\n" + out[-1000:])
        self.results["openssl_sha256"] = {"bytes_per_second": rate}
        log(f"  openssl sha256: {rate / 1e6:.0f} MB/s")

        self.big_src = self.path("big.src")
        write_random_file(self.big_src, self.size, 1)
        dst = self.path("big.cp")
        t, _, _, _ = self.timed([["cp", self.big_src, dst]])
        os.remove(dst)
        self.results["cp"] = {"seconds": t, "bytes_per_second": self.size / t,
                              "note": "source in page cache (just written); includes no sync"}
        log(f"  cp of {self.size // MIB} MiB: {t:.3f} s ({self.size / t / 1e6:.0f} MB/s)")

    def big_file(self):
        n = self.size
        # mlvc
        self.run([self.mlvc, "repo", "create", "big", "--server", self.addr])
        wc = self.path("mlvc-big")
        self.run([self.mlvc, "checkout", f"{self.addr}/big", wc])
        shutil.copyfile(self.big_src, os.path.join(wc, "model.bin"))
        t, up, _, out = self.timed([[self.mlvc, "add", "model.bin"],
                                    [self.mlvc, "commit", "-m", "first"]], wc, self.mlvc_relay)
        self.expect_committed(out)
        self.results["mlvc_push"] = {"seconds": t, "bytes_up": up,
                                   "steps": self.last_steps}
        # svn
        swc = self.path("svn-big")
        self.run(["svn", "checkout", "-q", "--non-interactive", "--no-auth-cache",
                  f"{self.svn_url}/big", swc])
        shutil.copyfile(self.big_src, os.path.join(swc, "model.bin"))
        t, up, _, _ = self.timed([["svn", "add", "-q", "model.bin"],
                                  ["svn", "commit", "-q", "--non-interactive", "--no-auth-cache",
                                   "-m", "first"]], swc, self.svn_relay)
        self.results["svn_push"] = {"seconds": t, "bytes_up": up,
                                  "steps": self.last_steps}

        # 1% overwritten in place, in the middle.
        for d in (wc, swc):
            overwrite_middle(os.path.join(d, "model.bin"), n, 2)
        blobs0 = du_bytes(self.blobs)
        t, up, _, out = self.timed([[self.mlvc, "commit", "-m", "1% changed"]], wc,
                                   self.mlvc_relay)
        self.expect_committed(out)
        self.results["mlvc_repush_1pct"] = {"seconds": t, "bytes_up": up,
                                            "storage_added": du_bytes(self.blobs) - blobs0}
        svn0 = du_bytes(os.path.join(self.svn_repos, "big"))
        t, up, _, _ = self.timed([["svn", "commit", "-q", "--non-interactive", "--no-auth-cache",
                                   "-m", "1% changed"]], swc, self.svn_relay)
        self.results["svn_repush_1pct"] = {
            "seconds": t, "bytes_up": up,
            "storage_added": du_bytes(os.path.join(self.svn_repos, "big")) - svn0}

        # 1 MiB inserted at the start.
        for d in (wc, swc):
            insert_at_start(os.path.join(d, "model.bin"), 3)
        blobs0 = du_bytes(self.blobs)
        t, up, _, out = self.timed([[self.mlvc, "commit", "-m", "1 MiB inserted"]], wc,
                                   self.mlvc_relay)
        self.expect_committed(out)
        self.results["mlvc_repush_insert"] = {"seconds": t, "bytes_up": up,
                                              "storage_added": du_bytes(self.blobs) - blobs0}
        t, up, _, _ = self.timed([["svn", "commit", "-q", "--non-interactive", "--no-auth-cache",
                                   "-m", "1 MiB inserted"]], swc, self.svn_relay)
        self.results["svn_repush_insert"] = {"seconds": t, "bytes_up": up}

        # Checkout of the big file (its latest version), each run into a fresh folder.
        co = self.path("co-big")
        self.repeated("mlvc_checkout_big",
                      lambda i: ([[self.mlvc, "checkout", f"{self.addr}/big", co]], None),
                      lambda i: shutil.rmtree(co), self.reps_big, self.mlvc_relay)
        self.repeated("svn_checkout_big",
                      lambda i: ([["svn", "checkout", "-q", "--non-interactive", "--no-auth-cache",
                                   f"{self.svn_url}/big", co]], None),
                      lambda i: shutil.rmtree(co), self.reps_big, self.svn_relay)
        shutil.rmtree(wc)
        shutil.rmtree(swc)

    @staticmethod
    def expect_committed(out):
        if "Committed changeset" not in out:
            raise RuntimeError("mlvc commit did not commit:\n" + out[-2000:])

    def small_files(self):
        m = self.small_count
        # mlvc: add + commit
        self.run([self.mlvc, "repo", "create", "small", "--server", self.addr])
        wc = self.path("mlvc-small")
        self.run([self.mlvc, "checkout", f"{self.addr}/small", wc])
        dirs = write_small_tree(wc, m, 4)
        t, up, _, out = self.timed([[self.mlvc, "add", *dirs],
                                    [self.mlvc, "commit", "-m", "small files"]], wc,
                                   self.mlvc_relay)
        self.expect_committed(out)
        self.results["mlvc_commit_small"] = {"seconds": t, "bytes_up": up,
                                           "steps": self.last_steps}
        # svn: add + commit
        swc = self.path("svn-small")
        self.run(["svn", "checkout", "-q", "--non-interactive", "--no-auth-cache",
                  f"{self.svn_url}/small", swc])
        write_small_tree(swc, m, 4)
        t, up, _, _ = self.timed([["svn", "add", "-q", *dirs],
                                  ["svn", "commit", "-q", "--non-interactive", "--no-auth-cache",
                                   "-m", "small files"]], swc, self.svn_relay)
        self.results["svn_commit_small"] = {"seconds": t, "bytes_up": up,
                                          "steps": self.last_steps}
        # git: add + commit + push to the daemon
        gwc = self.path("git-small")
        os.makedirs(gwc)
        self.run(["git", "-c", "init.defaultBranch=main", "init", "-q"], gwc)
        self.run(["git", "remote", "add", "origin", f"{self.git_url}/small.git"], gwc)
        write_small_tree(gwc, m, 4)
        t, up, _, _ = self.timed([["git", "add", "-A"], ["git", "commit", "-q", "-m", "small"],
                                  ["git", "push", "-q", "origin", "main"]], gwc, self.git_relay)
        self.results["git_commit_small"] = {"seconds": t, "bytes_up": up,
                                          "steps": self.last_steps}

        # Checkouts into fresh folders.
        co = os.path.join(self.ram or self.work, "co-small")
        self.repeated("mlvc_checkout_small",
                      lambda i: ([[self.mlvc, "checkout", f"{self.addr}/small", co]], None),
                      lambda i: self.discard(co), self.reps_small, self.mlvc_relay)
        self.repeated("svn_checkout_small",
                      lambda i: ([["svn", "checkout", "-q", "--non-interactive", "--no-auth-cache",
                                   f"{self.svn_url}/small", co]], None),
                      lambda i: self.discard(co), self.reps_small, self.svn_relay)
        self.repeated("git_clone_small",
                      lambda i: ([["git", "clone", "-q", f"{self.git_url}/small.git", co]], None),
                      lambda i: self.discard(co), self.reps_small, self.git_relay)

        # status with nothing changed (the committed working copies).
        self.repeated("mlvc_status_small", lambda i: ([[self.mlvc, "status"]], wc),
                      lambda i: None, self.reps_small)
        out = self.run([self.mlvc, "status"], wc)
        self.results["mlvc_status_small"]["output_lines"] = len(out.splitlines())
        self.repeated("svn_status_small", lambda i: ([["svn", "status"]], swc),
                      lambda i: None, self.reps_small)
        self.results["svn_status_small"]["output_lines"] = len(
            self.run(["svn", "status"], swc).splitlines())
        for d in (wc, swc, gwc):
            self.discard(d)

    def peak_rss(self):
        pid = self.mlvcd_proc.pid
        self.results["mlvcd_vmhwm_before_rss_case_kib"] = vm_kib(pid, "VmHWM")
        # Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS.
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        base = vm_kib(pid, "VmHWM")
        self.run([self.mlvc, "repo", "create", "rss", "--server", self.addr])
        wc = self.path("mlvc-rss")
        self.run([self.mlvc, "checkout", f"{self.addr}/rss", wc])
        write_random_file(os.path.join(wc, "huge.bin"), self.rss_size, 5)
        t_up, _, _, out = self.timed([[self.mlvc, "add", "huge.bin"],
                                      [self.mlvc, "commit", "-m", "huge"]], wc)
        self.expect_committed(out)
        after_up = vm_kib(pid, "VmHWM")
        shutil.rmtree(wc)
        co = self.path("co-rss")
        t_down, _, _, _ = self.timed([[self.mlvc, "checkout", f"{self.addr}/rss", co]])
        shutil.rmtree(co)
        peak = vm_kib(pid, "VmHWM")
        self.results["mlvcd_peak_rss"] = {"file_bytes": self.rss_size, "vmhwm_kib": peak,
                                          "vmhwm_after_upload_kib": after_up,
                                          "rss_at_reset_kib": base,
                                          "push_seconds": t_up, "checkout_seconds": t_down}

    def s3(self):
        """Push of the big file to mlvcd on the S3 backend vs `aws s3 cp` to the same s3rver.

        Runs last: it adds AWS credentials to the environment and logs in to a second mlvcd
        (own database, so nothing of the filesystem run is deduplicated).
        """
        s3rver = os.path.join(ROOT, ".tools/node_modules/s3rver/bin/s3rver.js")
        if not (shutil.which("aws") and shutil.which("node") and os.path.isfile(s3rver)):
            self.results["s3_push"] = {"skipped": "needs aws, node and s3rver "
                                                  "(scripts/install-deps.sh)"}
            log("  skipped: needs aws, node and s3rver (scripts/install-deps.sh)")
            return
        port = free_port()
        self.s3_dir = self.path("s3")
        self.run(["bash", os.path.join(ROOT, "scripts/s3.sh"), "start", self.s3_dir, str(port),
                  "bench"])
        endpoint = f"http://127.0.0.1:{port}"
        self.env.update(AWS_ACCESS_KEY_ID="S3RVER", AWS_SECRET_ACCESS_KEY="S3RVER",
                        AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1")
        self.env.pop("AWS_SESSION_TOKEN", None)
        self.env.pop("AWS_PROFILE", None)
        self.run(["psql", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "mlvc", "-d", "mlvc",
                  "-qc", "CREATE DATABASE mlvc_s3 OWNER mlvc"])
        db = f"postgresql://mlvc@127.0.0.1:{self.pg_port}/mlvc_s3"
        self.run([self.mlvcd, "migrate", "--db", db])
        out = self.run([self.mlvcd, "admin", "create-user", "bench", "--admin", "--db", db])
        token = out.strip().splitlines()[-1].strip()
        mport = free_port()
        p = self.spawn("mlvcd (s3)", [self.mlvcd, "serve", "--db", db, "--blobs", "s3://bench/mlvc",
                                      "--s3-endpoint", endpoint, "--s3-region", "us-east-1",
                                      "--listen", f"127.0.0.1:{mport}"], "mlvcd-s3.log")
        wait_for_port(mport, p, "mlvcd (s3)")
        addr = f"127.0.0.1:{mport}"
        self.run([self.mlvc, "login", addr, "--token", token])
        self.run([self.mlvc, "repo", "create", "big", "--server", addr])
        wc = self.path("mlvc-s3")
        self.run([self.mlvc, "checkout", f"{addr}/big", wc])
        shutil.copyfile(self.big_src, os.path.join(wc, "model.bin"))
        t, _, _, out = self.timed([[self.mlvc, "add", "model.bin"],
                                   [self.mlvc, "commit", "-m", "first"]], wc)
        self.expect_committed(out)
        t_aws, _, _, _ = self.timed([["aws", "s3", "cp", "--only-show-errors", "--endpoint-url",
                                      endpoint, self.big_src, "s3://bench/peer/model.bin"]])
        self.results["s3_push"] = {"seconds": t, "aws_s3_cp_seconds": t_aws}
        shutil.rmtree(wc)

    # --- the table ----------------------------------------------------------------------

    def build_rows(self):
        r = self.results
        n = self.size

        def get(key, field="seconds"):
            return r.get(key, {}).get(field)

        def row(case, unit, mlvc, peer, peer_name, basis, op, limit, target_text):
            ratio = None
            if mlvc is not None and basis:
                ratio = mlvc / basis
            if ratio is None:
                verdict = "NO DATA"
            elif (ratio <= limit) if op == "<=" else (ratio >= limit):
                verdict = "PASS"
            else:
                verdict = "MISS"
            self.rows.append({"case": case, "unit": unit, "mlvc": mlvc, "peer": peer,
                              "peer_name": peer_name, "ratio": ratio, "op": op,
                              "limit": limit, "target": target_text, "result": verdict})

        mib = f"{n // MIB} MiB"
        m = self.small_count
        sha = r.get("openssl_sha256", {}).get("bytes_per_second")
        push = get("mlvc_push")
        row(f"first push of {mib} (time)", "s", push, get("svn_push"), "svn commit",
            get("svn_push"), "<=", 0.3, "<= 0.3 x svn")
        row(f"first push of {mib} (rate)", "MB/s", n / push / 1e6 if push else None,
            sha / 1e6 if sha else None, "openssl sha256", sha / 1e6 if sha else None, ">=", 0.5,
            ">= 0.5 x sha256")
        row("re-push, 1% overwritten (bytes sent)", "MiB",
            mib_of(get("mlvc_repush_1pct", "bytes_up")), mib_of(get("svn_repush_1pct", "bytes_up")),
            "svn commit", n / MIB, "<=", 0.03, "<= 0.03 x size")
        row("re-push, 1% overwritten (time)", "s", get("mlvc_repush_1pct"),
            get("svn_repush_1pct"), "svn commit", push, "<=", 0.2, "<= 0.2 x first push")
        row("re-push, 1 MiB inserted at start (bytes sent)", "MiB",
            mib_of(get("mlvc_repush_insert", "bytes_up")),
            mib_of(get("svn_repush_insert", "bytes_up")), "svn commit", n / MIB, "<=", 0.03,
            "<= 0.03 x size")
        row(f"checkout of {mib}", "s", get("mlvc_checkout_big"), get("svn_checkout_big"),
            "svn checkout", get("svn_checkout_big"), "<=", 0.3, "<= 0.3 x svn")
        row(f"commit of {m} small files", "s", get("mlvc_commit_small"),
            get("svn_commit_small"), "svn add+commit", get("svn_commit_small"), "<=", 0.15,
            "<= 0.15 x svn")
        row(f"commit of {m} small files", "s", get("mlvc_commit_small"),
            get("git_commit_small"), "git add+commit+push", get("git_commit_small"), "<=", 1.0,
            "<= 1.0 x git")
        row(f"checkout of {m} small files", "s", get("mlvc_checkout_small"),
            get("svn_checkout_small"), "svn checkout", get("svn_checkout_small"), "<=", 0.3,
            "<= 0.3 x svn")
        row(f"checkout of {m} small files", "s", get("mlvc_checkout_small"),
            get("git_clone_small"), "git clone", get("git_clone_small"), "<=", 1.0,
            "<= 1.0 x git")
        row(f"status, nothing changed ({m} files)", "s", get("mlvc_status_small"),
            get("svn_status_small"), "svn status", get("svn_status_small"), "<=", 1.0,
            "<= 1.0 x svn")
        row("storage added by the 1% version", "MiB",
            mib_of(get("mlvc_repush_1pct", "storage_added")),
            mib_of(get("svn_repush_1pct", "storage_added")), "svn repo growth", n / MIB, "<=",
            0.03, "<= 0.03 x size")
        peak = r.get("mlvcd_peak_rss", {}).get("vmhwm_kib")
        s3 = r.get("s3_push", {})
        if "seconds" in s3 or "skipped" not in s3:
            row(f"push of {mib} to the S3 backend", "s", s3.get("seconds"),
                s3.get("aws_s3_cp_seconds"), "aws s3 cp", s3.get("aws_s3_cp_seconds"), "<=", 1.0,
                "<= 1.0 x aws s3 cp")
        row(f"mlvcd peak RSS, {self.rss_size // MIB} MiB push+checkout", "MiB",
            peak / 1024 if peak else None, None, "", 1.0, "<=", 200.0, "<= 200 MiB")

    def print_table(self):
        headers = ["case", "mlvc", "peer", "ratio", "target", "result"]
        lines = []
        for x in self.rows:
            peer = "-" if x["peer"] is None else f"{fmt(x['peer'])} {x['unit']} ({x['peer_name']})"
            # An absolute target (peak RSS) has no ratio: the value is compared to the limit.
            absolute = x["target"].endswith("MiB")
            ratio = "-" if x["ratio"] is None or absolute else f"{x['ratio']:.3f}"
            lines.append([x["case"], "-" if x["mlvc"] is None else f"{fmt(x['mlvc'])} {x['unit']}",
                          peer, ratio, x["target"], x["result"]])
        widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
        print()
        print("  ".join(h.ljust(w) for h, w in zip(headers, widths)))
        print("  ".join("-" * w for w in widths))
        for line in lines:
            print("  ".join(c.ljust(w) for c, w in zip(line, widths)))
        print()
        r = self.results
        if "openssl_sha256" in r and "cp" in r:
            print(f"physical: openssl sha256 (16 KiB blocks, 1 core) "
                  f"{r['openssl_sha256']['bytes_per_second'] / 1e6:.0f} MB/s; "
                  f"cp of {self.size // MIB} MiB {r['cp']['seconds']:.3f} s "
                  f"({r['cp']['bytes_per_second'] / 1e6:.0f} MB/s, source in page cache)")
        ranges = [f"{k}: {min(v['runs']):.3f}-{max(v['runs']):.3f} s"
                  for k, v in r.items() if isinstance(v, dict) and len(v.get("runs", [])) > 1]
        if ranges:
            print("ranges over runs (medians above): " + "; ".join(ranges))
        if "skipped" in r.get("s3_push", {}):
            print("not measured: push to the S3 backend: " + r["s3_push"]["skipped"])
        print("bytes sent = TCP payload client->server through a counting relay on 127.0.0.1; "
              "times include process start-up and the relay, the same for every tool.")
        if self.ram is not None:
            print(f"small-file checkouts (every tool) go to a RAM folder under /dev/shm; "
                  f"the rest to {os.path.dirname(self.work)}")
        for f in self.failures:
            print(f"FAILED case {f['case']}: {f['error'].splitlines()[0] if f['error'] else ''}")

    def document(self):
        cpu = ""
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        cpu = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        versions = {}
        for name, cmd in (("svn", ["svn", "--version", "--quiet"]), ("git", ["git", "--version"]),
                          ("openssl", ["openssl", "version"])):
            try:
                versions[name] = self.run(cmd).strip()
            except Exception:  # noqa: BLE001
                versions[name] = None
        return {"mode": "quick" if self.quick else "full", "file_bytes": self.size,
                "small_files": self.small_count, "rss_file_bytes": self.rss_size,
                "machine": {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release()},
                "versions": versions, "command": " ".join(sys.argv),
                "rows": self.rows, "measurements": self.results, "failures": self.failures,
                "targets_asserted": False}


def mib_of(b):
    return None if b is None else b / MIB


def fmt(v):
    if v is None:
        return "-"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.3f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="64 MiB / 1,000 files (default)")
    mode.add_argument("--full", action="store_true", help="1 GiB / 10,000 files / 4 GiB RSS")
    p.add_argument("--json", help="write the results here as JSON")
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build"),
                   help="where mlvcd and mlvc were built (default: build/ of the checkout)")
    p.add_argument("--work-dir", default=None, help="parent of the temporary folder")
    p.add_argument("--repeat", type=int, default=3,
                   help="runs of each checkout/status case (median reported; big-file "
                        "checkouts run once in --full)")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    p.add_argument("--check", action="store_true",
                   help="exit 1 when a case did not run or produced no number (CTest)")
    args = p.parse_args()

    for tool in ("svn", "svnserve", "svnadmin", "git", "openssl"):
        if shutil.which(tool) is None:
            print(f"bench: {tool} is not installed (tests/bench/run.sh installs it)",
                  file=sys.stderr)
            return 2

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    try:
        bench = Bench(args)
    except RuntimeError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    log(f"{'full' if args.full else 'quick'} mode in {bench.work}: {bench.size // MIB} MiB file, "
        f"{bench.small_count} small files, {bench.rss_size // MIB} MiB for the RSS case")
    try:
        bench.start_servers()
        bench.case("physical references (openssl speed, cp)", bench.physical)
        bench.case("big file: push, 1% re-push, insert re-push, checkout", bench.big_file)
        bench.case("small files: commit, checkout, status", bench.small_files)
        bench.case("mlvcd peak RSS", bench.peak_rss)
        bench.case("S3 backend: push vs aws s3 cp", bench.s3)
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001
        bench.failures.append({"case": "setup", "error": str(e)})
        print(f"bench: {e}", file=sys.stderr)
    finally:
        bench.stop_servers()
        if bench.ram is not None:
            shutil.rmtree(bench.ram, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(bench.work, ignore_errors=True)
        else:
            log(f"kept {bench.work}")

    bench.build_rows()
    bench.print_table()
    doc = bench.document()
    doc["seconds_total"] = time.monotonic() - t0
    if args.json:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
        log(f"wrote {args.json}")
    misses = [x for x in bench.rows if x["result"] == "MISS"]
    no_data = [x for x in bench.rows if x["result"] == "NO DATA"]
    print(f"bench: {len(bench.rows) - len(misses) - len(no_data)} PASS, {len(misses)} MISS, "
          f"{len(no_data)} without a number, in {doc['seconds_total']:.0f} s. Targets are "
          "reported, not asserted: a miss is a finding (see the closing notes).")
    if args.check and (no_data or bench.failures):
        print("bench: FAIL: some cases did not run or produced no number", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
