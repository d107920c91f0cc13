#!/usr/bin/env python3
# test_browse.py: end-to-end test of browsing the demo project.
#
# Copyright 2026 The Quarry developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Starts the real Quarry binary on a small demo project (QUARRY_DEMO_SCENES), finds
# it in the AT-SPI tree with dogtail and drives it with real X input from xdotool, as
# a person would: scrolls the grid, filters it by name and by status, opens a sample
# in the viewer, steps to the next one and goes back.  A screenshot of every step is
# saved to --out.  Run it inside `dbus-run-session -- xvfb-run`; tests/e2e/meson.build
# does.  Exits 77 (skipped) when dogtail or the accessibility bus is missing, 1 when
# the app does not behave.

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
APP_START_TIMEOUT = 60
DEMO_TIMEOUT = 180
STEP_TIMEOUT = 30
POLL = 0.25

FRAMES_PER_DRIVE = 120
LABELED_FRAMES = 10


class Failure(Exception):
    """The app did not do what a person expects."""


class Skip(Exception):
    """Something the test needs is missing from this machine."""


def log(message):
    print('# ' + message, flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--app', required=True, help='path of the quarry binary')
    parser.add_argument('--out', required=True, help='folder for the screenshots')
    parser.add_argument('--scenes', type=int, default=240,
                        help='demo size (multiple of %d)' % FRAMES_PER_DRIVE)
    parser.add_argument('--keep-data', action='store_true',
                        help='keep the temporary XDG folders')
    args = parser.parse_args()
    if args.scenes < 2 * FRAMES_PER_DRIVE or args.scenes % FRAMES_PER_DRIVE:
        parser.error('--scenes must be a multiple of %d, at least %d'
                     % (FRAMES_PER_DRIVE, 2 * FRAMES_PER_DRIVE))
    return args


# --- accessibility -----------------------------------------------------------

ATSPI_PROBE = """
import gi
gi.require_version('Atspi', '2.0')
from gi.repository import Atspi
Atspi.get_desktop(0).get_child_count()
"""


def probe_atspi():
    """libatspi aborts the process when there is no accessibility bus: try it in a child."""
    if not os.environ.get('DBUS_SESSION_BUS_ADDRESS'):
        raise Skip('no D-Bus session (run under dbus-run-session)')
    try:
        result = subprocess.run([sys.executable, '-c', ATSPI_PROBE], capture_output=True,
                                text=True, timeout=APP_START_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Skip('the AT-SPI bus did not answer in %ds' % APP_START_TIMEOUT)
    if result.returncode != 0:
        lines = (result.stderr.strip() or 'exit code %d' % result.returncode).splitlines()
        raise Skip('the AT-SPI bus is not reachable: %s' % lines[-1])


def import_atspi():
    """Imports dogtail the way it needs (a11y on first) or raises Skip."""
    for module in ('gi', 'pyatspi', 'dogtail'):
        if importlib.util.find_spec(module) is None:
            raise Skip('Python module %s is missing (Debian: python3-dogtail)' % module)
    probe_atspi()

    import gi
    gi.require_version('Atspi', '2.0')
    from gi.repository import Atspi
    from dogtail import utils
    from dogtail.config import config

    config.logDebugToFile = False
    config.childrenLimit = 10000
    utils.enableA11y(True)
    from dogtail import tree
    return Atspi, tree


from atspi_nodes import children, description, find_one, name, role  # noqa: E402,F401


class Rect:
    def __init__(self, x, y, width, height):
        self.x, self.y, self.width, self.height = x, y, width, height

    def empty(self):
        return self.width <= 0 or self.height <= 0

    def overlaps(self, other):
        return (not self.empty() and not other.empty()
                and self.x < other.x + other.width and other.x < self.x + self.width
                and self.y < other.y + other.height and other.y < self.y + self.height)

    def center(self):
        return self.x + self.width // 2, self.y + self.height // 2


# --- the session -------------------------------------------------------------

class Session:
    def __init__(self, args, atspi, tree):
        self.args = args
        self.Atspi = atspi
        self.tree = tree
        self.proc = None
        self.app = None
        self.window_id = None
        self.grid_node = None
        self.step = 0
        self.data = tempfile.mkdtemp(prefix='quarry-e2e-')
        self.stderr_path = os.path.join(self.data, 'app-stderr.txt')
        self.can_screenshot = True

    # --- process ---

    def start(self):
        env = dict(os.environ)
        env.update({
            'XDG_DATA_HOME': os.path.join(self.data, 'data'),
            'XDG_CACHE_HOME': os.path.join(self.data, 'cache'),
            'XDG_CONFIG_HOME': os.path.join(self.data, 'config'),
            'QUARRY_DEMO_SCENES': str(self.args.scenes),
            'GTK_A11Y': 'atspi',
            'GDK_BACKEND': 'x11',
        })
        env.pop('NO_AT_BRIDGE', None)
        log('starting %s --demo (data in %s)' % (self.args.app, self.data))
        with open(self.stderr_path, 'wb') as err:
            self.proc = subprocess.Popen([self.args.app, '--demo'], env=env,
                                         stdin=subprocess.DEVNULL, stdout=err, stderr=err)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def app_output(self):
        try:
            with open(self.stderr_path, 'r', errors='replace') as err:
                return err.read()
        except OSError:
            return ''

    def cleanup(self):
        if not self.args.keep_data:
            shutil.rmtree(self.data, ignore_errors=True)

    def check_alive(self):
        code = self.proc.poll()
        if code is not None:
            raise Failure('the app exited with code %d' % code)

    # --- waiting ---

    def wait_for(self, what, probe, timeout=STEP_TIMEOUT):
        """Polls probe() until it returns something true; fails naming what."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            self.check_alive()
            try:
                last = probe()
            except Failure:
                raise
            except Exception as error:  # nodes vanish while the UI changes
                last = None
                log('probe for %s: %s' % (what, error))
            if last:
                return last
            if time.monotonic() > deadline:
                raise Failure('timed out after %ds waiting for %s' % (timeout, what))
            time.sleep(POLL)

    # --- X input ---

    def xdotool(self, *argv):
        result = subprocess.run(['xdotool'] + [str(a) for a in argv], capture_output=True,
                                text=True, timeout=STEP_TIMEOUT)
        if result.returncode != 0:
            raise Failure('xdotool %s failed: %s' % (' '.join(map(str, argv)),
                                                     result.stderr.strip()))
        return result.stdout

    def find_window(self):
        def probe():
            result = subprocess.run(['xdotool', 'search', '--onlyvisible', '--pid',
                                     str(self.proc.pid)], capture_output=True, text=True)
            ids = result.stdout.split()
            return ids[-1] if ids else None
        self.window_id = self.wait_for('the app window on the X display', probe)
        log('window %s' % self.window_id)

    def focus_window(self):
        self.xdotool('windowfocus', '--sync', self.window_id)

    def key(self, *keys):
        log('keys: %s' % ' '.join(keys))
        self.focus_window()
        self.xdotool('key', '--delay', 120, *keys)

    def type_text(self, text):
        log('typing %r' % text)
        self.focus_window()
        self.xdotool('type', '--delay', 120, text)

    def click(self, node, what, count=1):
        rect = self.extents(node)
        if rect.empty():
            raise Failure('cannot click %s: it has no area on screen' % what)
        x, y = rect.center()
        log('click on %s at %d,%d' % (what, x, y))
        self.focus_window()
        self.xdotool('mousemove', '--window', self.window_id, x, y)
        self.xdotool('click', '--repeat', count, '--delay', 80, 1)

    def screenshot(self, label):
        self.step += 1
        path = os.path.join(self.args.out, 'e2e-%02d-%s.png' % (self.step, label))
        if not self.can_screenshot:
            return
        if shutil.which('import'):
            command = ['import', '-window', 'root', path]
        elif shutil.which('xwd') and shutil.which('convert'):
            command = ['sh', '-c', 'xwd -root -silent | convert xwd:- "$0"', path]
        else:
            log('warning: neither ImageMagick import nor xwd+convert: no screenshots')
            self.can_screenshot = False
            return
        result = subprocess.run(command, capture_output=True, text=True, timeout=STEP_TIMEOUT)
        if result.returncode != 0 or not os.path.exists(path):
            log('warning: screenshot %s failed: %s' % (path, result.stderr.strip()))
        else:
            log('screenshot %s' % path)

    # --- the accessible tree ---

    def find_app(self):
        def probe():
            for app in self.tree.root.applications():
                try:
                    if app.get_process_id() == self.proc.pid:
                        return app
                except Exception:
                    continue
            return None
        self.app = self.wait_for('the app in the AT-SPI tree', probe, APP_START_TIMEOUT)
        log('found application %r (role %s)' % (name(self.app), role(self.app)))

    def extents(self, node):
        try:
            r = node.get_extents(self.Atspi.CoordType.WINDOW)
            return Rect(r.x, r.y, r.width, r.height)
        except Exception:
            return Rect(0, 0, 0, 0)

    def has_state(self, node, state):
        try:
            return node.get_state_set().contains(state)
        except Exception:
            return False

    def grid(self):
        """The thumbnail grid; the widget lives as long as the window."""
        if self.grid_node is None or name(self.grid_node) != 'Images':
            self.grid_node = find_one(self.app, lambda n: role(n) == 'table'
                                      and name(n) == 'Images')
        return self.grid_node

    def cells(self):
        """(name, description, rect, node) of every thumbnail cell in the tree."""
        grid = self.grid()
        if grid is None:
            return []
        found = []
        for item in children(grid):
            for cell in children(item):
                if role(cell) == 'image':
                    found.append((name(cell), description(cell), self.extents(cell), cell))
        return found

    def frame(self):
        for child in children(self.app):
            if role(child) == 'frame':
                return child
        return None

    def shows(self, node, clip=None):
        """True when node is really on screen (inside clip, if given).

        Widgets that were scrolled away or whose stack page was switched keep their
        last extents in the tree, so ask the window what is at the middle of the
        node's visible part and check that it is the node or one of its children.
        """
        rect = self.extents(node)
        clip = clip or rect
        if not rect.overlaps(clip):
            return False
        left, right = max(rect.x, clip.x), min(rect.x + rect.width, clip.x + clip.width)
        top, bottom = max(rect.y, clip.y), min(rect.y + rect.height, clip.y + clip.height)
        window = self.frame()
        try:
            hit = window.get_accessible_at_point((left + right) // 2, (top + bottom) // 2,
                                                 self.Atspi.CoordType.WINDOW)
            while hit is not None and hit != window:
                if hit == node:
                    return True
                hit = hit.get_parent()
        except Exception:  # the tree changed under us
            pass
        return False

    def visible_cells(self):
        """Cells really shown in the grid's viewport, top to bottom."""
        grid = self.grid()
        if grid is None:
            return []
        view = self.extents(grid)
        shown = [c for c in self.cells() if self.shows(c[3], view)]
        shown.sort(key=lambda c: (c[2].y, c[2].x))
        return shown

    def visible_names(self):
        return [c[0] for c in self.visible_cells()]

    def cell_named(self, wanted):
        for cell in self.visible_cells():
            if cell[0] == wanted:
                return cell[3]
        return None

    def label_matching(self, pattern):
        regex = re.compile(pattern)
        node = find_one(self.app, lambda n: role(n) == 'label' and regex.fullmatch(name(n)))
        return name(node) if node is not None else None

    def count_text(self):
        return self.label_matching(r'\d+ images?')

    def window_title(self):
        """The title line of the header bar's AdwWindowTitle."""
        title = find_one(self.app, lambda n: name(n) == 'AdwWindowTitle')
        label = title and find_one(title, lambda n: role(n) == 'label')
        return name(label) if label else None

    def back_button(self):
        return find_one(self.app, lambda n: role(n) == 'push button'
                        and description(n) == 'Back to All Images')

    def details(self):
        """The details pane as {key: value}, plus '' -> its title."""
        page = find_one(self.app, lambda n: name(n) == 'QuarryBrowserPage')
        if page is None:
            return {}
        title = find_one(page, lambda n: role(n) == 'label' and name(n) == 'Dimensions')
        if title is None:
            return {}
        table = title.get_parent()
        texts = [name(c) for c in children(table)]
        pairs = dict(zip(texts[0::2], texts[1::2]))
        heading = children(table.get_parent())[0]
        pairs[''] = name(heading)
        return pairs


# --- the steps ---------------------------------------------------------------

def frame(index):
    return 'frame_%04d.jpg' % index


def progress_shown(s):
    title = find_one(s.app, lambda n: role(n) == 'label'
                     and name(n) == 'Preparing the Demo Project')
    return title is not None and s.shows(title)


def wait_for_demo(s):
    s.find_app()
    s.find_window()
    # A fresh XDG_DATA_HOME: the demo is made now, behind a progress page.
    s.wait_for('the "Preparing the Demo Project" page', lambda: progress_shown(s)
               or s.cell_named(frame(0)) and 'grid')
    if not progress_shown(s):
        raise Failure('the grid came up without the "Preparing the Demo Project" page')
    s.screenshot('generating')
    log('waiting for the demo to be generated and the grid to fill')
    s.wait_for('a thumbnail cell named %s in the grid' % frame(0),
               lambda: s.cell_named(frame(0)), DEMO_TIMEOUT)
    total = s.args.scenes
    s.wait_for('the count label to read "%d images"' % total,
               lambda: s.count_text() == '%d images' % total)
    names = s.visible_names()
    log('visible cells: %d, first %s' % (len(names), names[:4]))
    # Sorted by name, ascending: the grid starts at the first frame of a drive.
    if not names or names[0] != frame(0):
        raise Failure('the first cell is %s, expected %s' % (names[:1], frame(0)))
    if names != sorted(names):
        raise Failure('the cells are not sorted by name: %s' % names)
    s.screenshot('grid')


def press_until(s, key, what, probe, tries=8):
    """Presses key, as a person would, until probe() holds."""
    for _ in range(tries):
        s.key(key)
        try:
            return s.wait_for(what, probe, timeout=3)
        except Failure:
            if s.proc.poll() is not None:
                raise
    raise Failure('%s did not happen after pressing %s %d times' % (what, key, tries))


def scroll_grid(s):
    s.click(s.cell_named(frame(0)), 'the first cell')
    s.wait_for('the details pane to show %s' % frame(0),
               lambda: s.details().get('') == frame(0))

    press_until(s, 'Page_Down', 'the first row scrolling out of view',
                lambda: s.visible_names() and frame(0) not in s.visible_names())
    log('after Page Down: %s ...' % s.visible_names()[:6])
    s.screenshot('page-down')

    last = frame(FRAMES_PER_DRIVE - 1)
    s.key('End')
    s.wait_for('the last cell %s to scroll into view on End' % last,
               lambda: s.visible_names()[-1:] == [last])
    names = s.visible_names()
    log('after End: ... %s' % names[-6:])
    for gone in (frame(0), frame(1)):
        if gone in names:
            raise Failure('%s is still shown after End' % gone)
    info = s.wait_for('the details pane to show the last image %s' % last,
                      lambda: s.details().get('') == last and s.details())
    folder = 'drive_%02d' % (s.args.scenes // FRAMES_PER_DRIVE - 1)
    if not info.get('Folder', '').endswith(folder):
        raise Failure('the last image is in %r, expected a folder ending in %s'
                      % (info.get('Folder'), folder))
    log('details of the last image: %s' % info)
    s.screenshot('end')

    s.key('Home')
    s.wait_for('the first cell to come back on Home',
               lambda: s.visible_names()[:1] == [frame(0)])


def filter_by_name(s):
    s.key('ctrl+f')
    s.wait_for('the search entry to take the focus on Ctrl+F',
               lambda: find_one(s.app, lambda n: role(n) == 'entry'
                                and name(n) == 'Search file names'
                                and s.has_state(n, s.Atspi.StateType.FOCUSED)))
    s.type_text('drive_01')
    s.wait_for('the count label to read "%d images"' % FRAMES_PER_DRIVE,
               lambda: s.count_text() == '%d images' % FRAMES_PER_DRIVE)
    names = s.wait_for('the grid to show the filtered cells',
                       lambda: s.visible_names()[:2] == [frame(0), frame(1)]
                       and s.visible_names())
    log('filtered, visible: %s ...' % names[:6])
    all_names = [c[0] for c in s.cells()]
    if len(all_names) != len(set(all_names)):
        raise Failure('a name appears twice in the filtered grid, so other drives are '
                      'still listed: %s' % sorted(all_names)[:12])
    if len(all_names) > FRAMES_PER_DRIVE:
        raise Failure('%d cells in the tree for %d matches' % (len(all_names), FRAMES_PER_DRIVE))
    s.click(s.cell_named(frame(0)), 'the first filtered cell')
    info = s.wait_for('the details pane to show %s' % frame(0),
                      lambda: s.details().get('') == frame(0) and s.details())
    if not info.get('Folder', '').endswith('drive_01'):
        raise Failure('the first match is in %r, not in drive_01' % info.get('Folder'))
    s.screenshot('filter-name')


def focused_item(s, root):
    """The label of the focused row of a list under root."""
    item = find_one(root, lambda n: role(n) == 'list item'
                    and s.has_state(n, s.Atspi.StateType.FOCUSED))
    return name(find_one(item, lambda n: role(n) == 'label')) if item else None


def choose_status(s, label, expected):
    dropdown = s.wait_for('the "Filter by Status" dropdown',
                          lambda: find_one(s.app, lambda n: role(n) == 'combo box'
                                           and name(n) == 'Filter by Status'))
    s.click(dropdown, 'the "Filter by Status" dropdown')
    current = s.wait_for('the status list to open with an item focused',
                         lambda: focused_item(s, dropdown))
    log('status list open at %r' % current)
    key = 'Down' if STATUSES.index(label) > STATUSES.index(current) else 'Up'
    while current != label:
        s.key(key)
        previous = current
        current = s.wait_for('the focus to move on from "%s" in the status list' % previous,
                             lambda: focused_item(s, dropdown) not in (None, previous)
                             and focused_item(s, dropdown))
    s.key('Return')
    s.wait_for('the count label to read "%s" with status %s' % (expected, label),
               lambda: s.count_text() == expected)


STATUSES = ['All Statuses', 'New', 'In Progress', 'Submitted', 'Accepted', 'Rejected']


def filter_by_status(s):
    choose_status(s, 'Accepted', '%d images' % LABELED_FRAMES)
    names = s.wait_for('only the accepted frames in the grid',
                       lambda: len(s.cells()) == LABELED_FRAMES and s.visible_names())
    expected = [frame(i) for i in range(LABELED_FRAMES)]
    if sorted(names) != expected:
        raise Failure('accepted cells are %s, expected %s' % (names, expected))
    for cell in s.cells():
        if not cell[1].startswith('Accepted'):
            raise Failure('cell %s is described as %r' % (cell[0], cell[1]))
    s.screenshot('filter-status')
    choose_status(s, 'All Statuses', '%d images' % FRAMES_PER_DRIVE)


def open_sample(s):
    s.click(s.wait_for('cell %s' % frame(0), lambda: s.cell_named(frame(0))),
            'cell %s' % frame(0))
    s.wait_for('the details pane to show %s' % frame(0),
               lambda: s.details().get('') == frame(0))
    s.key('Return')
    s.wait_for('the viewer (a "Back to All Images" button)', s.back_button)
    s.wait_for('the window title to read %s' % frame(0), lambda: s.window_title() == frame(0))
    position = '1 of %d' % FRAMES_PER_DRIVE
    s.wait_for('the position label "%s"' % position,
               lambda: s.label_matching(r'\d+ of \d+') == position)
    s.wait_for('the image to be shown (not the spinner or the error page)', lambda: image_shown(s))
    s.screenshot('viewer')

    s.key('Right')
    s.wait_for('the title to change to %s on Right' % frame(1),
               lambda: s.window_title() == frame(1))
    position = '2 of %d' % FRAMES_PER_DRIVE
    s.wait_for('the position label "%s"' % position,
               lambda: s.label_matching(r'\d+ of \d+') == position)
    s.wait_for('the next image to be shown', lambda: image_shown(s))
    s.screenshot('viewer-next')

    s.key('Escape')
    s.wait_for('the viewer to close on Escape (no back button)', lambda: s.back_button() is None)
    s.wait_for('the window title to be the project name again',
               lambda: s.window_title() == 'demo')
    s.wait_for('the grid to be back with %s visible' % frame(1),
               lambda: frame(1) in s.visible_names())
    s.wait_for('the image last viewed (%s) to be selected' % frame(1),
               lambda: s.details().get('') == frame(1))
    if s.count_text() != '%d images' % FRAMES_PER_DRIVE:
        raise Failure('the count reads %r after going back' % s.count_text())
    s.screenshot('back')


def open_by_double_click(s):
    target = frame(2)
    cell = s.wait_for('cell %s' % target, lambda: s.cell_named(target))
    s.click(cell, 'cell %s' % target, count=2)
    s.wait_for('the viewer to open on a double click', s.back_button)
    s.wait_for('the window title to read %s' % target, lambda: s.window_title() == target)
    position = '3 of %d' % FRAMES_PER_DRIVE
    s.wait_for('the position label "%s"' % position,
               lambda: s.label_matching(r'\d+ of \d+') == position)
    s.wait_for('the image to be shown', lambda: image_shown(s))
    s.key('Escape')
    s.wait_for('the viewer to close on Escape', lambda: s.back_button() is None)
    s.wait_for('the grid to be back with %s visible' % target,
               lambda: target in s.visible_names())


def quit_app(s):
    s.key('ctrl+q')
    deadline = time.monotonic() + STEP_TIMEOUT
    while s.proc.poll() is None:
        if time.monotonic() > deadline:
            raise Failure('the app still runs %ds after Ctrl+Q' % STEP_TIMEOUT)
        time.sleep(POLL)
    if s.proc.returncode != 0:
        raise Failure('the app exited with code %d after Ctrl+Q' % s.proc.returncode)


def image_shown(s):
    """True when the viewer shows its image, not the spinner or the error page."""
    page = find_one(s.app, lambda n: name(n) == 'QuarryViewerPage')
    if page is None:
        return False
    error = find_one(page, lambda n: role(n) == 'label' and name(n) == 'Cannot Show This Image')
    if error is not None and s.shows(error):
        raise Failure('the viewer shows "Cannot Show This Image"')
    image = find_one(page, lambda n: role(n) == 'image')
    return image is not None and s.shows(image)


STEPS = [
    ('demo project opens', wait_for_demo),
    ('scroll the grid', scroll_grid),
    ('filter by name', filter_by_name),
    ('filter by status', filter_by_status),
    ('open a sample', open_sample),
    ('open a sample by double click', open_by_double_click),
    ('quit with Ctrl+Q', quit_app),
]


def run(args):
    atspi, tree = import_atspi()
    if shutil.which('xdotool') is None:
        raise Skip('xdotool is not installed')
    os.makedirs(args.out, exist_ok=True)
    for old in os.listdir(args.out):
        if re.fullmatch(r'e2e-\d\d-[a-z-]+\.png', old):
            os.remove(os.path.join(args.out, old))
    session = Session(args, atspi, tree)
    try:
        session.start()
        for number, (title, step) in enumerate(STEPS, 1):
            started = time.monotonic()
            try:
                step(session)
            except Failure as failure:
                session.screenshot('failed')
                print('not ok %d - %s: %s' % (number, title, failure), flush=True)
                output = session.app_output().splitlines()
                print('# app stderr:' if output else '# app stderr: (empty)')
                for line in output:
                    print('#   ' + line)
                return 1
            print('ok %d - %s (%.1f s)' % (number, title, time.monotonic() - started),
                  flush=True)
    finally:
        session.stop()
        session.cleanup()
    return 0


def main():
    args = parse_args()
    try:
        return run(args)
    except Skip as skip:
        print('SKIP: %s' % skip, flush=True)
        return SKIP


if __name__ == '__main__':
    sys.exit(main())
