#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks for Quarry's installed data files, run by `meson test --suite data`.

Each sub-command prints what it checked and exits non-zero on the first problem:

  mime FILE UPDATE_MIME_DATABASE
      build a private MIME database from FILE and check the project type,
      its glob, parent type and icon landed in it without warnings.
  icons APP_ID SCALABLE SYMBOLIC [RSVG_CONVERT]
      check canvas sizes, the single-colour fill-only symbolic icon and, when
      rsvg-convert is given, that both icons render.
  consistency APP_ID BIN VERSION DESKTOP METAINFO MIME GSCHEMA
      check that the desktop file, metainfo, MIME info and GSettings schema
      agree on the app id, binary, MIME types and version.
  flatpak MANIFEST APP_ID BIN [FLATPAK_BUILDER]
      check the Flatpak manifest, and let flatpak-builder parse it if given.
"""

import configparser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

MIME_NS = '{http://www.freedesktop.org/standards/shared-mime-info}'
SVG_NS = '{http://www.w3.org/2000/svg}'
# Elements the shared-mime-info specification allows inside <mime-type>
MIME_TYPE_CHILDREN = {
    'comment', 'acronym', 'expanded-acronym', 'icon', 'generic-icon', 'glob',
    'glob-deleteall', 'magic', 'magic-deleteall', 'treemagic', 'root-XML', 'alias',
    'sub-class-of',
}


class CheckError(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckError(message)


def read_lines(path):
    with open(path, encoding='utf-8') as f:
        return [line.rstrip('\n') for line in f]


def mime_types(mime_xml):
    root = ET.parse(mime_xml).getroot()
    expect(root.tag == MIME_NS + 'mime-info', f'{mime_xml}: root is not <mime-info>')
    return root.findall(MIME_NS + 'mime-type')


# ---------------------------------------------------------------- mime

def check_mime(mime_xml, update_mime_database):
    types = mime_types(mime_xml)
    expect(len(types) > 0, f'{mime_xml}: no <mime-type>')

    with tempfile.TemporaryDirectory() as tmp:
        packages = os.path.join(tmp, 'mime', 'packages')
        os.makedirs(packages)
        shutil.copy(mime_xml, packages)
        env = dict(os.environ, LC_ALL='C')
        proc = subprocess.run([update_mime_database, '-V', os.path.join(tmp, 'mime')],
                              capture_output=True, text=True, env=env)
        expect(proc.returncode == 0, f'update-mime-database failed:\n{proc.stderr}')
        output = proc.stdout.splitlines() + proc.stderr.splitlines()
        problems = [line for line in output
                    if re.search(r'warning|error|unknown|invalid|missing', line, re.I)]
        expect(not problems, 'update-mime-database complained:\n' + '\n'.join(problems))

        db = os.path.join(tmp, 'mime')
        globs = read_lines(os.path.join(db, 'globs2'))
        subclasses = read_lines(os.path.join(db, 'subclasses'))
        generic_icons = read_lines(os.path.join(db, 'generic-icons'))
        known = read_lines(os.path.join(db, 'types'))

        for mime_type in types:
            name = mime_type.get('type')
            for child in mime_type:
                tag = child.tag.removeprefix(MIME_NS)
                expect(tag in MIME_TYPE_CHILDREN or not child.tag.startswith(MIME_NS),
                       f'{name}: unknown element <{tag}>')
            expect(name in known, f'{name} missing from the compiled database')
            comment = mime_type.find(MIME_NS + 'comment')
            expect(comment is not None and comment.text and comment.text.strip(),
                   f'{name}: no <comment>')
            for glob in mime_type.findall(MIME_NS + 'glob'):
                pattern = glob.get('pattern')
                expect(any(line.endswith(f':{name}:{pattern}') for line in globs),
                       f'{name}: glob {pattern} missing from globs2')
            for parent in mime_type.findall(MIME_NS + 'sub-class-of'):
                entry = f'{name} {parent.get("type")}'
                expect(entry in subclasses, f'{name}: "{entry}" missing from subclasses')
            icon = mime_type.find(MIME_NS + 'generic-icon')
            if icon is not None:
                entry = f'{name}:{icon.get("name")}'
                expect(entry in generic_icons, f'{name}: "{entry}" missing from generic-icons')
            print(f'ok: {name} compiled into a MIME database')


# ---------------------------------------------------------------- icons

def svg_size(root):
    width = root.get('width', '').removesuffix('px')
    height = root.get('height', '').removesuffix('px')
    view_box = root.get('viewBox', '').split()
    return width, height, view_box


def style_values(element, prop):
    values = []
    if element.get(prop) is not None:
        values.append(element.get(prop).strip())
    for decl in (element.get('style') or '').split(';'):
        key, _, value = decl.partition(':')
        if key.strip() == prop:
            values.append(value.strip())
    return values


def check_symbolic(path, root):
    fills = set()
    for element in root.iter():
        for stroke in style_values(element, 'stroke'):
            expect(stroke == 'none', f'{path}: strokes are not recoloured in symbolic icons')
        for fill in style_values(element, 'fill'):
            if fill != 'none':
                fills.add(fill.lower())
        expect(element.tag != SVG_NS + 'image', f'{path}: embedded bitmap')
        expect(not element.tag.endswith('Gradient'), f'{path}: gradient in symbolic icon')
    expect(len(fills) == 1, f'{path}: symbolic icon must use exactly one fill colour, got {fills}')


def png_size(path):
    with open(path, 'rb') as f:
        header = f.read(24)
    expect(header[:8] == b'\x89PNG\r\n\x1a\n', f'{path}: not a PNG')
    return struct.unpack('>II', header[16:24])


def render(rsvg_convert, svg, size, tmp):
    out = os.path.join(tmp, f'{os.path.basename(svg)}-{size}.png')
    proc = subprocess.run([rsvg_convert, '-w', str(size), '-h', str(size), '-o', out, svg],
                          capture_output=True, text=True)
    expect(proc.returncode == 0, f'rsvg-convert failed on {svg}:\n{proc.stderr}')
    expect(png_size(out) == (size, size), f'{svg}: rendered at the wrong size')
    expect(os.path.getsize(out) > 100, f'{svg}: rendered PNG is suspiciously small')


def check_icons(app_id, scalable, symbolic, rsvg_convert=None):
    expect(os.path.basename(scalable) == f'{app_id}.svg', f'{scalable}: not named {app_id}.svg')
    expect(os.path.basename(symbolic) == f'{app_id}-symbolic.svg',
           f'{symbolic}: not named {app_id}-symbolic.svg')

    for path, size in ((scalable, '128'), (symbolic, '16')):
        root = ET.parse(path).getroot()
        expect(root.tag == SVG_NS + 'svg', f'{path}: not an SVG document')
        width, height, view_box = svg_size(root)
        expect(width == size and height == size, f'{path}: canvas must be {size}x{size}')
        expect(view_box == ['0', '0', size, size], f'{path}: viewBox must be 0 0 {size} {size}')
        if path == symbolic:
            check_symbolic(path, root)
        print(f'ok: {os.path.basename(path)} is a {size}x{size} canvas')

    if rsvg_convert:
        with tempfile.TemporaryDirectory() as tmp:
            for size in (16, 32, 64, 128):
                render(rsvg_convert, scalable, size, tmp)
            for size in (16, 32):
                render(rsvg_convert, symbolic, size, tmp)
        print('ok: both icons render with rsvg-convert')


# ---------------------------------------------------------------- consistency

def read_desktop(path):
    parser = configparser.RawConfigParser(strict=True, delimiters=('=',))
    parser.optionxform = str
    parser.read(path, encoding='utf-8')
    expect(parser.has_section('Desktop Entry'), f'{path}: no [Desktop Entry] group')
    return parser['Desktop Entry']


def split_list(value):
    return [item for item in value.split(';') if item]


def check_consistency(app_id, binary, version, desktop, metainfo, mime_xml, gschema):
    entry = read_desktop(desktop)
    declared = {t.get('type') for t in mime_types(mime_xml)}

    expect(os.path.basename(desktop) == f'{app_id}.desktop', f'{desktop}: wrong file name')
    expect(entry.get('Icon') == app_id, f'{desktop}: Icon is not {app_id}')
    expect(entry.get('Exec', '').split()[:1] == [binary], f'{desktop}: Exec does not run {binary}')
    expect(set(split_list(entry.get('MimeType', ''))) == declared,
           f'{desktop}: MimeType differs from {sorted(declared)}')
    expect(entry.get('DBusActivatable', 'false') == 'false',
           f'{desktop}: the app ships no D-Bus service file, so it must not be DBusActivatable')
    print('ok: desktop file matches the app id, binary and MIME info')

    component = ET.parse(metainfo).getroot()
    expect(component.findtext('id') == app_id, f'{metainfo}: id is not {app_id}')
    launchable = component.find("launchable[@type='desktop-id']")
    expect(launchable is not None and launchable.text == f'{app_id}.desktop',
           f'{metainfo}: launchable is not {app_id}.desktop')
    expect(component.findtext('provides/binary') == binary,
           f'{metainfo}: provides/binary is not {binary}')
    media = {m.text for m in component.findall('provides/mediatype')}
    expect(media == declared, f'{metainfo}: provided media types {media} != {declared}')
    releases = component.findall('releases/release')
    expect(releases and releases[0].get('version') == version,
           f'{metainfo}: newest release is not the project version {version}')
    expect(component.findtext('translation') == 'quarry',
           f'{metainfo}: translation domain is not quarry')
    print(f'ok: metainfo matches the app id, binary, MIME info and version {version}')

    schemas = ET.parse(gschema).getroot()
    expect(schemas.get('gettext-domain') == 'quarry', f'{gschema}: gettext-domain is not quarry')
    schema = schemas.find(f"schema[@id='{app_id}']")
    expect(schema is not None, f'{gschema}: no schema with id {app_id}')
    expected_path = '/' + app_id.replace('.', '/') + '/'
    expect(schema.get('path') == expected_path, f'{gschema}: path is not {expected_path}')
    print('ok: GSettings schema id and path match the app id')


# ---------------------------------------------------------------- flatpak

def check_flatpak(manifest_path, app_id, binary, flatpak_builder=None):
    with open(manifest_path, encoding='utf-8') as f:
        manifest = json.load(f)

    expect(manifest.get('id') == app_id, f'id is not {app_id}')
    expect('app-id' not in manifest, 'use "id"; "app-id" is deprecated')
    expect(manifest.get('runtime') == 'org.gnome.Platform', 'runtime is not org.gnome.Platform')
    expect(manifest.get('sdk') == 'org.gnome.Sdk', 'sdk is not org.gnome.Sdk')
    expect(isinstance(manifest.get('runtime-version'), str), 'runtime-version must be a string')
    expect(manifest.get('command') == binary, f'command is not {binary}')

    args = manifest.get('finish-args', [])
    for needed in ('--share=ipc', '--socket=wayland', '--socket=fallback-x11', '--device=dri'):
        expect(needed in args, f'finish-args lacks {needed}')
    expect('--socket=x11' not in args, 'use --socket=fallback-x11, not --socket=x11')
    expect('--share=network' not in args, 'Quarry works offline and needs no network')
    expect(any(a.startswith('--filesystem=') for a in args),
           'finish-args give no file system access for dataset folders and project files')

    modules = manifest.get('modules', [])
    expect(modules and all(isinstance(m, dict) for m in modules),
           'modules must be inline objects')
    names = [m.get('name') for m in modules]
    expect(len(set(names)) == len(names), f'duplicate module names: {names}')
    for module in modules:
        for source in module.get('sources', []):
            if source.get('type') in ('archive', 'file'):
                expect(re.fullmatch(r'[0-9a-f]{64}', source.get('sha256', '')),
                       f'module {module.get("name")}: {source.get("type")} source without sha256')
                expect(source.get('url', '').startswith('https://'),
                       f'module {module.get("name")}: source URL is not https')
            if source.get('type') == 'git':
                expect(source.get('tag') or source.get('commit'),
                       f'module {module.get("name")}: git source pinned to neither tag nor commit')

    app = modules[-1]
    expect(app.get('name') == 'quarry', 'the last module must be quarry itself')
    expect(app.get('buildsystem') == 'meson', 'quarry must build with meson')
    sources = app.get('sources', [])
    expect(len(sources) == 1 and sources[0].get('type') == 'dir',
           'quarry must build from a dir source')
    manifest_dir = os.path.dirname(manifest_path)
    tree = os.path.normpath(os.path.join(manifest_dir, sources[0].get('path', '')))
    expect(os.path.isfile(os.path.join(tree, 'meson.build')),
           f'the dir source {tree} holds no meson.build')
    print(f'ok: manifest builds {app_id} with meson from {tree}')

    if flatpak_builder:
        # flatpak-builder creates a .flatpak-builder state dir in its working directory
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.run([flatpak_builder, '--show-manifest',
                                   os.path.abspath(manifest_path)],
                                  capture_output=True, text=True, cwd=tmp)
        expect(proc.returncode == 0, f'flatpak-builder could not load the manifest:\n{proc.stderr}')
        expect('WARNING' not in proc.stderr and 'Unknown' not in proc.stderr,
               f'flatpak-builder warned:\n{proc.stderr}')
        expect(json.loads(proc.stdout).get('id') == app_id, 'flatpak-builder read a different id')
        print('ok: flatpak-builder loads the manifest without warnings')


COMMANDS = {
    'mime': (check_mime, 2, 2),
    'icons': (check_icons, 3, 4),
    'consistency': (check_consistency, 7, 7),
    'flatpak': (check_flatpak, 3, 4),
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    func, least, most = COMMANDS[argv[1]]
    args = argv[2:]
    if not least <= len(args) <= most:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        func(*args)
    except (CheckError, OSError, ET.ParseError, json.JSONDecodeError,
            configparser.Error) as e:
        print(f'FAIL: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
