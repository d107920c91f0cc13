#!/usr/bin/env python3
# test_annotate.py: end-to-end test of annotating demo images with real input.
#
# Copyright 2026 The Quarry developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Starts the real Quarry binary on the demo project and annotates ten images in a row
# the way a person does, with real X input from xdotool only: Ctrl+E opens the Annotate
# page, a digit picks the class, B or P the tool, mouse drags draw boxes, clicks and
# Return draw a polygon, Ctrl+Return submits and moves on.  The accessibility tree is
# only read (where the canvas is, what the status line says), never used to act.  After
# Ctrl+Q the project file is checked with sqlite3: exactly the drawn shapes on the
# right samples, with the dragged geometry, class, kind and author, the samples
# submitted, one "annotation-added" event per shape.  Screenshots go to --out.
#
# Run it inside `dbus-run-session -- xvfb-run`; tests/e2e/meson.build does.  Exits 77
# (skipped) when xdotool, ImageMagick, the AT-SPI Python bindings or the accessibility
# bus are missing, 1 when the app does not behave.  test_crash.py imports the helpers.

import argparse
import importlib.util
import json
import os
import pwd
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

SKIP = 77
APP_START_TIMEOUT = 60
DEMO_TIMEOUT = 180
STEP_TIMEOUT = 30
POLL = 0.05

FRAMES_PER_DRIVE = 120
STATUS_IN_PROGRESS, STATUS_SUBMITTED = 1, 2
# Class names in the order the Annotate page lists them (by name): digit n picks [n - 1].
CLASSES = ['car', 'cyclist', 'pedestrian', 'traffic-cone', 'traffic-sign']
# Geometry is written with 3 decimals; the drag ends on whole screen pixels, each
# 1/zoom image pixels wide, so the stored value may be off by a fraction of a pixel.
TOLERANCE = 1.5

# "frame_0010.jpg · 1 of 110 · New · 0 shapes"; the position is missing for a sample
# that is not in the queue.
STATUS_LINE = re.compile(r'(?P<name>.+?) · (?:(?P<pos>\d+) of (?P<total>\d+) · )?'
                         r'(?P<status>[^·]+) · (?P<shapes>\d+) shapes?')


class Failure(Exception):
    """The app did not do what a person expects."""


class Skip(Exception):
    """Something the test needs is missing from this machine."""


def log(message):
    print('# ' + message, flush=True)


