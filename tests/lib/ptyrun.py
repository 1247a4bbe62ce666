#!/usr/bin/env python3
"""Run a command with its standard input and output on a pseudo-terminal.

Usage: ptyrun.py COLUMNS COMMAND [ARG...]

The terminal is COLUMNS wide and 50 rows high and does not turn "\\n" into
"\\r\\n", so what the command wrote is copied byte for byte to our standard
output. Standard error stays ours (not a terminal). Exits with the command's
exit status (128 + N when signal N ended it).
"""
import fcntl
import os
import struct
import subprocess
import sys
import termios


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: ptyrun.py COLUMNS COMMAND [ARG...]")
    cols = int(sys.argv[1])
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.ONLCR  # oflag: keep "\n" as written
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    child = subprocess.Popen(sys.argv[2:], stdin=slave, stdout=slave, start_new_session=True)
    os.close(slave)
    out = sys.stdout.buffer
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every writer closed the terminal
            break
        if not chunk:
            break
        try:
            out.write(chunk)
        except BrokenPipeError:  # our reader left: keep draining the terminal
            pass
    try:
        out.flush()
    except BrokenPipeError:
        pass
    rc = child.wait()
    sys.exit(128 - rc if rc < 0 else rc)


if __name__ == "__main__":
    main()
