#!/usr/bin/env python3
# test_interop.py: end-to-end test of exporting labels and importing them again.
#
# Copyright 2026 The Quarry developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Makes a small demo project with the command line (`quarry demo`), opens it in the real
# app and, as a person would, with real X input from xdotool only: Ctrl+Shift+E opens the
# Export dialog, the Format list is opened and COCO picked with the arrow keys, a folder
# is typed into the Output Folder entry; the live preview must count the project's
# images and shapes (its chart describes the shapes per class and split); clicking
# Export must end on "Export Verified", and the folder must hold the COCO files, the
# images and a report that says verification passed.  Then the app opens a new, empty
# project, Ctrl+Shift+I opens the Import Labels dialog, the export folder is typed into
# it and Enter pressed: the preview must list every class with its shape count; one
# class is renamed and one left out by editing their entries, Import is clicked, and
# the dialog must report the shapes imported while the window shows the new images.
# `quarry info --json` must then count exactly those images, classes and shapes.  The
# accessibility tree is only read (where widgets are, what labels say), never used to
# act.  Screenshots of every dialog state go to --out.
#
# Run it inside `dbus-run-session -- xvfb-run`; tests/e2e/meson.build does.  Exits 77
# (skipped) when xdotool, ImageMagick, the AT-SPI Python bindings or the accessibility
# bus are missing, 1 when the app does not behave.

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree for the import below
from test_annotate import (  # noqa: E402 (after the line above)
    App, Failure, Screenshots, Skip, SKIP, STEP_TIMEOUT, check_integrity, check_tools,
    import_atspi, log, print_output, run_steps, wait_for_grid, xdg_env)
from atspi_nodes import children, description, find_one, name, role  # noqa: E402

SCENES = 120
EXPORT_TIMEOUT = 120
COCO = 'COCO instances JSON'
RENAMED = ('traffic-sign', 'sign')   # a class renamed on import
LEFT_OUT = 'pedestrian'              # a class left out on import