def os_user():
    """The login name the app stamps edits with (GLib's g_get_user_name)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return os.environ.get('USER', '')


# --- accessibility (read only) ---------------------------------------------------------

ATSPI_PROBE = """
import gi
gi.require_version('Atspi', '2.0')
from gi.repository import Atspi
Atspi.get_desktop(0).get_child_count()
"""


def import_atspi():
    """Atspi from gi, or Skip; libatspi aborts without a bus, so try it in a child first."""
    if importlib.util.find_spec('gi') is None:
        raise Skip('Python module gi is missing (Debian: python3-gi)')
    if not os.environ.get('DBUS_SESSION_BUS_ADDRESS'):
        raise Skip('no D-Bus session (run under dbus-run-session)')
    try:
        result = subprocess.run([sys.executable, '-c', ATSPI_PROBE], capture_output=True,
                                text=True, timeout=APP_START_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Skip('the AT-SPI bus did not answer in %ds' % APP_START_TIMEOUT)
    if result.returncode != 0:
        lines = (result.stderr.strip() or 'exit code %d' % result.returncode).splitlines()
        raise Skip('AT-SPI is not usable (Debian: gir1.2-atspi-2.0, at-spi2-core): %s'
                   % lines[-1])
    import gi
    gi.require_version('Atspi', '2.0')
    from gi.repository import Atspi
    return Atspi


def check_tools():
    for tool, package in (('xdotool', 'xdotool'), ('import', 'imagemagick')):
        if shutil.which(tool) is None:
            raise Skip('%s is not installed (Debian: %s)' % (tool, package))


from atspi_nodes import children, description, find_one, name, role  # noqa: E402,F401


class Rect:
    def __init__(self, x, y, width, height):
        self.x, self.y, self.width, self.height = x, y, width, height

    def empty(self):
        return self.width <= 0 or self.height <= 0

    def __repr__(self):
        return '%dx%d at %d,%d' % (self.width, self.height, self.x, self.y)


class Fit:
    """The canvas's fit-to-view transform, in X window coordinates.

    The canvas shows the image at zoom min(view / image) per axis, centred
    (widgets/quarry-viewport.c); the canvas's place comes from the accessibility tree,
    which counts from the GTK window's content, `margin` pixels inside the X window.
    """

    def __init__(self, canvas, margin, image_width, image_height):
        self.zoom = min(canvas.width / image_width, canvas.height / image_height)
        self.x = margin[0] + canvas.x + (canvas.width - image_width * self.zoom) / 2
        self.y = margin[1] + canvas.y + (canvas.height - image_height * self.zoom) / 2
        self.image_width, self.image_height = image_width, image_height

    def to_window(self, ix, iy):
        return round(self.x + ix * self.zoom), round(self.y + iy * self.zoom)

    def to_image(self, wx, wy):
        return (wx - self.x) / self.zoom, (wy - self.y) / self.zoom

    def __repr__(self):
        return 'zoom %.4f, image origin %.1f,%.1f' % (self.zoom, self.x, self.y)


# --- the project file --------------------------------------------------------------------

def query(path, sql, params=()):
    """Rows of one read-only query; the app may be writing at the same time (WAL)."""
    db = sqlite3.connect('file:%s?mode=ro' % path, uri=True, timeout=STEP_TIMEOUT)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def annotations_by(path, author):
    """{id string: row dict} of the shapes author made."""
    rows = query(path, 'SELECT a.id, a.sample_id, c.name, a.kind, a.geometry, a.author,'
                       ' a.version FROM annotation a LEFT JOIN label_class c'
                       ' ON c.id = a.class_id WHERE a.author = ? ORDER BY a.created_us',
                 (author,))
    found = {}
    for row in rows:
        key = str(uuid.UUID(bytes=bytes(row[0])))
        found[key] = {'id': key, 'sample': row[1], 'class': row[2], 'kind': row[3],
                      'geometry': json.loads(row[4]), 'author': row[5], 'version': row[6]}
    return found


def added_events(path, actor):
    """{annotation id: number of annotation-added events} by actor."""
    counts = {}
    for (body,) in query(path, "SELECT body FROM event WHERE kind = 'annotation-added'"
                               ' AND actor = ?', (actor,)):
        key = str(uuid.UUID(json.loads(body)['id']))
        counts[key] = counts.get(key, 0) + 1
    return counts


def other_edit_events(path, actor):
    return query(path, "SELECT kind, sample_id FROM event WHERE actor = ? AND kind LIKE"
                       " 'annotation-%' AND kind != 'annotation-added'", (actor,))


def image_size(path):
    """The demo's single image size; the test needs it to predict the fit."""
    sizes = query(path, 'SELECT DISTINCT width, height FROM sample')
    if len(sizes) != 1:
        raise Failure('the demo images have several sizes %s; expected one' % sizes)
    return sizes[0]


def box_error(geometry, expected):
    """Largest difference, in image pixels, between a stored box and (x, y, w, h)."""
    return max(abs(geometry[k] - v) for k, v in zip('xywh', expected))


def points_error(geometry, expected):
    points = geometry.get('points', [])
    if len(points) != len(expected):
        return float('inf')
    return max(max(abs(p[0] - e[0]), abs(p[1] - e[1])) for p, e in zip(points, expected))


# --- the app -----------------------------------------------------------------------------

