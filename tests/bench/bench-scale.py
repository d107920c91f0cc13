#!/usr/bin/env python3
# bench-scale.py: Quarry on a generated 100,000-frame project.
#
# Copyright 2026 The Quarry developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scale benchmark: a generated project of 100,000 JPEG frames.

Measures, on the same files in the same run:
  * import: `quarry import --json --quiet` into a new project (header scan plus
    SQLite writes), then again into the same project (no-change re-scan);
    peer: `vipsheader` on every file (libvips opens each file and reads its
    JPEG header), in batches of 1,000 files per process, run one after another;
  * GUI, under Xvfb with the cairo renderer, QUARRY_BENCH=1: time from main()
    to the first painted non-empty grid (and from spawn, seen from outside),
    resident memory 3 s after that paint, and the time to apply a search text
    that matches 1 % of the frames (peer: the same LIKE scan in Python's
    sqlite3 on the project file, the floor for that query); each run once with
    an empty thumbnail cache (cold) and once with the cache it left (warm).

Frames: 100 folders f000..f099 of 1,000 files, made from 40 small JPEGs
(10 sizes from 320x240 to 1920x1080, 4 pictures each); every file gets its
own JPEG comment, so no two files are alike, and about a fifth carry an EXIF
orientation.  They are cached under DATA_DIR/frames-100k and kept for later
runs.

Exit status: 0 when everything ran and the counts are right (targets missed
are reported, not failed), 1 when something broke, 77 (skipped) without
xvfb-run or vipsheader.
"""

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

EXIT_SKIP = 77
STAMP = "quarry-bench-frames 2"
PER_FOLDER = 1000
SIZES = [(320, 240), (400, 300), (480, 360), (640, 360), (640, 480),
         (800, 600), (1024, 768), (1280, 720), (1600, 900), (1920, 1080)]
# Frames of each size per 22: more small ones, so 100k frames stay under 1 GB.
SIZE_WEIGHTS = [3, 3, 3, 3, 3, 2, 2, 1, 1, 1]
PICTURES_PER_SIZE = 4
QUALITY = 50
FILTER_FOLDER = 42
VIPS_BATCH = 1000
GUI_TIMEOUT_S = 180

TARGET_FIRST_PAINT_MS = 1000
TARGET_RSS_MIB = 300
TARGET_FILTER_MS = 100


def log(text=""):
    print(text, flush=True)


def fail(text):
    log("bench-scale: error: " + text)
    sys.exit(1)


# --- frames -----------------------------------------------------------------

def make_pixels(width, height, seed):
    """RGB bytes: a diagonal colour ramp with two flat boxes, like a simple scene."""
    rnd = random.Random(seed)
    left = [rnd.randrange(40, 216) for _ in range(3)]
    right = [rnd.randrange(40, 216) for _ in range(3)]
    row = bytearray(width * 3)
    for x in range(width):
        for c in range(3):
            row[3 * x + c] = left[c] + (right[c] - left[c]) * x // (width - 1)
    shades = [bytes(min(255, v + s) for v in range(256)) for s in range(40)]
    boxes = []
    for _ in range(2):
        bw, bh = rnd.randrange(width // 8, width // 3), rnd.randrange(height // 8, height // 3)
        bx, by = rnd.randrange(width - bw), rnd.randrange(height - bh)
        colour = bytes(rnd.randrange(256) for _ in range(3))
        boxes.append((bx, by, bw, bh, colour * bw))
    rows = []
    for y in range(height):
        line = bytearray(row.translate(shades[y * 40 // height]))
        for bx, by, bw, bh, fill in boxes:
            if by <= y < by + bh:
                line[3 * bx:3 * (bx + bw)] = fill
        rows.append(bytes(line))
    return b"".join(rows)


def encode_jpeg(width, height, pixels, tmpdir):
    """JPEG bytes, with Pillow when it is there, else with the `vips` program."""
    try:
        from PIL import Image
    except ImportError:
        Image = None
    path = os.path.join(tmpdir, "base.jpg")
    if Image is not None:
        Image.frombytes("RGB", (width, height), pixels).save(path, "JPEG", quality=QUALITY)
    else:
        ppm = os.path.join(tmpdir, "base.ppm")
        with open(ppm, "wb") as f:
            f.write(b"P6\n%d %d\n255\n" % (width, height))
            f.write(pixels)
        subprocess.run(["vips", "copy", ppm, "%s[Q=%d,strip]" % (path, QUALITY)], check=True)
    with open(path, "rb") as f:
        return f.read()


def split_after_app0(jpeg):
    """(SOI plus JFIF APP0 if any, the rest)."""
    if jpeg[:2] != b"\xff\xd8":
        fail("encoder wrote no JPEG")
    if jpeg[2:4] == b"\xff\xe0":
        end = 4 + struct.unpack(">H", jpeg[4:6])[0]
        return jpeg[:end], jpeg[end:]
    return jpeg[:2], jpeg[2:]


def exif_segment(orientation):
    """APP1 with a little-endian TIFF IFD0 holding only Orientation."""
    tiff = (b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 1)
            + struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack("<I", 0))
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def comment_segment(text):
    data = text.encode("ascii")
    return b"\xff\xfe" + struct.pack(">H", len(data) + 2) + data


def orientation_of(index):
    if index % 10 == 3:
        return 6
    if index % 10 == 7:
        return 8
    if index % 50 == 11:
        return 3
    return 1


def frame_relpath(index):
    folder = index // PER_FOLDER
    return "f%03d/frame-%03d-%06d.jpg" % (folder, folder, index)


def make_bases():
    bases = []
    with tempfile.TemporaryDirectory() as tmpdir:
        for i, (w, h) in enumerate(SIZES):
            for p in range(PICTURES_PER_SIZE):
                seed = i * PICTURES_PER_SIZE + p
                bases.append(split_after_app0(encode_jpeg(w, h, make_pixels(w, h, seed), tmpdir)))
    return bases


def base_order():
    """Base picture of each frame, by frame index modulo the list's length."""
    order = [i * PICTURES_PER_SIZE + p for i, weight in enumerate(SIZE_WEIGHTS)
             for p in range(PICTURES_PER_SIZE) for _ in range(weight)]
    random.Random(1).shuffle(order)
    return order