class Dialog:
    """One of the app's dialogs (a top-level window of its own): by its title, or by a
    label it shows (message dialogs have no title)."""

    def __init__(self, app, title, label=None):
        self.app, self.title, self.label_text = app, title, label
        self.node = app.wait_for('the "%s" dialog in the accessibility tree' % (title or label),
                                 self.find_node)
        self.window_id, self.margin = app.wait_for('the "%s" dialog on the X display'
                                                   % (title or label), self.find_x_window)

    def find_node(self):
        for child in children(self.app.node):
            if not self.app.has_state(child, 'VISIBLE') or self.app.extents(child).empty():
                continue
            if self.title is not None and name(child) == self.title:
                return child
            if self.label_text is not None and find_one(
                    child, lambda n: role(n) == 'label' and name(n) == self.label_text):
                return child
        return None

    def find_x_window(self):
        """(window id, margin): the app's X window whose size fits the dialog's content,
        centred with an invisible border (client-side decorations keep one for the
        shadow)."""
        content = self.app.extents(self.node)
        result = subprocess.run(['xdotool', 'search', '--all', '--onlyvisible', '--pid',
                                 str(self.app.proc.pid)], capture_output=True, text=True)
        for window_id in result.stdout.split():
            try:
                geometry = dict(line.split('=', 1) for line in self.app.xdotool(
                    'getwindowgeometry', '--shell', window_id).split())
            except Failure:
                continue
            dx = int(geometry['WIDTH']) - content.width
            dy = int(geometry['HEIGHT']) - content.height
            if dx == dy and dx >= 0 and dx % 2 == 0:
                return window_id, (dx // 2, dy // 2)
        return None

    def is_open(self):
        return self.find_node() is not None

    def focus(self):
        self.app.xdotool('windowfocus', '--sync', self.window_id)

    def key(self, *keys):
        log('keys in "%s": %s' % (self.title, ' '.join(keys)))
        self.focus()
        self.app.xdotool('key', '--delay', 80, *keys)

    def type(self, text):
        log('typing %r in "%s"' % (text, self.title))
        self.focus()
        self.app.xdotool('type', '--delay', 20, text)

    def point(self, node, what):
        rect = self.app.extents(node)
        if rect.empty():
            raise Failure('%s has no area on screen' % what)
        return (self.margin[0] + rect.x + rect.width // 2,
                self.margin[1] + rect.y + rect.height // 2)

    def click(self, node, what):
        x, y = self.point(node, what)
        log('click on %s at %d,%d' % (what, x, y))
        self.focus()
        self.app.xdotool('mousemove', '--window', self.window_id, x, y, 'click', 1)

    def find(self, what, predicate, timeout=STEP_TIMEOUT):
        return self.app.wait_for(what, lambda: find_one(self.node, predicate), timeout)

    def label(self, regex, timeout=STEP_TIMEOUT):
        """The text of the first label matching regex (a match object)."""
        pattern = re.compile(regex)
        node = self.find('a label matching %r in "%s"' % (regex, self.title),
                         lambda n: role(n) == 'label' and pattern.fullmatch(name(n))
                         and not self.app.extents(n).empty(), timeout)
        return pattern.fullmatch(name(node))

    def button(self, label):
        """A push button by its visible label."""
        return self.find('the "%s" button' % label,
                         lambda n: role(n) == 'push button'
                         and any(role(c) == 'label' and name(c) == label for c in children(n)))

    def reveal(self, node, what):
        """Scrolls the dialog's page with the mouse wheel until node is inside it."""
        pane = node.get_parent()
        while pane is not None and role(pane) != 'scroll pane':
            pane = pane.get_parent()
        if pane is None:
            return
        for _ in range(40):
            view, rect = self.app.extents(pane), self.app.extents(node)
            if rect.y >= view.y and rect.y + rect.height <= view.y + view.height:
                return
            button = 5 if rect.y + rect.height > view.y + view.height else 4
            x, y = self.margin[0] + view.x + view.width // 2, self.margin[1] + view.y + 40
            self.app.xdotool('mousemove', '--window', self.window_id, x, y, 'click', button)
            time.sleep(0.15)
        raise Failure('could not scroll %s into view' % what)


class InteropTest:
    def __init__(self, args, atspi):
        self.args, self.Atspi = args, atspi
        self.data = tempfile.mkdtemp(prefix='quarry-e2e-interop-')
        self.env = xdg_env(self.data)
        self.demo = os.path.join(self.data, 'demo', 'demo.quarry')
        self.empty = os.path.join(self.data, 'labels-only', 'labels-only.quarry')
        self.export = os.path.join(self.data, 'exported coco')
        self.shots = Screenshots(args.out, 'interop')
        self.app = None
        self.info = None
        self.stderr_path = os.path.join(self.data, 'app-stderr.txt')

    def cleanup(self):
        if self.app is not None:
            self.app.stop()
        if not self.args.keep_data:
            shutil.rmtree(self.data, ignore_errors=True)

    def output(self):
        try:
            with open(self.stderr_path, 'r', errors='replace') as err:
                return err.read()
        except OSError:
            return ''

    # --- the command line ---

    def cli(self, *argv):
        result = subprocess.run([self.args.app] + list(argv), env=self.env,
                                capture_output=True, text=True, timeout=EXPORT_TIMEOUT)
        if result.returncode != 0:
            raise Failure('quarry %s failed (%d): %s' % (' '.join(argv), result.returncode,
                                                         result.stderr.strip()))
        return result.stdout

    def format_labels(self):
        """The format labels in the order `quarry formats` (and the dialog) lists them."""
        labels = []
        for line in self.cli('formats').splitlines():
            rest = line.strip().partition(' ')[2].strip()
            labels.append(rest[:rest.rindex(' (')] if ' (' in rest else rest)
        if COCO not in labels or len(labels) < 2:
            raise Failure('quarry formats lists %s' % labels)
        return labels

    def project_info(self, path):
        info = json.loads(self.cli('info', '--json', path))
        info['shapes_by_class'] = {c['name']: c['shapes'] for c in info['classes']}
        return info

    def start(self, project):
        self.app = App(self.args.app, [project], self.env, self.Atspi, self.stderr_path)
        self.app.has_state = lambda node, state: has_state(self.Atspi, node, state)

    # --- steps ---

    def make_projects(self):
        self.cli('demo', '--quiet', '--scenes', str(SCENES), os.path.dirname(self.demo))
        os.makedirs(os.path.dirname(self.empty))
        self.cli('new', self.empty)
        self.info = self.project_info(self.demo)
        if self.info['images'] != SCENES or self.info['annotations'] == 0:
            raise Failure('the demo project has %d images and %d shapes'
                          % (self.info['images'], self.info['annotations']))
        for wanted in (RENAMED[0], LEFT_OUT):
            if self.info['shapes_by_class'].get(wanted, 0) == 0:
                raise Failure('the demo has no shapes of class %s: %s'
                              % (wanted, self.info['shapes_by_class']))
        log('demo: %d images, %d shapes %s' % (self.info['images'], self.info['annotations'],
                                                self.info['shapes_by_class']))

    def open_demo(self):
        self.start(self.demo)
        wait_for_grid(self.app, SCENES)

    def open_export(self):
        self.app.key('ctrl+shift+e')
        self.dialog = Dialog(self.app, 'Export Labels')
        # Another format first, so that picking COCO is a real change.
        other = next(label for label in self.format_labels() if label != COCO)
        choose_in_combo(self.dialog, 'Format', other)
        choose_in_combo(self.dialog, 'Format', COCO)
        entry = self.dialog.find('the Output Folder entry',
                                 lambda n: role(n) == 'text' and name(n) == 'Output Folder')
        self.dialog.click(entry, 'the Output Folder entry')
        self.dialog.key('ctrl+a')
        self.dialog.type(self.export)
        # (GTK 4.8 does not expose the text of an AdwEntryRow; the result names the folder.)

    def check_export_preview(self):
        d = self.dialog
        images, shapes = self.info['images'], self.info['annotations']
        d.label(r'%d images and %d shapes will be exported\..*' % (images, shapes))
        chart = d.find('the split chart', lambda n: role(n) == 'image'
                       and name(n) == 'Shapes per class and split' and description(n))
        per_class = chart_totals(description(chart))
        if per_class != self.info['shapes_by_class']:
            raise Failure('the chart describes %s, the project has %s'
                          % (per_class, self.info['shapes_by_class']))
        log('chart: %s' % description(chart))
        self.shots.take('export-dialog')

    def run_export(self):
        d = self.dialog
        d.click(d.button('Export'), 'the Export button')
        d.label('Export Verified', EXPORT_TIMEOUT)
        result = d.label(r'(\d+) images and (\d+) shapes were written to “(.+)” and read back '
                         r'the same \(largest difference ([\d.]+) px\)\.')
        if (int(result.group(1)), int(result.group(2))) != (self.info['images'],
                                                              self.info['annotations']):
            raise Failure('the dialog says %s' % result.group(0))
        if result.group(3) != os.path.basename(self.export):
            raise Failure('the dialog names the folder %r' % result.group(3))
        d.button('Open Folder')
        self.shots.take('export-verified')

    def check_export_files(self):
        report = read_text(os.path.join(self.export, 'quarry-export-report.txt'))
        if not re.search(r'^Verification: passed', report, re.M):
            raise Failure('the report does not say verification passed:\n%s' % report)
        annotations = os.path.join(self.export, 'annotations')
        files = sorted(f for f in os.listdir(annotations) if f.endswith('.json'))
        n_images = n_shapes = 0
        for f in files:
            with open(os.path.join(annotations, f)) as stream:
                coco = json.load(stream)
            n_images += len(coco['images'])
            n_shapes += len(coco['annotations'])
        copied = sum(len(names) for _, _, names in os.walk(os.path.join(self.export, 'images')))
        if (n_images, n_shapes, copied) != (self.info['images'], self.info['annotations'],
                                            self.info['images']):
            raise Failure('%s hold %d images and %d shapes, %d image files were copied'
                          % (files, n_images, n_shapes, copied))
        log('%s: %d images, %d shapes' % (', '.join(files), n_images, n_shapes))

    def close_export(self):
        self.dialog.key('Escape')
        self.app.wait_for('the Export dialog to close on Escape',
                          lambda: not self.dialog.is_open())

    def export_again(self):
        """The same folder again: the app asks, then moves the old export aside."""
        self.app.key('ctrl+shift+e')
        d = self.dialog = Dialog(self.app, 'Export Labels')
        entry = d.find('the Output Folder entry',
                       lambda n: role(n) == 'text' and name(n) == 'Output Folder')
        d.click(entry, 'the Output Folder entry')
        d.key('ctrl+a')
        d.type(self.export)
        d.label(r'%d images and %d shapes will be exported\..*'
                % (self.info['images'], self.info['annotations']))
        d.click(d.button('Export'), 'the Export button')
        ask = Dialog(self.app, None, 'Replace the Folder?')
        self.shots.take('export-replace')
        ask.click(ask.button('Replace'), 'the Replace button')
        d.label('Export Verified', EXPORT_TIMEOUT)
        aside = [f for f in os.listdir(self.data)
                 if f.startswith(os.path.basename(self.export) + '.replaced-')]
        if len(aside) != 1 or not os.path.exists(
                os.path.join(self.data, aside[0], 'quarry-export-report.txt')):
            raise Failure('the first export was not moved aside: %s' % os.listdir(self.data))
        self.check_export_files()
        d.key('Escape')
        self.app.wait_for('the Export dialog to close on Escape', lambda: not d.is_open())
        self.app.quit()
        self.app = None

    def open_empty(self):
        self.start(self.empty)
        self.app.find_app()
        self.app.find_window()
        self.app.wait_for('the "No Images Yet" page', lambda: find_one(
            self.app.node, lambda n: role(n) == 'label' and name(n) == 'No Images Yet'))
        self.app.measure_margin()

    def open_import(self):
        self.app.key('ctrl+shift+i')
        d = self.dialog = Dialog(self.app, 'Import Labels')
        entry = d.find('the File or Folder entry',
                       lambda n: role(n) == 'text' and name(n) == 'File or Folder')
        d.click(entry, 'the File or Folder entry')
        d.type(self.export)
        d.key('Return')
        d.label(r'%d images in the labels' % self.info['images'])
        where = d.label(r'(\d+) already in the project, (\d+) new \(added to the project\), '
                        r'(\d+) missing \(their shapes are left out\)')
        if where.groups() != ('0', str(self.info['images']), '0'):
            raise Failure('the summary says %s' % where.group(0))
        d.label(r'%d shapes on these images' % self.info['annotations'])
        d.label(r'Format: %s' % re.escape(COCO))
        for klass, count in self.info['shapes_by_class'].items():
            self.check_class_row(klass, count, 'a new class')
        self.shots.take('import-preview')

    def class_row(self, klass):
        return self.dialog.find('the class row "%s"' % klass,
                                lambda n: role(n) == 'list item' and name(n) == klass
                                and name(n.get_parent()) == 'Classes')

    def check_class_row(self, klass, count, effect):
        row = self.class_row(klass)
        wanted = '%d shape%s → %s' % (count, '' if count == 1 else 's', effect)
        self.app.wait_for('the row of class %s to say "%s"' % (klass, wanted),
                          lambda: find_one(row, lambda n: role(n) == 'label'
                                           and name(n) == wanted))

    def edit_class(self, klass, target):
        d = self.dialog
        label = 'Project class for “%s”' % klass
        entry = d.find('the entry of class %s' % klass,
                       lambda n: role(n) == 'text' and name(n) == label)
        d.reveal(entry, 'the entry of class %s' % klass)
        d.click(entry, 'the entry of class %s' % klass)
        d.key('ctrl+a', 'BackSpace')
        if target:
            d.type(target)

    def map_classes(self):
        shapes = self.info['shapes_by_class']
        self.edit_class(RENAMED[0], RENAMED[1])
        self.check_class_row(RENAMED[0], shapes[RENAMED[0]], 'a new class “%s”' % RENAMED[1])
        self.edit_class(LEFT_OUT, '')
        self.check_class_row(LEFT_OUT, shapes[LEFT_OUT], 'left out')
        self.shots.take('import-mapped')

    def run_import(self):
        d = self.dialog
        kept = self.info['annotations'] - self.info['shapes_by_class'][LEFT_OUT]
        d.click(d.button('Import'), 'the Import button')
        d.label('Labels Imported', EXPORT_TIMEOUT)
        d.label(r'%d shapes were imported\. %d images were added to the project\. '
                r'%d shapes were left out\.' % (kept, self.info['images'],
                                                self.info['shapes_by_class'][LEFT_OUT]))
        self.shots.take('import-done')
        toast = '%d shapes imported from “%s”' % (kept, os.path.basename(self.export))
        self.app.wait_for('the toast "%s" in the window' % toast, lambda: find_one(
            self.app.frame(), lambda n: role(n) == 'label' and name(n) == toast))
        # The window behind reloads: the empty page gives way to the grid.
        self.app.wait_for('the window to show "%d images" after the import' % SCENES,
                          lambda: self.app.count_text() == '%d images' % SCENES)
        d.key('Escape')
        self.app.wait_for('the Import dialog to close on Escape', lambda: not d.is_open())
        self.app.wait_for('the grid to show the imported images', self.app.grid_cells)
        self.shots.take('imported-grid')
        self.app.quit()
        self.app = None

    def check_imported(self):
        check_integrity(self.empty)
        info = self.project_info(self.empty)
        wanted = dict(self.info['shapes_by_class'])
        wanted[RENAMED[1]] = wanted.pop(RENAMED[0])
        left_out = wanted.pop(LEFT_OUT)
        if info['images'] != self.info['images'] \
                or info['annotations'] != self.info['annotations'] - left_out:
            raise Failure('the project has %d images and %d shapes, expected %d and %d'
                          % (info['images'], info['annotations'], self.info['images'],
                             self.info['annotations'] - left_out))
        # Classes without shapes in the labels may or may not be created; the others must
        # be there with their shapes, and the left-out one must not.
        got = {k: v for k, v in info['shapes_by_class'].items() if v > 0 or k in wanted}
        if {k: v for k, v in wanted.items() if v > 0} != {k: v for k, v in got.items() if v > 0} \
                or LEFT_OUT in info['shapes_by_class'] or RENAMED[0] in info['shapes_by_class']:
            raise Failure('the project has classes %s, expected %s'
                          % (info['shapes_by_class'], wanted))
        log('imported project: %d images, %d shapes %s' % (info['images'], info['annotations'],
                                                            info['shapes_by_class']))


def has_state(atspi, node, state):
    try:
        return node.get_state_set().contains(getattr(atspi.StateType, state))
    except Exception:
        return False


def read_text(path):
    try:
        with open(path, errors='replace') as stream:
            return stream.read()
    except OSError as error:
        raise Failure('cannot read %s: %s' % (path, error))


def chart_totals(text):
    """{class: shapes} summed over the splits of the chart's description,
    "train: car 10, bus 0; val: car 2, bus 1"."""
    totals = {}
    for split in text.split('; '):
        _, _, counts = split.partition(': ')
        for item in counts.split(', '):
            klass, _, count = item.rpartition(' ')
            totals[klass] = totals.get(klass, 0) + int(count)
    return totals


def focused_item(app, root):
    """The label of the focused row of a popup list under root."""
    item = find_one(root, lambda n: role(n) == 'list item' and app.has_state(n, 'FOCUSED'))
    label = item and find_one(item, lambda n: role(n) == 'label')
    return name(label) if label else None


def combo_value(app, combo):
    """What a combo row shows: the label of its (single) shown list item."""
    for item in children(find_one(combo, lambda n: role(n) == 'list') or combo):
        label = find_one(item, lambda n: role(n) == 'label')
        if label is not None and not app.extents(label).empty():
            return name(label)
    return None


def choose_in_combo(dialog, title, wanted):
    """Opens a combo row with a click and walks its list with the arrow keys."""
    app = dialog.app
    combo = dialog.find('the "%s" row' % title, lambda n: role(n) == 'combo box'
                        and name(n) == title)
    dialog.click(combo, 'the "%s" row' % title)
    seen = [app.wait_for('the "%s" list to open with an item focused' % title,
                         lambda: focused_item(app, combo))]
    for key in ('Up', 'Down'):
        while seen[-1] != wanted:
            dialog.key(key)
            try:
                current = app.wait_for('the focus to move in the "%s" list' % title,
                                       lambda: focused_item(app, combo) not in (None, seen[-1])
                                       and focused_item(app, combo), timeout=2)
            except Failure:
                break  # the end of the list
            seen.append(current)
        if seen[-1] == wanted:
            break
    if seen[-1] != wanted:
        raise Failure('"%s" is not in the %s list: %s' % (wanted, title, seen))
    dialog.key('Return')
    app.wait_for('the "%s" row to show %s' % (title, wanted),
                 lambda: combo_value(app, combo) == wanted)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--app', required=True, help='path of the quarry binary')
    parser.add_argument('--out', required=True, help='folder for the screenshots')
    parser.add_argument('--keep-data', action='store_true',
                        help='keep the temporary projects and export')
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
    test = InteropTest(args, atspi)
    steps = [
        ('a demo project and an empty one from the command line', test.make_projects),
        ('the demo project opens', test.open_demo),
        ('Ctrl+Shift+E opens the export dialog; COCO and a folder chosen', test.open_export),
        ('the preview counts the images and shapes per class', test.check_export_preview),
        ('Export writes and verifies', test.run_export),
        ('the folder holds the COCO files, images and report', test.check_export_files),
        ('Escape closes the dialog', test.close_export),
        ('exporting to the same folder asks, then moves the old one aside', test.export_again),
        ('the empty project opens', test.open_empty),
        ('Ctrl+Shift+I opens the import dialog; the preview lists the classes',
         test.open_import),
        ('a class renamed and one left out', test.map_classes),
        ('Import writes the shapes and the window reloads', test.run_import),
        ('quarry info counts the imported images, classes and shapes', test.check_imported),
    ]

    def on_failure():
        test.shots.take('failed')
        print_output(test.output())

    try:
        code = run_steps(steps, on_failure)
    finally:
        test.cleanup()
    log('total %.1f s' % (time.monotonic() - started))
    return code


if __name__ == '__main__':
    sys.exit(main())
