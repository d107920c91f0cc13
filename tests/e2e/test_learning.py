#!/usr/bin/env python3
# test_learning.py: end-to-end test of the built-in model, driven as a person would.
#
# Copyright 2026 The Quarry developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Opens the small demo project (240 frames; the first 10 of each drive are accepted) in
# the real app and, with real X input from xdotool only: Ctrl+M trains the model (the
# toast must say "Model updated: … accuracy (5-fold), 20 labels"); the browser's Sort By
# list is opened with a click and "Model Ranking" picked with the arrow keys, and the
# grid must then start with the frame the project file ranks first; Ctrl+E opens that
# frame on the Annotate page, whose queue follows the ranking ("1 of N"); three frames
# get a car box each (digit, B, drag) and Ctrl+Return; the model retrains (Ctrl+M, or on
# its own after the labels changed) and its toast must count 23 labels; the ranking in
# the project file must have changed and no longer hold the labelled frames.  On
# the Annotate page, Ctrl+Shift+F opens Similar Frames for the shown frame, which must
# list results with their similarity.  Ctrl+Q, then the project file passes
# PRAGMA integrity_check.  The accessibility tree is only read, never used to act.
# Screenshots of each step go to --out.
#
# Run it inside `dbus-run-session -- xvfb-run`; tests/e2e/meson.build does.  Exits 77
# (skipped) when xdotool, ImageMagick, the AT-SPI Python bindings or the accessibility
# bus are missing, 1 when the app does not behave.

import argparse
import os
import re
import shutil
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree for the import below
from test_annotate import (  # noqa: E402 (after the line above)
    App, Failure, Fit, Screenshots, Skip, SKIP, STEP_TIMEOUT, check_integrity, check_tools,
    image_size, import_atspi, log, open_annotate, print_output, query, run_steps,
    wait_for_grid, wait_for_image, xdg_env)
from atspi_nodes import children, find_one, name, role  # noqa: E402

SCENES = 240
DEMO_TIMEOUT = 180
TRAIN_TIMEOUT = 300
ACCEPTED = 20          # the demo accepts the first 10 frames of each of its 2 drives
TO_LABEL = 3
STATUS_SUBMITTED = 2
TOAST = re.compile(r'Model updated: \d+ % accuracy \(5-fold\), (?P<labels>\d+) labels?')
SCORE = re.compile(r'\d\.\d\d')


def has_state(app, node, state):
    try:
        return node.get_state_set().contains(getattr(app.Atspi.StateType, state))
    except Exception:
        return False


def visible_labels(app, root, pattern):
    return [name(n) for n in all_nodes(root)
            if role(n) == 'label' and pattern.fullmatch(name(n))
            and not app.extents(n).empty()]


def all_nodes(root):
    stack, found = [root], []
    while stack:
        node = stack.pop()
        for child in children(node):
            if child is not None:
                found.append(child)
                stack.append(child)
    return found


def ranking(project):
    """Names and ids of the frames in "label next" order, from the project file."""
    return query(project, 'SELECT s.id, s.relpath FROM prediction p JOIN sample s'
                          ' ON s.id = p.sample_id WHERE p.rank > 0 ORDER BY p.rank')


