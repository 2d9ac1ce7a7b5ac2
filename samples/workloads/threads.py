"""A py-spy workload with named threads, an idle thread and a child process.

The main thread hashes, a worker thread renders jinja2 templates (a site-packages dependency), a
second worker sleeps (only seen with --idle) and a child Python process sorts numbers (seen with
--subprocesses).
"""

import hashlib
import subprocess
import sys
import threading
import time


def hash_loop(seconds):
    end = time.time() + seconds
    data = b"x" * 4096
    while time.time() < end:
        data = hashlib.sha256(data).digest() * 128


def render_loop(seconds):
    import jinja2

    env = jinja2.Environment(autoescape=True)
    template = env.from_string("{% for i in items %}<li>{{ i }}</li>{% endfor %}")
    end = time.time() + seconds
    while time.time() < end:
        template.render(items=range(200))


def sleeper(seconds):
    time.sleep(seconds)


def child(seconds):
    end = time.time() + seconds
    while time.time() < end:
        sorted((i * 7919) % 10007 for i in range(5000))


def main(seconds):
    if len(sys.argv) > 2 and sys.argv[2] == "child":
        child(seconds)
        return
    proc = subprocess.Popen([sys.executable, sys.argv[0], str(seconds), "child"])
    workers = [
        threading.Thread(target=render_loop, args=(seconds,), name="renderer"),
        threading.Thread(target=sleeper, args=(seconds,), name="sleeper"),
    ]
    for w in workers:
        w.start()
    hash_loop(seconds)
    for w in workers:
        w.join()
    proc.wait()


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 3.0)