class App:
    """One run of the real binary, its window and its accessible tree."""

    def __init__(self, binary, argv, env, atspi, stderr_path):
        self.Atspi = atspi
        self.stderr_path = stderr_path
        self.window_id = None
        self.margin = (0, 0)
        self.node = None
        self.annotate_node = None
        log('starting %s %s' % (binary, ' '.join(argv)))
        with open(stderr_path, 'ab') as err:
            self.proc = subprocess.Popen([binary] + argv, env=env, stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err)

    # --- process ---

    def check_alive(self):
        code = self.proc.poll()
        if code is not None:
            raise Failure('the app %s' % exit_text(code))

    def output(self):
        try:
            with open(self.stderr_path, 'r', errors='replace') as err:
                return err.read()
        except OSError:
            return ''

    def stop(self):
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def kill(self):
        """SIGKILL, as a crash or the OOM killer would."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(STEP_TIMEOUT)
        if self.proc.returncode != -signal.SIGKILL:
            raise Failure('the app ended with %s, not by SIGKILL' % self.proc.returncode)

    def wait_for(self, what, probe, timeout=STEP_TIMEOUT):
        """Polls probe() until it returns something true; fails naming what."""
        deadline = time.monotonic() + timeout
        said = None
        while True:
            self.check_alive()
            try:
                found = probe()
            except Failure:
                raise
            except Exception as error:  # nodes vanish while the UI changes
                found = None
                if str(error) != said:
                    log('probe for %s: %s' % (what, error))
                    said = str(error)
            if found:
                return found
            if time.monotonic() > deadline:
                raise Failure('timed out after %ds waiting for %s' % (timeout, what))
            time.sleep(POLL)

    def quit(self):
        self.key('ctrl+q')
        try:
            self.proc.wait(STEP_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise Failure('the app still runs %ds after Ctrl+Q' % STEP_TIMEOUT)
        if self.proc.returncode != 0:
            raise Failure('the app %s after Ctrl+Q' % exit_text(self.proc.returncode))

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
        self.window_id = self.wait_for('the app window on the X display', probe,
                                       APP_START_TIMEOUT)

    def focus(self):
        self.xdotool('windowfocus', '--sync', self.window_id)

    def key(self, *keys):
        log('keys: %s' % ' '.join(keys))
        self.focus()
        self.xdotool('key', '--delay', 60, *keys)

    def moves(self, start, end, steps=8):
        """xdotool arguments moving the pointer from start to end in several steps."""
        args = []
        for i in range(1, steps + 1):
            args += ['mousemove', '--window', self.window_id,
                     round(start[0] + (end[0] - start[0]) * i / steps),
                     round(start[1] + (end[1] - start[1]) * i / steps)]
        return args

    def press_and_move(self, start, end):
        """Button 1 down at start, then moves to end, still held."""
        self.focus()
        self.xdotool('mousemove', '--window', self.window_id, start[0], start[1],
                     'mousedown', 1, *self.moves(start, end))

    def drag(self, start, end):
        log('drag %d,%d -> %d,%d' % (start + end))
        self.press_and_move(start, end)
        self.xdotool('mouseup', 1)

    def click(self, point):
        self.xdotool('mousemove', '--window', self.window_id, point[0], point[1], 'click', 1)

    # --- the accessible tree ---

    def find_app(self):
        def probe():
            desktop = self.Atspi.get_desktop(0)
            for app in children(desktop):
                try:
                    if app is not None and app.get_process_id() == self.proc.pid:
                        return app
                except Exception:
                    continue
            return None
        self.node = self.wait_for('the app in the AT-SPI tree', probe, APP_START_TIMEOUT)

    def extents(self, node):
        try:
            r = node.get_extents(self.Atspi.CoordType.WINDOW)
            return Rect(r.x, r.y, r.width, r.height)
        except Exception:
            return Rect(0, 0, 0, 0)

    def frame(self):
        return next((c for c in children(self.node) if role(c) == 'frame'), None)

    def dialogs(self):
        """Names of the app's other top-level windows (error and message dialogs)."""
        found = []
        main = self.frame()
        for child in children(self.node):
            if child is None or child == main:
                continue
            try:
                if not child.get_state_set().contains(self.Atspi.StateType.VISIBLE):
                    continue
            except Exception:  # closed while we looked
                continue
            texts = [name(n) for n in [child] + all_labels(child)]
            found.append('%s: %s' % (role(child), ' / '.join(t for t in texts if t)))
        return found

    def geometry(self):
        """The X window's X, Y, WIDTH and HEIGHT."""
        return dict(line.split('=', 1) for line in
                    self.xdotool('getwindowgeometry', '--shell', self.window_id).split())

    def measure_margin(self):
        """Where the window's content starts inside the X window (client-side decorations
        keep an invisible border for resizing); the X window is centred on it."""
        geometry = self.geometry()
        content = self.wait_for('the window frame in the AT-SPI tree',
                                lambda: self.frame() and not self.extents(self.frame()).empty()
                                and self.extents(self.frame()))
        dx = int(geometry['WIDTH']) - content.width
        dy = int(geometry['HEIGHT']) - content.height
        if dx < 0 or dy < 0 or dx % 2 or dy % 2 or dx != dy:
            raise Failure('cannot place the content (%s) in the X window (%sx%s)'
                          % (content, geometry['WIDTH'], geometry['HEIGHT']))
        self.margin = (dx // 2, dy // 2)
        log('X window %s is %sx%s; content %s; margin %d' % (self.window_id, geometry['WIDTH'],
                                                              geometry['HEIGHT'], content,
                                                              self.margin[0]))

    def label_matching(self, regex, root=None):
        node = find_one(root or self.node, lambda n: role(n) == 'label'
                        and regex.fullmatch(name(n)))
        return name(node) if node is not None else None

    def count_text(self):
        return self.label_matching(re.compile(r'\d+ images?'))

    def grid_cells(self):
        grid = find_one(self.node, lambda n: role(n) == 'table' and name(n) == 'Images')
        if grid is None or self.extents(grid).empty():
            return []
        return [cell for item in children(grid) for cell in children(item)
                if role(cell) == 'image' and not self.extents(cell).empty()]

    def annotate_nodes(self):
        """(status label, canvas, message page, class list) of the Annotate page, found
        once: the widgets live as long as the window; only their texts and sizes change."""
        if self.annotate_node is None:
            page = find_one(self.node, lambda n: name(n) == 'QuarryAnnotatePage')
            label = page and find_one(page, lambda n: role(n) == 'label'
                                      and STATUS_LINE.fullmatch(name(n)))
            canvas = page and find_one(page, lambda n: role(n) == 'image'
                                       and name(n) == 'Image with annotations')
            classes = page and find_one(page, lambda n: role(n) == 'list'
                                        and name(n) == 'Classes')
            if not (label and canvas and classes):
                return None
            # The GtkStack holding the canvas: its pages are the canvas and an
            # AdwStatusPage named by its title ("Loading…", "Queue Done"...).
            stack = canvas.get_parent()
            while stack is not None and role(stack) != 'panel':
                stack = stack.get_parent()
            stack = stack and stack.get_parent()
            # (Nodes GTK gives no name are named after their type, like GtkStackPage.)
            message = stack and find_one(stack, lambda n: role(n) == 'panel' and name(n)
                                         and not name(n).startswith('Gtk'))
            if not message:
                return None
            self.annotate_node = (label, canvas, message, classes)
        return self.annotate_node

    def status(self):
        """The Annotate page's status line as a match, or None before it has one."""
        nodes = self.annotate_nodes()
        return STATUS_LINE.fullmatch(name(nodes[0])) if nodes else None

    def canvas(self):
        """The canvas's rectangle, or None before it has been laid out.

        GTK 4.8 leaves hidden widgets (the stack page not shown) with their last extents
        and states in the tree, and its GetAccessibleAtPoint misses most widgets, so this
        cannot tell whether the canvas is on screen: Pixels.shows_photo() can."""
        nodes = self.annotate_nodes()
        rect = self.extents(nodes[1]) if nodes else Rect(0, 0, 0, 0)
        return None if rect.empty() else rect

    def message(self):
        """The title last given to the status page that stands in for the canvas."""
        nodes = self.annotate_nodes()
        return name(nodes[2]) if nodes else None

    def screen_origin(self):
        """Screen coordinates of the X window's top-left corner."""
        geometry = self.geometry()
        return int(geometry['X']), int(geometry['Y'])

    def grab(self, x0, y0, x1, y1):
        """What the screen shows between X window points (x0, y0) and (x1, y1)."""
        ox, oy = self.screen_origin()
        width, height = x1 - x0, y1 - y0
        result = subprocess.run(['import', '-window', 'root', '-crop', '%dx%d+%d+%d'
                                 % (width, height, ox + x0, oy + y0), '-depth', '8', 'rgb:-'],
                                capture_output=True, timeout=STEP_TIMEOUT)
        if result.returncode != 0 or len(result.stdout) != width * height * 3:
            raise Failure('cannot read the screen: %s' % result.stderr.decode(errors='replace'))
        return Pixels(x0, y0, width, height, result.stdout)

    def grab_window(self):
        content = self.extents(self.frame())
        x0, y0 = self.margin[0] + content.x, self.margin[1] + content.y
        return self.grab(x0, y0, x0 + content.width, y0 + content.height)

    def current_class(self):
        """Name of the class selected in the Annotate page's class list."""
        nodes = self.annotate_nodes()
        for item in children(nodes[3]) if nodes else []:
            try:
                selected = item.get_state_set().contains(self.Atspi.StateType.SELECTED)
            except Exception:
                selected = False
            if selected:
                row = find_one(item, lambda n: role(n) == 'panel' and name(n))
                return name(row) if row else None
        return None


class Pixels:
    """RGB pixels of an area of the X window, read from the screen."""

    def __init__(self, x, y, width, height, data):
        self.x, self.y, self.width, self.height, self.data = x, y, width, height, data

    def __eq__(self, other):
        return isinstance(other, Pixels) and self.data == other.data

    def at(self, x, y):
        i = ((y - self.y) * self.width + x - self.x) * 3
        return self.data[i:i + 3]

    def shows_photo(self, fit, step=3):
        """True when the image area of fit holds a picture, not the flat background of
        the "Loading…" status page (or of an empty canvas): no colour covers half of it."""
        x0, y0 = fit.to_window(0, 0)
        x1, y1 = fit.to_window(fit.image_width, fit.image_height)
        colours = {}
        for y in range(max(y0, self.y), min(y1, self.y + self.height), step):
            for x in range(max(x0, self.x), min(x1, self.x + self.width), step):
                key = self.at(x, y)
                colours[key] = colours.get(key, 0) + 1
        return bool(colours) and max(colours.values()) * 2 < sum(colours.values())


def exit_text(code):
    """How a process ended, from its Popen return code."""
    if code < 0:
        try:
            return 'crashed with %s' % signal.Signals(-code).name
        except ValueError:
            return 'was killed by signal %d' % -code
    return 'exited with code %d' % code


def all_labels(node):
    found = []
    for child in children(node):
        if child is None:
            continue
        if role(child) == 'label':
            found.append(child)
        found.extend(all_labels(child))
    return found


class Screenshots:
    def __init__(self, folder, prefix):
        self.folder, self.prefix, self.step = folder, prefix, 0
        os.makedirs(folder, exist_ok=True)
        for old in os.listdir(folder):
            if re.fullmatch(r'%s-\d\d-[a-z0-9-]+\.png' % prefix, old):
                os.remove(os.path.join(folder, old))
        self.command = None
        if shutil.which('import'):
            self.command = ['import', '-window', 'root']
        else:
            log('warning: ImageMagick import is missing: no screenshots')

    def take(self, label):
        self.step += 1
        if self.command is None:
            return
        path = os.path.join(self.folder, '%s-%02d-%s.png' % (self.prefix, self.step, label))
        result = subprocess.run(self.command + [path], capture_output=True, text=True,
                                timeout=STEP_TIMEOUT)
        if result.returncode != 0:
            log('warning: screenshot %s failed: %s' % (path, result.stderr.strip()))
        else:
            log('screenshot %s' % path)


def xdg_env(root):
    env = dict(os.environ)
    env.update({
        'XDG_DATA_HOME': os.path.join(root, 'data'),
        'XDG_CACHE_HOME': os.path.join(root, 'cache'),
        'XDG_CONFIG_HOME': os.path.join(root, 'config'),
        'GTK_A11Y': 'atspi',
        'GDK_BACKEND': 'x11',
        # GLib 2.74 recycles GList nodes in its slice allocator, where a use after free
        # goes unnoticed; with malloc, MALLOC_PERTURB_ (meson test) and ASan catch it.
        'G_SLICE': 'always-malloc',
    })
    env.pop('NO_AT_BRIDGE', None)
    return env


# --- steps shared with test_crash.py -------------------------------------------------------

def wait_for_grid(app, total, timeout=STEP_TIMEOUT):
    """The project is open: the grid shows cells and counts every image; no dialog."""
    app.find_app()
    app.find_window()
    app.wait_for('the grid to show thumbnail cells', app.grid_cells, timeout)
    app.wait_for('the count label to read "%d images"' % total,
                 lambda: app.count_text() == '%d images' % total)
    dialogs = app.dialogs()
    if dialogs:
        raise Failure('a dialog is open over the grid: %s' % '; '.join(dialogs))
    app.measure_margin()


def open_annotate(app, size):
    """Ctrl+E, then Page Down until the page shows a sample from the work queue."""
    before = app.grab_window()
    app.key('ctrl+e')
    first = app.wait_for('the Annotate page status line after Ctrl+E', app.status)
    log('Ctrl+E opened: %s' % first.group(0))
    if first.group('pos') is None:
        # The grid's selection is a finished sample outside the queue; Page Down goes to
        # the queue's first sample once the queue has loaded.
        before = app.grab_window()
        for _ in range(8):
            app.key('Page_Down')
            try:
                app.wait_for('Page Down to reach the work queue',
                             lambda: (app.status() or first).group('pos'), timeout=3)
                break
            except Failure:
                app.check_alive()
        else:
            raise Failure('Page Down never left %s for the work queue' % first.group('name'))
    return wait_for_image(app, size, before)


def wait_for_image(app, size, before):
    """(status match, canvas rectangle) once the shown sample's image is on screen.

    The accessible tree changes before the window is repainted, and keeps stale extents
    for hidden widgets: wait until the screen differs from `before` (what it showed
    before the key that changed the sample) and the canvas area holds a picture."""
    seen = {}

    def probe():
        seen['message'] = message = app.message()
        if message in ('Queue Done', 'Cannot Show This Image'):
            raise Failure('the Annotate page shows "%s"' % message)
        seen['status'], seen['canvas'] = status, canvas = app.status(), app.canvas()
        if not (status and canvas):
            return None
        now = app.grab_window()
        seen['repainted'] = now != before
        seen['photo'] = now.shows_photo(Fit(canvas, app.margin, *size))
        return seen['repainted'] and seen['photo'] and (status, canvas)
    try:
        status, canvas = app.wait_for('the image on the Annotate canvas', probe)
    except Failure as failure:
        raise Failure('%s (last seen: status line %r, canvas %s, message page %r, '
                      'repainted %s, picture in the canvas %s)'
                      % (failure, seen.get('status') and seen['status'].group(0),
                         seen.get('canvas'), seen.get('message'), seen.get('repainted'),
                         seen.get('photo')))
    log('annotating %s (%s of %s, %s) on a canvas of %s'
        % (status.group('name'), status.group('pos'), status.group('total'),
           status.group('status'), canvas))
    return status, canvas


def wait_for_new_shape(app, project, author, known, what):
    """The one shape that appeared in the project since known (ids); fails on more."""
    def probe():
        rows = annotations_by(project, author)
        new = [r for k, r in rows.items() if k not in known]
        if len(new) > 1:
            raise Failure('%d shapes appeared for %s: %s' % (len(new), what, new))
        return new[0] if new else None
    return app.wait_for('%s in the project file' % what, probe)


# --- the annotation plan -------------------------------------------------------------------

# For each of the ten images: the digit that picks the class, then the shapes as
# fractions of the image size.  A box is dragged from its first corner to its second
# (some from the bottom right, so the app must normalise); a polygon is clicked point
# by point and closed with Return.  Digit 1 comes last: the canvas used to take it for
# "zoom 1:1", and a regression there fails on image ten with nine good ones before it.
PLAN = [
    ('2', [('box', (0.10, 0.20), (0.30, 0.45))]),
    ('3', [('box', (0.55, 0.60), (0.70, 0.90)), ('box', (0.80, 0.15), (0.95, 0.35))]),
    ('4', [('box', (0.62, 0.78), (0.40, 0.52))]),
    ('5', [('polygon', (0.20, 0.20), (0.45, 0.15), (0.55, 0.40), (0.35, 0.60), (0.15, 0.45))]),
    ('2', [('box', (0.05, 0.05), (0.20, 0.30)), ('box', (0.90, 0.90), (0.75, 0.70))]),
    ('3', [('box', (0.33, 0.33), (0.66, 0.66))]),
    ('4', [('box', (0.12, 0.55), (0.28, 0.85)), ('box', (0.50, 0.10), (0.60, 0.25))]),
    ('5', [('box', (0.70, 0.40), (0.85, 0.55))]),
    ('3', [('box', (0.45, 0.70), (0.25, 0.95))]),
    ('1', [('box', (0.15, 0.10), (0.45, 0.40)), ('box', (0.60, 0.50), (0.85, 0.80))]),
]


class Expected:
    def __init__(self, sample_name, class_name, kind, window_points, image_points):
        self.sample_name, self.class_name, self.kind = sample_name, class_name, kind
        self.window_points, self.image_points = window_points, image_points
        self.sample_id = None
        self.id = None

    def geometry(self):
        if self.kind == 'box':
            (x0, y0), (x1, y1) = self.image_points
            return (min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0))
        return self.image_points

    def error(self, geometry):
        if self.kind == 'box':
            return box_error(geometry, self.geometry())
        return points_error(geometry, self.geometry())

    def __repr__(self):
        return '%s %s on %s' % (self.class_name, self.kind, self.sample_name)


