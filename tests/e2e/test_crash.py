#!/usr/bin/env python3
# test_crash.py: kill the real app with SIGKILL in the middle of annotating.
#
# Copyright 2026 The Quarry developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Makes a demo project with the command line, then three times: starts the real app
# on it, opens the Annotate page with Ctrl+E and draws boxes with real mouse drags
# (xdotool), waiting after each drag until the box is in the project file (a completed
# edit); after a random number of them (3..12, seeded; the seed is printed, --seed
# repeats the counts and places) it presses the button for one more box, moves, waits
# until that box is drawn on screen and kills the app with SIGKILL before the release.
# The project must then pass PRAGMA integrity_check, hold every completed box with its
# geometry and not the one in flight, and open again in the app (the grid shows the
# shape counts, no error dialog), which then quits cleanly.  Each cycle adds more boxes.
#
# Run it inside `dbus-run-session -- xvfb-run`; tests/e2e/meson.build does.  Exits 77
# (skipped) without xdotool, ImageMagick or the accessibility bus, 1 when a check fails.

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree for the import below
from test_annotate import (  # noqa: E402 (after the line above)
    App, Failure, Fit, Screenshots, Skip, SKIP, STATUS_IN_PROGRESS, TOLERANCE, FRAMES_PER_DRIVE,
    added_events, annotations_by, box_error, check_integrity, check_tools, description,
    image_size, import_atspi, log, name, open_annotate, os_user, print_output, query, run_steps,
    wait_for_grid, wait_for_new_shape, xdg_env)

CYCLES = 3
MIN_EDITS, MAX_EDITS = 3, 12
MIN_SIDE = 20           # image pixels: boxes well above the canvas's 2 px minimum


def random_box(rng, width, height):
    """Two opposite corners, in image pixels, of a box inside the image."""
    w = rng.uniform(MIN_SIDE, width / 4)
    h = rng.uniform(MIN_SIDE, height / 4)
    x = rng.uniform(5, width - w - 5)
    y = rng.uniform(5, height - h - 5)
    corners = [(x, y), (x + w, y + h)]
    if rng.random() < 0.5:
        corners.reverse()
    return corners


def outline_changes(before, after, corners, band=2):
    """(changed, perimeter): pixels that differ between two grabs of the same area
    within band pixels of the outline of the box with these corners, and its length."""
    (x0, x1), (y0, y1) = sorted(p[0] for p in corners), sorted(p[1] for p in corners)
    changed = 0
    for x in range(x0 - band, x1 + band + 1):
        for y in range(y0 - band, y1 + band + 1):
            near_x = abs(x - x0) <= band or abs(x - x1) <= band
            near_y = abs(y - y0) <= band or abs(y - y1) <= band
            if (near_x or near_y) and before.at(x, y) != after.at(x, y):
                changed += 1
    return changed, 2 * (x1 - x0 + y1 - y0)