def write_frames(folder, n_frames):
    bases = make_bases()
    order = base_order()
    exif = {o: exif_segment(o) for o in (3, 6, 8)}
    total = 0
    for index in range(n_frames):
        relpath = frame_relpath(index)
        if index % PER_FOLDER == 0:
            os.makedirs(os.path.join(folder, os.path.dirname(relpath)))
        head, rest = bases[order[index % len(order)]]
        orientation = orientation_of(index)
        data = b"".join((head, exif[orientation] if orientation != 1 else b"",
                         comment_segment("quarry bench frame %06d" % index), rest))
        with open(os.path.join(folder, relpath), "wb") as f:
            f.write(data)
        total += len(data)
    return total


def filter_text(n_frames):
    """A folder name that 1,000 frames (1 % of 100,000) have in their path."""
    return "f%03d/" % min(FILTER_FOLDER, n_frames // PER_FOLDER - 1)


def frames_name(n_frames):
    return "frames-%dk" % (n_frames // 1000)


def ensure_frames(data_dir, n_frames):
    """The frames folder, generated once and reused while its stamp matches."""
    folder = os.path.join(data_dir, frames_name(n_frames))
    stamp_path = folder + ".stamp"
    stamp = "%s %d %d %d\n" % (STAMP, n_frames, PER_FOLDER, QUALITY)
    try:
        with open(stamp_path) as f:
            if f.read() == stamp and os.path.isdir(folder):
                log("frames: %s (cached)" % folder)
                return folder, False
    except FileNotFoundError:
        pass
    os.makedirs(data_dir, exist_ok=True)
    for stale in (stamp_path, folder, folder + ".tmp"):
        if os.path.isdir(stale):
            shutil.rmtree(stale)
        elif os.path.exists(stale):
            os.unlink(stale)
    log("frames: generating %d JPEG files in %s ..." % (n_frames, folder))
    start = time.monotonic()
    os.makedirs(folder + ".tmp")
    total = write_frames(folder + ".tmp", n_frames)
    os.rename(folder + ".tmp", folder)
    os.sync()  # so the writeback does not run into the timed import
    with open(stamp_path, "w") as f:
        f.write(stamp)
    log("frames: generated %d files, %.0f MiB, in %.1f s"
        % (n_frames, total / 2**20, time.monotonic() - start))
    return folder, True


def warm_page_cache(folder, relpaths):
    """Reads every file once, so the import and its peer both find them in memory."""
    start = time.monotonic()
    total = 0
    for relpath in relpaths:
        with open(os.path.join(folder, relpath), "rb") as f:
            total += len(f.read())
    log("page cache: read %.0f MiB in %.1f s" % (total / 2**20, time.monotonic() - start))


# --- import -----------------------------------------------------------------

def run_cli(app, args, env):
    return subprocess.run([app] + args, env=env, capture_output=True, text=True)


def timed_import(app, project, folder, env):
    start = time.monotonic()
    result = run_cli(app, ["import", project, folder, "--json", "--quiet"], env)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        fail("quarry import exited %d: %s" % (result.returncode, result.stderr.strip()[-2000:]))
    summary = json.loads(result.stdout)[0]
    return seconds, summary


def bench_import(app, project, folder, n_frames, env):
    result = run_cli(app, ["new", project], env)
    if result.returncode != 0:
        fail("quarry new: %s" % result.stderr.strip())
    first, summary = timed_import(app, project, folder, env)
    if summary["added"] != n_frames or summary["skipped"] != 0:
        fail("first import: expected %d new, got %s" % (n_frames, summary))
    again, summary = timed_import(app, project, folder, env)
    if summary["unchanged"] != n_frames:
        fail("re-scan: expected %d unchanged, got %s" % (n_frames, summary))
    info = json.loads(run_cli(app, ["info", project, "--json"], env).stdout)
    if info["images"] != n_frames:
        fail("quarry info: %d images, expected %d" % (info["images"], n_frames))
    return {"import_s": first, "rescan_s": again,
            "project_mib": os.path.getsize(project) / 2**20}


def bench_vipsheader(vipsheader, folder, relpaths):
    """Seconds for vipsheader on every file, 1,000 files per process."""
    env = dict(os.environ, VIPS_CONCURRENCY="1")
    start = time.monotonic()
    lines = 0
    for i in range(0, len(relpaths), VIPS_BATCH):
        batch = relpaths[i:i + VIPS_BATCH]
        result = subprocess.run([vipsheader] + batch, cwd=folder, env=env,
                                capture_output=True, text=True)
        if result.returncode != 0:
            fail("vipsheader exited %d: %s" % (result.returncode, result.stderr[-2000:]))
        lines += result.stdout.count("\n")
    seconds = time.monotonic() - start
    if lines != len(relpaths):
        fail("vipsheader printed %d lines for %d files" % (lines, len(relpaths)))
    return seconds, vipsheader_startup(vipsheader, folder, relpaths[0], env)


def vipsheader_startup(vipsheader, folder, relpath, env):
    """Median seconds of one vipsheader process on one file: mostly libvips start-up."""
    times = []
    for _ in range(5):
        start = time.monotonic()
        subprocess.run([vipsheader, relpath], cwd=folder, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.monotonic() - start)
    return statistics.median(times)


# --- filter floor -----------------------------------------------------------

def bench_sql_filter(project, text):
    """Median ms of the same case-insensitive LIKE scan in Python's sqlite3, or None."""
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    try:
        db = sqlite3.connect("file:%s?mode=ro" % project, uri=True)
        times, count = [], 0
        for _ in range(5):
            start = time.monotonic()
            count = len(db.execute("SELECT id, relpath FROM sample WHERE relpath LIKE ? "
                                   "ESCAPE '\\'", (pattern,)).fetchall())
            times.append((time.monotonic() - start) * 1000)
        db.close()
    except sqlite3.Error as e:
        log("sqlite3 filter floor: not measured (%s)" % e)
        return None, None
    return statistics.median(times), count


# --- GUI (runs inside xvfb-run) ---------------------------------------------

def gui_env(config, cache_dir):
    env = dict(os.environ)
    env.update({
        "QUARRY_BENCH": "1",
        "QUARRY_BENCH_FILTER": config["filter"],
        "GSK_RENDERER": "cairo",
        "GDK_DEBUG": "gl-disable",
        "GTK_A11Y": "none",
        "NO_AT_BRIDGE": "1",
        "GIO_USE_VFS": "local",
        "GSETTINGS_BACKEND": "memory",
        "GSETTINGS_SCHEMA_DIR": config["schema_dir"],
        "XDG_CACHE_HOME": cache_dir,
        "XDG_CONFIG_HOME": os.path.join(cache_dir, "config"),
        "XDG_DATA_HOME": os.path.join(cache_dir, "data"),
    })
    return env


def read_lines(stream, start, lines):
    for line in iter(stream.readline, ""):
        lines.append((time.monotonic() - start, line.rstrip("\n")))


def wait_child(proc, deadline):
    """(exit status, peak RSS in MiB) of proc; kills it after the deadline."""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_maxrss / 1024
        if time.monotonic() > deadline:
            proc.kill()
            deadline = float("inf")
        time.sleep(0.02)


def parse_bench_lines(lines):
    values, ext_paint = {}, None
    for when, line in lines:
        parts = line.split()
        if len(parts) == 4 and parts[0] == "bench:":
            values[parts[1]] = float(parts[2])
            if parts[1] == "first-grid-paint-ms":
                ext_paint = when * 1000
    return values, ext_paint


def gui_once(config, cache_dir):
    lines = []
    start = time.monotonic()
    with open(os.path.join(cache_dir, "stderr.log"), "a") as errors:
        proc = subprocess.Popen([config["app"], config["project"]], stdout=subprocess.PIPE,
                                stderr=errors, text=True, env=gui_env(config, cache_dir))
        reader = threading.Thread(target=read_lines, args=(proc.stdout, start, lines))
        reader.start()
        status, peak = wait_child(proc, start + GUI_TIMEOUT_S)
        reader.join()
        proc.stdout.close()
    wall = time.monotonic() - start
    values, ext_paint = parse_bench_lines(lines)
    return {"status": status, "wall_s": wall, "peak_rss_mib": peak, "ext_paint_ms": ext_paint,
            "paint_ms": values.get("first-grid-paint-ms"),
            "items": values.get("grid-items"), "rss_mib": values.get("rss-mib"),
            "filter_ms": values.get("filter-ms"), "matches": values.get("filter-matches")}


def gui_inner(config_path):
    with open(config_path) as f:
        config = json.load(f)
    results = {"cold": [], "warm": []}
    for _ in range(config["runs"]):
        with tempfile.TemporaryDirectory(prefix="quarry-bench-cache-") as cache_dir:
            for kind in ("cold", "warm"):
                results[kind].append(gui_once(config, cache_dir))
            try:
                with open(os.path.join(cache_dir, "stderr.log")) as f:
                    results.setdefault("stderr", []).append(f.read()[-4000:])
            except FileNotFoundError:
                pass
    with open(config["result"], "w") as f:
        json.dump(results, f)


def bench_gui(args, project, n_frames):
    config = {"app": args.app, "project": project, "runs": args.runs,
              "filter": filter_text(n_frames), "schema_dir": args.schema_dir}
    with tempfile.TemporaryDirectory(prefix="quarry-bench-gui-") as tmpdir:
        config["result"] = os.path.join(tmpdir, "result.json")
        config_path = os.path.join(tmpdir, "config.json")
        with open(config_path, "w") as f:
            json.dump(config, f)
        command = [args.xvfb_run, "-a", "-s", "-screen 0 1920x1080x24"]
        if shutil.which("dbus-run-session"):
            command += ["dbus-run-session", "--"]
        command += [sys.executable, os.path.abspath(__file__), "--gui-inner", config_path]
        with open(os.path.join(tmpdir, "xvfb-run.log"), "w+") as errors:
            subprocess.run(command, stderr=errors, check=False,
                           timeout=GUI_TIMEOUT_S * args.runs * 2 + 60)
            try:
                with open(config["result"]) as f:
                    results = json.load(f)
            except FileNotFoundError:
                errors.seek(0)
                log(errors.read()[-4000:])
                fail("the GUI runs under xvfb-run left no results")
    check_gui(results, n_frames, PER_FOLDER)
    warnings = [text for text in results.get("stderr", []) if text.strip()]
    if warnings:
        log("quarry wrote to stderr in the GUI runs (last lines of the first):")
        log("\n".join(warnings[0].splitlines()[-20:]))
    return results


def check_gui(results, n_frames, n_matches):
    for kind in ("cold", "warm"):
        for i, run in enumerate(results[kind]):
            problem = None
            if run["status"] != 0:
                problem = "exited with status %d" % run["status"]
            elif None in (run["paint_ms"], run["rss_mib"], run["filter_ms"]):
                problem = "printed no complete set of bench: lines (%s)" % run
            elif run["items"] != n_frames:
                problem = "grid showed %s items, expected %d" % (run["items"], n_frames)
            elif run["matches"] != n_matches:
                problem = "filter matched %s, expected %d" % (run["matches"], n_matches)
            if problem is not None:
                for text in results.get("stderr", []):
                    log(text)
                fail("GUI run %d (%s cache): quarry %s" % (i + 1, kind, problem))


# --- report -----------------------------------------------------------------

def median_of(runs, key):
    return statistics.median(run[key] for run in runs)


def verdict(value, target):
    return "ok" if value < target else "MISSED"


def report(n_frames, imp, vips, gui, sql_ms):
    vips_s, vips_start_s = vips
    n_batches = (n_frames + VIPS_BATCH - 1) // VIPS_BATCH
    rate = n_frames / imp["import_s"]
    log()
    log("%-44s %12s %12s" % ("measure (median of %d GUI runs)" % len(gui["cold"]),
                             "cold cache", "warm cache"))
    for label, key, fmt in (("first grid paint, from main() (ms)", "paint_ms", "%.0f"),
                            ("first grid paint, from spawn (ms)", "ext_paint_ms", "%.0f"),
                            ("resident memory 3 s after paint (MiB)", "rss_mib", "%.0f"),
                            ("peak resident memory (MiB)", "peak_rss_mib", "%.0f"),
                            ("apply filter (ms)", "filter_ms", "%.1f"),
                            ("whole GUI run, spawn to exit (s)", "wall_s", "%.1f")):
        log("%-44s %12s %12s" % (label, fmt % median_of(gui["cold"], key),
                                 fmt % median_of(gui["warm"], key)))
    for kind in ("cold", "warm"):
        log("%s runs: first paint %s ms, filter %s ms" % (
            kind, " ".join("%.0f" % run["paint_ms"] for run in gui[kind]),
            " ".join("%.1f" % run["filter_ms"] for run in gui[kind])))
    log()
    log("%-44s %12.2f s  (%.0f files/s)" % ("quarry import, %d new files" % n_frames,
                                             imp["import_s"], rate))
    log("%-44s %12.2f s  (%.0f files/s)" % ("quarry import again, nothing changed",
                                             imp["rescan_s"], n_frames / imp["rescan_s"]))
    log("%-44s %12.2f s  (%.0f files/s)" % ("vipsheader, same files, %d per process"
                                             % VIPS_BATCH, vips_s, n_frames / vips_s))
    log("%-44s %12.2f s  (%d x %.0f ms, one file each)" % (
        "  of which vipsheader start-ups, about", n_batches * vips_start_s, n_batches,
        vips_start_s * 1000))
    log("%-44s %12.1f MiB" % ("project file", imp["project_mib"]))
    if sql_ms is not None:
        log("%-44s %12.1f ms" % ("sqlite3 LIKE scan of the same filter (floor)", sql_ms))
    log()
    log("quarry import walks the folders, reads each JPEG's header (size, EXIF orientation) "
        "and writes a row to SQLite, 500 per transaction;")
    log("vipsheader opens each file with libvips (which first asks each of its loaders whether "
        "the file is theirs) and reads its JPEG header, writing nothing.")
    log()

    paint = median_of(gui["cold"], "paint_ms")
    rss = median_of(gui["cold"], "rss_mib")
    filt = median_of(gui["cold"], "filter_ms")
    sql = " (sqlite3 floor %.1f ms, %.1fx)" % (sql_ms, filt / sql_ms) if sql_ms else ""
    log("scale: first paint %.0f ms (target < %d: %s)" % (paint, TARGET_FIRST_PAINT_MS,
                                                          verdict(paint, TARGET_FIRST_PAINT_MS)))
    log("scale: filter %.1f ms (target < %d: %s)%s" % (filt, TARGET_FILTER_MS,
                                                       verdict(filt, TARGET_FILTER_MS), sql))
    log("scale: rss %.0f MiB (target < %d: %s)" % (rss, TARGET_RSS_MIB,
                                                   verdict(rss, TARGET_RSS_MIB)))
    log("scale: import %dk in %.2f s (%.0f files/s, vipsheader %.1fx the time, %.1fx without "
        "its start-ups), re-scan %.2f s"
        % (n_frames // 1000, imp["import_s"], rate, vips_s / imp["import_s"],
           max(0.0, vips_s - n_batches * vips_start_s) / imp["import_s"], imp["rescan_s"]))


# --- main -------------------------------------------------------------------

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", required=True, help="the quarry program")
    parser.add_argument("--schema-dir", help="compiled GSettings schemas (default: BUILD/data)")
    parser.add_argument("--data-dir", help="cache of generated frames (default: BUILD/bench-data)")
    parser.add_argument("--frames", type=int, default=100000, help="number of frames")
    parser.add_argument("--runs", type=int, default=3, help="GUI runs (the median counts)")
    parser.add_argument("--keep", action="store_true", help="keep the project file")
    args = parser.parse_args()
    build = os.path.dirname(os.path.dirname(os.path.abspath(args.app)))
    args.schema_dir = args.schema_dir or os.path.join(build, "data")
    args.data_dir = args.data_dir or os.path.join(build, "bench-data")
    if args.frames < PER_FOLDER or args.frames % PER_FOLDER != 0 or args.runs < 1:
        parser.error("--frames must be a multiple of %d and --runs at least 1" % PER_FOLDER)
    return args


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--gui-inner":
        gui_inner(sys.argv[2])
        return 0
    args = parse_args()
    # meson test sets this for tests; glibc then fills every allocation: not for timing.
    os.environ.pop("MALLOC_PERTURB_", None)
    args.xvfb_run = shutil.which("xvfb-run")
    vipsheader = shutil.which("vipsheader")
    if args.xvfb_run is None or vipsheader is None:
        log("bench-scale: skipped: needs xvfb-run (xvfb) and vipsheader (libvips-tools)")
        return EXIT_SKIP
    if not os.access(args.app, os.X_OK):
        fail("no quarry program at %s" % args.app)
    if not os.path.exists(os.path.join(args.schema_dir, "gschemas.compiled")):
        fail("no compiled schemas in %s (build data/gschemas.compiled)" % args.schema_dir)

    folder, _ = ensure_frames(args.data_dir, args.frames)
    relpaths = [frame_relpath(i) for i in range(args.frames)]
    warm_page_cache(folder, relpaths)
    env = dict(os.environ, GSETTINGS_BACKEND="memory", GSETTINGS_SCHEMA_DIR=args.schema_dir)
    workdir = tempfile.mkdtemp(prefix="run-", dir=args.data_dir)
    project = os.path.join(workdir, "scale.quarry")
    try:
        log("import: quarry import of %d files ..." % args.frames)
        imp = bench_import(args.app, project, folder, args.frames, env)
        log("import: %.2f s, re-scan %.2f s" % (imp["import_s"], imp["rescan_s"]))
        log("peer: vipsheader on %d files ..." % args.frames)
        vips_s, vips_start_s = bench_vipsheader(vipsheader, folder, relpaths)
        log("peer: %.2f s" % vips_s)
        log("gui: %d runs, cold and warm thumbnail cache, under xvfb-run ..." % args.runs)
        gui = bench_gui(args, project, args.frames)
        sql_ms, _ = bench_sql_filter(project, filter_text(args.frames))
        report(args.frames, imp, (vips_s, vips_start_s), gui, sql_ms)
    finally:
        if args.keep:
            log("project kept: %s" % project)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