class AnnotateTest:
    def __init__(self, args, atspi):
        self.args = args
        self.data = tempfile.mkdtemp(prefix='quarry-e2e-annotate-')
        self.project = os.path.join(self.data, 'data', 'quarry', 'demo', 'demo.quarry')
        self.user = os_user()
        self.shots = Screenshots(args.out, 'annotate')
        env = xdg_env(self.data)
        env['QUARRY_DEMO_SCENES'] = str(args.scenes)
        self.app = App(args.app, ['--demo'], env, atspi,
                       os.path.join(self.data, 'app-stderr.txt'))
        self.expected = []
        self.samples = []          # (name, sample id) in the order annotated
        self.statuses_before = {}

    def cleanup(self):
        self.app.stop()
        if not self.args.keep_data:
            shutil.rmtree(self.data, ignore_errors=True)

    # --- steps ---

    def open_demo(self):
        wait_for_grid(self.app, self.args.scenes, DEMO_TIMEOUT)
        self.statuses_before = dict(query(self.project, 'SELECT id, status FROM sample'))
        self.image_size = image_size(self.project)
        if annotations_by(self.project, self.user):
            raise Failure('the new demo already has shapes by %s' % self.user)
        self.shots.take('grid')

    def annotate_ten(self):
        status, canvas = open_annotate(self.app, self.image_size)
        self.shots.take('first-image')
        for number, (digit, shapes) in enumerate(PLAN, 1):
            status, canvas = self.annotate_one(number, digit, shapes, status, canvas)

    def annotate_one(self, number, digit, shapes, status, canvas):
        app = self.app
        if status.group('status') != 'New' or status.group('shapes') != '0':
            raise Failure('image %d (%s) is not a new, empty image: %s'
                          % (number, status.group('name'), status.group(0)))
        fit = Fit(canvas, app.margin, *self.image_size)
        log('image %d: %s; fit %s' % (number, status.group('name'), fit))
        class_name = CLASSES[int(digit) - 1]
        app.key(digit)
        try:
            app.wait_for('digit %s to select class "%s"' % (digit, class_name),
                         lambda: app.current_class() == class_name, timeout=5)
        except Failure:
            self.shots.take('digit-%s' % digit)
            raise Failure('pressing %s on the canvas left class "%s" selected in the class '
                          'list, not "%s" (the %s place in the list)'
                          % (digit, app.current_class(), class_name, ordinal(int(digit))))
        for shape in shapes:
            self.draw(number, shape, fit, status.group('name'), class_name)
        app.wait_for('the status line to count %d shape(s)' % len(shapes),
                     lambda: (app.status() and app.status().group('shapes') == str(len(shapes))))
        if number in (1, 4, 10):
            self.shots.take('image-%02d' % number)
        return self.submit(number, status)

    def draw(self, number, shape, fit, sample_name, class_name):
        app = self.app
        kind, corners = shape[0], shape[1:]
        w, h = self.image_size
        window_points = [fit.to_window(fx * w, fy * h) for fx, fy in corners]
        image_points = [fit.to_image(*p) for p in window_points]
        expected = Expected(sample_name, class_name, kind, window_points, image_points)
        known = set(e.id for e in self.expected)
        if kind == 'box':
            app.key('b')
            app.drag(window_points[0], window_points[1])
        else:
            app.key('p')
            app.focus()
            for point in window_points:
                log('click %d,%d' % point)
                app.click(point)
            app.key('Return')
        row = wait_for_new_shape(app, self.project, self.user, known,
                                 'the %s drawn on image %d' % (kind, number))
        expected.id, expected.sample_id = row['id'], row['sample']
        self.check_shape(expected, row)
        self.expected.append(expected)
        log('stored %s %s %s' % (row['class'], row['kind'], json.dumps(row['geometry'])))

    def check_shape(self, expected, row):
        if row['kind'] != expected.kind:
            raise Failure('%r was stored as a %s' % (expected, row['kind']))
        if row['class'] != expected.class_name:
            raise Failure('%r was stored with class %s' % (expected, row['class']))
        error = expected.error(row['geometry'])
        if error > TOLERANCE:
            raise Failure('%r drawn at %s was stored as %s, expected %s (off by %.2f px)'
                          % (expected, expected.window_points, json.dumps(row['geometry']),
                             ['%.2f' % v for v in flatten(expected.geometry())], error))
        relpath = query(self.project, 'SELECT relpath FROM sample WHERE id = ?',
                        (row['sample'],))[0][0]
        if os.path.basename(relpath) != expected.sample_name:
            raise Failure('%r was stored on sample %s (%s)'
                          % (expected, row['sample'], relpath))

    def submit(self, number, status):
        app = self.app
        sample_id = self.expected[-1].sample_id
        self.samples.append((status.group('name'), sample_id))
        before = app.grab_window()
        app.key('ctrl+Return')
        app.wait_for('sample %s to be stored as submitted' % status.group('name'),
                     lambda: query(self.project, 'SELECT status FROM sample WHERE id = ?',
                                   (sample_id,))[0][0] == STATUS_SUBMITTED)
        if number == len(PLAN):
            return None, None
        app.wait_for('Ctrl+Return to move on from %s' % status.group('name'),
                     lambda: app.status() and app.status().group(0) != status.group(0)
                     and app.status().group('name') != status.group('name'))
        return wait_for_image(app, self.image_size, before)

    def quit(self):
        self.shots.take('last-submitted')
        self.app.quit()

    def check_project(self):
        check_integrity(self.project)
        stored = annotations_by(self.project, self.user)
        ids = [e.id for e in self.expected]
        if sorted(stored) != sorted(ids) or len(ids) != len(set(ids)):
            raise Failure('the project has %d shapes by %s, expected the %d drawn: %s'
                          % (len(stored), self.user, len(ids), sorted(stored)))
        for expected in self.expected:
            row = stored[expected.id]
            self.check_shape(expected, row)
            if row['author'] != self.user or row['version'] != 1:
                raise Failure('%r has author %r version %s' % (expected, row['author'],
                                                               row['version']))
        self.check_counts(stored)
        self.check_statuses()
        self.check_events()

    def check_counts(self, stored):
        per_sample = {}
        for row in stored.values():
            per_sample[row['sample']] = per_sample.get(row['sample'], 0) + 1
        wanted = [len(shapes) for _, shapes in PLAN]
        got = [per_sample.get(sample_id, 0) for _, sample_id in self.samples]
        if got != wanted or len(per_sample) != len(PLAN):
            raise Failure('shapes per annotated sample are %s (on %d samples), expected %s'
                          % (got, len(per_sample), wanted))
        ids = ','.join(str(sample_id) for _, sample_id in self.samples)
        total = query(self.project, 'SELECT count(*) FROM annotation WHERE sample_id IN (%s)'
                      % ids)[0][0]
        if total != len(stored):
            raise Failure('the annotated samples hold %d shapes, %d of them drawn here'
                          % (total, len(stored)))
        log('shapes per sample: %s' % got)

    def check_statuses(self):
        now = dict(query(self.project, 'SELECT id, status FROM sample'))
        ids = [sample_id for _, sample_id in self.samples]
        if len(set(ids)) != len(PLAN):
            raise Failure('the ten images were not ten different samples: %s' % self.samples)
        for sample_id, status in now.items():
            wanted = STATUS_SUBMITTED if sample_id in ids else self.statuses_before[sample_id]
            if status != wanted:
                raise Failure('sample %d has status %d, expected %d' % (sample_id, status,
                                                                        wanted))

    def check_events(self):
        counts = added_events(self.project, self.user)
        ids = set(e.id for e in self.expected)
        if counts != {key: 1 for key in ids}:
            raise Failure('annotation-added events by %s: %s; expected one for each of %s'
                          % (self.user, counts, sorted(ids)))
        others = other_edit_events(self.project, self.user)
        if others:
            raise Failure('unexpected edit events: %s' % others)