class CrashTest:
    def __init__(self, args, atspi):
        self.args = args
        self.atspi = atspi
        self.seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
        self.rng = random.Random(self.seed)
        self.counts = sorted(self.rng.sample(range(MIN_EDITS, MAX_EDITS + 1), CYCLES))
        self.data = tempfile.mkdtemp(prefix='quarry-e2e-crash-')
        self.env = xdg_env(self.data)
        self.user = os_user()
        self.shots = Screenshots(args.out, 'crash')
        self.stderr_path = os.path.join(self.data, 'app-stderr.txt')
        self.project = None
        self.app = None
        self.completed = {}     # annotation id -> stored row

    def cleanup(self):
        if self.app is not None:
            self.app.stop()
        if not self.args.keep_data:
            shutil.rmtree(self.data, ignore_errors=True)

    def start_app(self):
        self.app = App(self.args.app, [self.project], self.env, self.atspi, self.stderr_path)
        return self.app

    # --- steps ---

    def make_project(self):
        folder = os.path.join(self.data, 'demo')
        result = subprocess.run([self.args.app, 'demo', folder, '--scenes',
                                 str(self.args.scenes), '--quiet'], env=self.env,
                                capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise Failure('quarry demo exited with %d: %s' % (result.returncode,
                                                              result.stderr.strip()))
        self.project = result.stdout.strip()
        if not os.path.isfile(self.project):
            raise Failure('quarry demo printed %r, which is not a file' % self.project)
        self.image_size = image_size(self.project)
        log('project %s; boxes per cycle %s' % (self.project, self.counts))

    def cycle(self, number):
        started = time.monotonic()
        app = self.start_app()
        wait_for_grid(app, self.args.scenes)
        status, canvas = open_annotate(app, self.image_size)
        fit = Fit(canvas, app.margin, *self.image_size)
        log('cycle %d: %d boxes on %s; fit %s' % (number, self.counts[number - 1],
                                                 status.group('name'), fit))
        app.key('b')
        for i in range(self.counts[number - 1]):
            self.draw_box(app, fit, 'box %d of cycle %d' % (i + 1, number))
        self.shots.take('cycle%d-drawn' % number)
        in_flight = self.kill_mid_drag(app, fit, number)
        log('cycle %d: killed with %d completed edits in %.1f s'
            % (number, len(self.completed), time.monotonic() - started))
        self.check_project(in_flight)
        self.reopen(number)
        log('cycle %d took %.1f s' % (number, time.monotonic() - started))

    def draw_box(self, app, fit, what):
        corners = [fit.to_window(*p) for p in random_box(self.rng, *self.image_size)]
        image = [fit.to_image(*p) for p in corners]
        expected = (min(image[0][0], image[1][0]), min(image[0][1], image[1][1]),
                    abs(image[1][0] - image[0][0]), abs(image[1][1] - image[0][1]))
        app.drag(*corners)
        row = wait_for_new_shape(app, self.project, self.user, set(self.completed), what)
        if row['kind'] != 'box' or box_error(row['geometry'], expected) > TOLERANCE:
            raise Failure('%s dragged %s was stored as %s %s, expected box %s'
                          % (what, corners, row['kind'], json.dumps(row['geometry']),
                             ['%.2f' % v for v in expected]))
        self.completed[row['id']] = row

    def kill_mid_drag(self, app, fit, number):
        """Presses and moves for one more box, then SIGKILL before the release."""
        corners = [fit.to_window(*p) for p in random_box(self.rng, *self.image_size)]
        before = app.grab_window()
        log('press at %d,%d and move to %d,%d, no release' % (corners[0] + corners[1]))
        app.press_and_move(*corners)
        # The box being drawn is a dashed outline: about half of it is drawn.  Once it is
        # on screen the app has handled the press and the moves.
        def drawn():
            changed, perimeter = outline_changes(before, app.grab_window(), corners)
            return changed * 4 >= perimeter and (changed, perimeter)
        counts = app.wait_for('the box being dragged to be drawn (a dashed outline)', drawn)
        log('%d pixels changed along the %d px outline while dragging' % counts)
        self.shots.take('cycle%d-in-flight' % number)
        app.kill()
        app.xdotool('mouseup', 1)       # the X server still holds the button down
        log('killed pid %d mid-drag' % app.proc.pid)
        return [fit.to_image(*p) for p in corners]

    def check_project(self, in_flight):
        check_integrity(self.project)
        stored = annotations_by(self.project, self.user)
        missing = [k for k in self.completed if k not in stored]
        extra = [stored[k] for k in stored if k not in self.completed]
        if missing:
            raise Failure('%d completed edits are lost after SIGKILL: %s'
                          % (len(missing), [self.completed[k] for k in missing]))
        if extra:
            raise Failure('the project has shapes nobody completed%s: %s'
                          % (' (the box in flight went from %s to %s)' % tuple(in_flight)
                             if in_flight else '', extra))
        for key, row in self.completed.items():
            if stored[key] != row:
                raise Failure('completed edit %s changed after SIGKILL: %s, was %s'
                              % (key, stored[key], row))
        events = added_events(self.project, self.user)
        if events != {key: 1 for key in self.completed}:
            raise Failure('annotation-added events %s do not match the %d completed edits'
                          % (events, len(self.completed)))
        samples = set(row['sample'] for row in self.completed.values())
        for sample_id, status in query(self.project, 'SELECT id, status FROM sample'):
            if sample_id in samples and status != STATUS_IN_PROGRESS:
                raise Failure('sample %d has shapes but status %d' % (sample_id, status))
        log('after SIGKILL: integrity ok, all %d completed edits on %d sample(s), none extra'
            % (len(self.completed), len(samples)))

    def reopen(self, number):
        app = self.start_app()
        wait_for_grid(app, self.args.scenes)
        self.check_cells(app)
        self.shots.take('cycle%d-reopened' % number)
        app.quit()
        self.check_project(None)

    def check_cells(self, app):
        """The reopened grid describes each annotated sample with its shape count."""
        per_sample = {}
        for row in self.completed.values():
            per_sample[row['sample']] = per_sample.get(row['sample'], 0) + 1
        for sample_id, count in sorted(per_sample.items()):
            relpath = query(self.project, 'SELECT relpath FROM sample WHERE id = ?',
                            (sample_id,))[0][0]
            wanted = ', %d shape%s' % (count, '' if count == 1 else 's')
            cells = [c for c in app.grid_cells() if name(c) == os.path.basename(relpath)]
            if not cells:
                log('cell %s is not in view: not checking its description' % relpath)
                continue
            app.wait_for('the reopened grid to describe %s with "%s" (it says "%s")'
                         % (relpath, wanted, description(cells[0])),
                         lambda: description(cells[0]).endswith(wanted))
            log('grid cell %s: %s' % (relpath, description(cells[0])))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--app', required=True, help='path of the quarry binary')
    parser.add_argument('--out', required=True, help='folder for the screenshots')
    parser.add_argument('--scenes', type=int, default=FRAMES_PER_DRIVE,
                        help='demo size (multiple of %d)' % FRAMES_PER_DRIVE)
    parser.add_argument('--seed', type=int, help='seed for the box counts and places')
    parser.add_argument('--keep-data', action='store_true',
                        help='keep the temporary folders')
    args = parser.parse_args()
    if args.scenes < FRAMES_PER_DRIVE or args.scenes % FRAMES_PER_DRIVE:
        parser.error('--scenes must be a positive multiple of %d' % FRAMES_PER_DRIVE)
    return args


def main():
    args = parse_args()
    try:
        check_tools()
        atspi = import_atspi()
    except Skip as skip:
        print('SKIP: %s' % skip, flush=True)
        return SKIP
    started = time.monotonic()
    test = CrashTest(args, atspi)
    print('# seed %d (run again with --seed %d)' % (test.seed, test.seed), flush=True)
    steps = [('make the demo project', test.make_project)]
    for number in range(1, CYCLES + 1):
        steps.append(('cycle %d: %d boxes, SIGKILL mid-drag, reopen'
                      % (number, test.counts[number - 1]),
                      lambda number=number: test.cycle(number)))

    def on_failure():
        test.shots.take('failed')
        print('# seed %d' % test.seed)
        print_output(test.app.output() if test.app else '')

    try:
        code = run_steps(steps, on_failure)
    finally:
        test.cleanup()
    log('total %.1f s' % (time.monotonic() - started))
    return code


if __name__ == '__main__':
    sys.exit(main())
