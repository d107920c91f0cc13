#!/usr/bin/python3
"""End-to-end tests of the `quarry` command line: exit codes, JSON output, broken files,
a project held by another process, and an import killed halfway.

Usage: test_cli.py QUARRY_BINARY
"""
import json
import os
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

QUARRY = None


def png_bytes(width, height, rgb=(200, 30, 30)):
    """A small valid 8-bit RGB PNG."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def bomb_png():
    """A PNG header claiming 100000 x 100000 pixels."""
    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + crc


def run(*args, env=None, timeout=120):
    return subprocess.run([QUARRY, *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


class CliTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="quarry-cli-")
        self.env = dict(os.environ, XDG_CACHE_HOME=os.path.join(self.dir, "cache"),
                        XDG_DATA_HOME=os.path.join(self.dir, "data"))
        self.project = os.path.join(self.dir, "p.quarry")
        self.images = os.path.join(self.dir, "images")
        os.makedirs(os.path.join(self.images, "sub folder"))
        os.makedirs(os.path.join(self.images, "Größe 東京"))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, rel, data):
        path = os.path.join(self.images, rel)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def good_images(self, n):
        for i in range(n):
            self.write(f"sub folder/img {i:03}.png", png_bytes(8 + i % 5, 6))
        self.write("Größe 東京/café 1.png", png_bytes(16, 9))

    def quarry(self, *args, **kw):
        return run(*args, env=self.env, **kw)

    def test_help_and_usage(self):
        r = self.quarry("help")
        self.assertEqual(r.returncode, 0)
        for command in ("new", "import", "info", "thumbnails", "demo"):
            self.assertIn(command, r.stdout)
        self.assertIn("in use", r.stdout)
        for command in ("new", "import", "info", "thumbnails", "demo"):
            r = self.quarry(command, "--help")
            self.assertEqual(r.returncode, 0, command)
            self.assertIn("Usage", r.stdout)
        self.assertEqual(self.quarry("new").returncode, 2)
        self.assertEqual(self.quarry("import", self.project).returncode, 2)
        self.assertEqual(self.quarry("info", "--no-such-option", self.project).returncode, 2)

    def test_new_refuses_existing(self):
        self.assertEqual(self.quarry("new", self.project).returncode, 0)
        r = self.quarry("new", self.project)
        self.assertEqual(r.returncode, 1)
        self.assertIn(self.project, r.stderr)

    def test_missing_and_bad_project(self):
        r = self.quarry("info", os.path.join(self.dir, "missing.quarry"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("missing.quarry", r.stderr)
        notes = os.path.join(self.dir, "notes.quarry")
        with open(notes, "w") as f:
            f.write("not a project\n")
        r = self.quarry("info", notes)
        self.assertEqual(r.returncode, 1)
        self.assertIn("notes.quarry", r.stderr)
        with open(notes) as f:
            self.assertEqual(f.read(), "not a project\n")

    def test_import_info_reimport(self):
        self.good_images(20)
        self.assertEqual(self.quarry("new", self.project).returncode, 0)
        r = self.quarry("import", self.project, self.images, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        result = json.loads(r.stdout)[0]
        self.assertEqual(result["added"], 21)
        self.assertEqual(result["skipped"], 0)

        info = json.loads(self.quarry("info", self.project, "--json").stdout)
        self.assertEqual(info["images"], 21)
        self.assertEqual(info["png"], 21)
        self.assertEqual(info["status"]["new"], 21)
        self.assertEqual(info["sources"], 1)

        # Again: nothing new.  Then one changed file and one new one.
        result = json.loads(self.quarry("import", self.project, self.images, "--json").stdout)[0]
        self.assertEqual((result["added"], result["unchanged"]), (0, 21))
        time.sleep(0.01)
        self.write("sub folder/img 000.png", png_bytes(30, 30))
        self.write("new.png", png_bytes(4, 4))
        result = json.loads(self.quarry("import", self.project, self.images, "--json").stdout)[0]
        self.assertEqual((result["added"], result["updated"], result["unchanged"]), (1, 1, 20))
        text = self.quarry("info", self.project).stdout
        self.assertIn("22", text)

    def test_broken_files_exit_4(self):
        self.good_images(3)
        self.write("empty.jpg", b"")
        self.write("text.jpg", b"hello, this is not a picture\n")
        self.write("bomb.png", bomb_png())
        self.write("cut.png", png_bytes(64, 64)[:60])
        self.write("readme.txt", b"ignored")
        r = self.quarry("import", "--create", self.project, self.images, "--json")
        self.assertEqual(r.returncode, 4, r.stderr)
        result = json.loads(r.stdout)[0]
        self.assertEqual(result["added"], 4)
        skipped = {p["path"]: p["reason"] for p in result["problems"] if p["skipped"]}
        self.assertEqual(set(skipped), {"empty.jpg", "text.jpg", "bomb.png", "cut.png"})
        self.assertIn("100000", skipped["bomb.png"])
        # The text report names file and reason on stderr.
        r = self.quarry("import", self.project, self.images)
        self.assertEqual(r.returncode, 4)
        self.assertIn("empty.jpg", r.stderr)

    def test_missing_folder(self):
        self.quarry("new", self.project)
        r = self.quarry("import", self.project, os.path.join(self.dir, "nowhere"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("nowhere", r.stderr)

    def test_project_in_use_exit_3(self):
        self.good_images(2)
        self.quarry("new", self.project)
        holder = sqlite3.connect(self.project, isolation_level=None, timeout=1)
        holder.execute("BEGIN IMMEDIATE")
        try:
            start = time.monotonic()
            r = self.quarry("import", self.project, self.images)
            waited = time.monotonic() - start
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("in use", r.stderr)
        self.assertGreater(waited, 1.0)  # it waited for the lock before giving up
        # Once released, the same import works.
        self.assertEqual(self.quarry("import", self.project, self.images).returncode, 0)

    def test_killed_import_keeps_project_consistent(self):
        for d in range(8):
            os.makedirs(os.path.join(self.images, f"d{d}"))
            for i in range(400):
                self.write(f"d{d}/{i:04}.png", png_bytes(4, 4, (d * 30, i % 256, 7)))
        self.quarry("new", self.project)
        proc = subprocess.Popen([QUARRY, "import", "--quiet", self.project, self.images],
                                env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        con = sqlite3.connect(self.project)
        self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        partial = con.execute("SELECT count(*) FROM sample").fetchone()[0]
        con.close()
        self.assertLessEqual(partial, 3200)
        # Importing again completes the job without duplicates.
        result = json.loads(self.quarry("import", self.project, self.images, "--json").stdout)[0]
        self.assertEqual(result["added"] + result["unchanged"], 3200)
        self.assertEqual(result["unchanged"], partial)
        info = json.loads(self.quarry("info", self.project, "--json").stdout)
        self.assertEqual(info["images"], 3200)

    def test_interrupt_exit_130(self):
        data = png_bytes(2, 2)
        for i in range(30000):
            self.write(f"{i:05}.png", data)
        self.quarry("new", self.project)
        proc = subprocess.Popen([QUARRY, "import", "--quiet", self.project, self.images],
                                env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(0.15)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        if proc.returncode == 0:
            self.skipTest("the import finished before the interrupt arrived")
        self.assertEqual(proc.returncode, 130, err)
        con = sqlite3.connect(self.project)
        self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        con.close()

    def test_thumbnails(self):
        self.good_images(5)
        self.write("cut.png", png_bytes(64, 64)[:60])
        self.quarry("import", "--create", self.project, self.images)
        # The broken file was skipped at import, so every sample gets a thumbnail.
        r = self.quarry("thumbnails", self.project)
        self.assertEqual(r.returncode, 0, r.stderr)
        cache = os.path.join(self.dir, "cache", "quarry", "thumbnails")
        made = [f for _, _, files in os.walk(cache) for f in files]
        self.assertEqual(len(made), 6)
        # A sample whose file vanished since the import is reported, exit 4.
        os.remove(os.path.join(self.images, "sub folder", "img 001.png"))
        shutil.rmtree(cache)
        r = self.quarry("thumbnails", self.project)
        self.assertEqual(r.returncode, 4)
        self.assertIn("img 001.png", r.stderr)

    def test_demo_small(self):
        folder = os.path.join(self.dir, "demo")
        r = self.quarry("demo", folder, "--scenes", "30", "--quiet", timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        project = r.stdout.strip()
        self.assertTrue(project.endswith(".quarry"))
        info = json.loads(self.quarry("info", project, "--json").stdout)
        self.assertEqual(info["images"], 30)
        self.assertEqual(len(info["classes"]), 5)
        self.assertGreater(info["annotations"], 0)
        self.assertEqual(self.quarry("demo", folder, "--scenes", "0").returncode, 2)


    def demo_project(self, scenes=60):
        folder = os.path.join(self.dir, "demo")
        r = self.quarry("demo", folder, "--scenes", str(scenes), "--quiet", timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def test_formats_lists_coco(self):
        r = self.quarry("formats")
        self.assertEqual(r.returncode, 0)
        self.assertIn("coco", r.stdout)

    def test_export_verified_json_and_reimport(self):
        project = self.demo_project()
        out = os.path.join(self.dir, "out ünï")
        r = self.quarry("export", "--format", "coco", "--split", "80/10/10", "--seed", "3",
                        "--status", "accepted", "--json", project, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        report = json.loads(r.stdout)
        self.assertTrue(report["verified"])
        self.assertEqual(report["differences"], 0)
        self.assertEqual([s["name"] for s in report["splits"]], ["train", "val", "test"])
        self.assertEqual(sum(s["images"] for s in report["splits"]), report["images"])
        self.assertTrue(os.path.exists(os.path.join(out, "quarry-export-report.txt")))
        with open(os.path.join(out, "annotations", "instances_train.json")) as f:
            train = json.load(f)
        self.assertGreater(len(train["annotations"]), 0)
        # Exporting again into the same folder is refused; nothing there changes.
        again = self.quarry("export", "--format", "coco", project, out)
        self.assertEqual(again.returncode, 1)
        self.assertIn("not an empty folder", again.stderr)
        # The labels come back into a new project, with a class renamed on the way.
        other = os.path.join(self.dir, "other.quarry")
        r = self.quarry("import", "--create", "--format", "auto", "--map", "car=vehicle",
                        "--status", "accepted", "--json", other, out)
        self.assertEqual(r.returncode, 0, r.stderr)
        result = json.loads(r.stdout)[0]
        self.assertEqual(result["format"], "coco")
        self.assertEqual(result["new"], report["images"])
        self.assertEqual(result["imported"], report["shapes"])
        info = json.loads(self.quarry("info", other, "--json").stdout)
        self.assertIn("vehicle", [c["name"] for c in info["classes"]])
        self.assertEqual(info["annotations"], report["shapes"])

    def test_learning_commands(self):
        project = self.demo_project(60)
        # Nothing trained yet: the curation commands say so.
        r = self.quarry("similar", project, "1")
        self.assertEqual(r.returncode, 1)
        self.assertIn("quarry rank", r.stderr)
        r = self.quarry("features", "--quiet", project, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("60", r.stdout)
        r = self.quarry("rank", "--json", "--batch", "5", "--seed", "3", project, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        first = json.loads(r.stdout)
        self.assertEqual(first["strategy"], "hybrid")
        self.assertEqual(first["frames"], 60)
        self.assertGreater(first["labeled"], 0)
        self.assertEqual([b["rank"] for b in first["batch"]], [1, 2, 3, 4, 5])
        again = json.loads(self.quarry("rank", "--json", "--batch", "5", "--seed", "3",
                                       project, timeout=300).stdout)
        self.assertEqual([b["id"] for b in again["batch"]], [b["id"] for b in first["batch"]])
        self.assertEqual(again["round"], first["round"] + 1)
        for bad in (["--strategy", "psychic"], ["--batch", "0"], ["--audit", "2"]):
            self.assertEqual(self.quarry("rank", *bad, project).returncode, 2, bad)

        query = first["batch"][0]["id"]
        r = self.quarry("similar", "--json", project, str(query))
        self.assertEqual(r.returncode, 0, r.stderr)
        similar = json.loads(r.stdout)
        self.assertEqual(len(similar), 10)
        self.assertNotIn(query, [s["id"] for s in similar])
        scores = [s["similarity"] for s in similar]
        self.assertEqual(scores, sorted(scores, reverse=True))
        r = self.quarry("similar", "--box", "10,10,200,150", "-n", "3", project, str(query))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 3)
        for bad in (["--box", "1,2,3"], ["--box", "0,0,-5,5"], ["-n", "0"]):
            self.assertEqual(self.quarry("similar", *bad, project, "1").returncode, 2, bad)
        self.assertEqual(self.quarry("similar", project, "999999").returncode, 1)

        r = self.quarry("drift", "--json", "--last", "10", project)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("drifted", json.loads(r.stdout))
        self.assertEqual(self.quarry("drift", project).returncode, 2)

    def test_duplicates_remove(self):
        self.good_images(3)
        for i in range(12):
            self.write(f"sub folder/v{i:02}.png",
                       png_bytes(40, 30, (20 * i % 256, 255 - 20 * i, 90 + 13 * i % 160)))
        with open(os.path.join(self.images, "sub folder", "v03.png"), "rb") as f:
            self.write("sub folder/v03 copy.png", f.read())
        self.assertEqual(self.quarry("import", "--quiet", "--create", project := self.project,
                                     self.images).returncode, 0)
        r = self.quarry("rank", "--quiet", project, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.quarry("duplicates", "--json", "--distance", "0", "--similarity", "2", project)
        self.assertEqual(r.returncode, 0, r.stderr)
        groups = json.loads(r.stdout)
        copies = [g for g in groups if len(g["members"]) == 2]
        self.assertTrue(copies, groups)
        before = json.loads(self.quarry("info", project, "--json").stdout)["images"]
        r = self.quarry("duplicates", "--remove", "--distance", "0", "--similarity", "2",
                        project)
        self.assertEqual(r.returncode, 0, r.stderr)
        after = json.loads(self.quarry("info", project, "--json").stdout)["images"]
        removable = sum(len(g["members"]) - 1 for g in groups)
        self.assertEqual(after, before - removable)
        # The files stay on disk.
        self.assertTrue(os.path.exists(os.path.join(self.images, "sub folder", "v03 copy.png")))

    def test_export_usage_errors(self):
        project = self.demo_project(30)
        out = os.path.join(self.dir, "out")
        for args in (["--format", "nope"], ["--format", "coco", "--split", "80/x"],
                     ["--format", "coco", "--status", "great"],
                     ["--format", "coco", "--images", "teleport"], []):
            r = self.quarry("export", *args, project, out)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
        self.assertFalse(os.path.exists(out))

    def test_import_labels_problems_exit_4(self):
        self.good_images(2)
        labels = os.path.join(self.dir, "labels.json")
        with open(labels, "w") as f:
            json.dump({"images": [{"id": 1, "file_name": "images/sub folder/img 000.png",
                                   "width": 8, "height": 6},
                                  {"id": 2, "file_name": "nowhere.png", "width": 4,
                                   "height": 4}],
                       "categories": [{"id": 3, "name": "dog"}],
                       "annotations": [{"id": 1, "image_id": 1, "category_id": 3,
                                        "bbox": [1, 1, 4, 3]},
                                       {"id": 2, "image_id": 1, "category_id": 99,
                                        "bbox": [1, 1, 4, 3]}]}, f)
        r = self.quarry("import", "--create", "--format", "coco", self.project, labels)
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("nowhere.png", r.stderr)
        self.assertIn("annotations[1]", r.stderr)
        info = json.loads(self.quarry("info", self.project, "--json").stdout)
        self.assertEqual(info["annotations"], 1)
        broken = os.path.join(self.dir, "broken.json")
        with open(broken, "w") as f:
            f.write('{"images": [')
        r = self.quarry("import", "--format", "coco", self.project, broken)
        self.assertEqual(r.returncode, 1)
        self.assertIn("broken.json", r.stderr)
        r = self.quarry("import", "--format", "nope", self.project, broken)
        self.assertEqual(r.returncode, 1)
        self.assertIn("quarry formats", r.stderr)


if __name__ == "__main__":
    QUARRY = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