def point(app, node, what):
    rect = app.extents(node)
    if rect.empty():
        raise Failure('%s has no area on screen' % what)
    return (app.margin[0] + rect.x + rect.width // 2, app.margin[1] + rect.y + rect.height // 2)


def focused_item(app, root):
    item = find_one(root, lambda n: role(n) == 'list item' and has_state(app, n, 'FOCUSED'))
    label = item and find_one(item, lambda n: role(n) == 'label')
    return name(label) if label else None


class LearningTest:
    def __init__(self, args, atspi):
        self.args = args
        self.data = tempfile.mkdtemp(prefix='quarry-e2e-learning-')
        self.project = os.path.join(self.data, 'data', 'quarry', 'demo', 'demo.quarry')
        self.shots = Screenshots(args.out, 'learning')
        env = xdg_env(self.data)
        env['QUARRY_DEMO_SCENES'] = str(SCENES)
        self.app = App(args.app, ['--demo'], env, atspi,
                       os.path.join(self.data, 'app-stderr.txt'))
        self.first_ranking = []
        self.labelled = []
        self.toasts_seen = set()

    def cleanup(self):
        self.app.stop()
        if not self.args.keep_data:
            shutil.rmtree(self.data, ignore_errors=True)

    # --- helpers ---

    def toast(self, labels):
        """Waits for the "Model updated" toast that counts labels."""
        app = self.app

        def probe():
            for text in visible_labels(app, app.node, TOAST):
                if int(TOAST.fullmatch(text).group('labels')) == labels:
                    return text
            return None
        text = app.wait_for('the toast "Model updated: … %d labels"' % labels, probe,
                            TRAIN_TIMEOUT)
        log('toast: %s' % text)
        return text

    def first_cell(self):
        cells = [(self.app.extents(c).y, self.app.extents(c).x, name(c))
                 for c in self.app.grid_cells()]
        return min(cells)[2] if cells else None

    # --- steps ---

    def open_demo(self):
        wait_for_grid(self.app, SCENES, DEMO_TIMEOUT)
        self.image_size = image_size(self.project)
        if ranking(self.project):
            raise Failure('the new demo already has a ranking')
        self.shots.take('grid')

    def update_model(self):
        self.app.key('ctrl+m')
        self.toast(ACCEPTED)
        self.shots.take('trained')
        self.first_ranking = ranking(self.project)
        if not self.first_ranking:
            raise Failure('the project file holds no ranking after the update')
        log('ranked first: %s' % [os.path.basename(r) for _, r in self.first_ranking[:5]])

    def sort_by_ranking(self):
        app = self.app
        combo = app.wait_for('the "Sort By" list', lambda: find_one(
            app.node, lambda n: role(n) == 'combo box' and name(n) == 'Sort By'))
        x, y = point(app, combo, 'the "Sort By" list')
        app.focus()
        app.xdotool('mousemove', '--window', app.window_id, x, y, 'click', 1)
        seen = [app.wait_for('the "Sort By" list to open with an item focused',
                             lambda: focused_item(app, combo))]
        while seen[-1] != 'Model Ranking':
            app.key('Down')
            seen.append(app.wait_for('the focus to move down the "Sort By" list',
                                     lambda: focused_item(app, combo) not in (None, seen[-1])
                                     and focused_item(app, combo), timeout=5))
        app.key('Return')
        top = os.path.basename(self.first_ranking[0][1])
        app.wait_for('the grid to start with %s, ranked first' % top,
                     lambda: self.first_cell() == top)
        self.shots.take('sorted-by-ranking')

    def label_top_ranked(self):
        app = self.app
        status, canvas = open_annotate(app, self.image_size)
        ranked = [os.path.basename(r) for _, r in self.first_ranking]
        if status.group('name') != ranked[0] or status.group('pos') != '1':
            raise Failure('Ctrl+E showed %s, expected %s as 1st in the queue'
                          % (status.group(0), ranked[0]))
        self.shots.take('annotate-suggestion')
        for number in range(TO_LABEL):
            name_ = status.group('name')
            if name_ != ranked[number]:
                raise Failure('the queue shows %s where the ranking has %s'
                              % (name_, ranked[number]))
            sample_id = self.first_ranking[number][0]
            fit = Fit(canvas, app.margin, *self.image_size)
            w, h = self.image_size
            app.key('1', 'b')
            app.drag(fit.to_window(w * 0.3, h * 0.4), fit.to_window(w * 0.5, h * 0.7))
            app.wait_for('the box to be counted on %s' % name_,
                         lambda: app.status() and app.status().group('shapes') == '1')
            before = app.grab_window()
            app.key('ctrl+Return')
            app.wait_for('%s to be stored as submitted' % name_,
                         lambda: query(self.project, 'SELECT status FROM sample WHERE id = ?',
                                       (sample_id,))[0][0] == STATUS_SUBMITTED)
            self.labelled.append(sample_id)
            app.wait_for('Ctrl+Return to move on from %s' % name_,
                         lambda: app.status() and app.status().group('name') != name_)
            status, canvas = wait_for_image(app, self.image_size, before)
        self.shots.take('labelled')

    def update_again(self):
        self.app.key('ctrl+m')
        self.toast(ACCEPTED + TO_LABEL)
        self.shots.take('retrained')
        now = ranking(self.project)
        ids = [i for i, _ in now]
        if any(i in ids for i in self.labelled):
            raise Failure('labelled frames are still ranked: %s' % self.labelled)
        if ids[:TO_LABEL * 2] == [i for i, _ in self.first_ranking][:TO_LABEL * 2]:
            raise Failure('the ranking did not change: %s' % ids[:10])
        log('ranked first now: %s' % [os.path.basename(r) for _, r in now[:5]])

    def find_similar(self):
        app = self.app
        app.key('ctrl+shift+f')

        def dialog():
            return find_one(app.node, lambda n: role(n) in ('frame', 'dialog')
                            and name(n) == 'Similar Frames'
                            and has_state(app, n, 'VISIBLE'))
        node = app.wait_for('the Similar Frames dialog', dialog)
        scores = app.wait_for('similarity scores in Similar Frames',
                              lambda: visible_labels(app, node, SCORE), TRAIN_TIMEOUT)
        log('similar frames: %d shown, scores %s' % (len(scores), scores[:5]))
        if len(scores) < 2:
            raise Failure('Similar Frames shows %d result(s)' % len(scores))
        self.shots.take('similar')
        app.key('Escape')

    def quit(self):
        self.app.quit()
        check_integrity(self.project)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--app', required=True, help='path of the quarry binary')
    parser.add_argument('--out', required=True, help='folder for the screenshots')
    parser.add_argument('--keep-data', action='store_true',
                        help='keep the temporary XDG folders')
    return parser.parse_args()


def main():
    args = parse_args()
    try:
        check_tools()
        atspi = import_atspi()
    except Skip as skip:
        print('SKIP: %s' % skip, flush=True)
        return SKIP
    started = time.monotonic()
    test = LearningTest(args, atspi)
    steps = [
        ('the demo project opens', test.open_demo),
        ('Ctrl+M trains the model', test.update_model),
        ('the browser sorts by the model ranking', test.sort_by_ranking),
        ('the top-ranked frames are labelled with keys and drags', test.label_top_ranked),
        ('the model updates again and the ranking changes', test.update_again),
        ('Ctrl+Shift+F shows similar frames', test.find_similar),
        ('quit with Ctrl+Q', test.quit),
    ]

    def on_failure():
        test.shots.take('failed')
        print_output(test.app.output())

    try:
        code = run_steps(steps, on_failure)
    finally:
        test.cleanup()
    log('total %.1f s' % (time.monotonic() - started))
    return code


if __name__ == '__main__':
    sys.exit(main())