def ordinal(n):
    return {1: '1st', 2: '2nd', 3: '3rd'}.get(n, '%dth' % n)


def flatten(values):
    out = []
    for value in values:
        out.extend(flatten(value) if isinstance(value, (list, tuple)) else [value])
    return out


def check_integrity(project):
    result = query(project, 'PRAGMA integrity_check')
    if result != [('ok',)]:
        raise Failure('PRAGMA integrity_check: %s' % result)


def run_steps(steps, on_failure):
    """TAP lines for each (title, fn); 1 at the first failure."""
    for number, (title, step) in enumerate(steps, 1):
        started = time.monotonic()
        try:
            step()
        except Failure as failure:
            print('not ok %d - %s: %s' % (number, title, failure), flush=True)
            on_failure()
            return 1
        print('ok %d - %s (%.1f s)' % (number, title, time.monotonic() - started), flush=True)
    return 0


def print_output(text):
    lines = text.splitlines()
    print('# app stderr:' if lines else '# app stderr: (empty)')
    for line in lines:
        print('#   ' + line)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--app', required=True, help='path of the quarry binary')
    parser.add_argument('--out', required=True, help='folder for the screenshots')
    parser.add_argument('--scenes', type=int, default=FRAMES_PER_DRIVE,
                        help='demo size (multiple of %d)' % FRAMES_PER_DRIVE)
    parser.add_argument('--keep-data', action='store_true',
                        help='keep the temporary XDG folders')
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
    test = AnnotateTest(args, atspi)
    steps = [
        ('the demo project opens', test.open_demo),
        ('ten images annotated with keys and drags', test.annotate_ten),
        ('quit with Ctrl+Q', test.quit),
        ('the project holds exactly the drawn shapes', test.check_project),
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
