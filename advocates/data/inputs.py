"""Reading and validating a run's input, keeping what was validated for the next night.

:func:`validated_inputs` reads every table file, validates it and checks its references
(:mod:`~advocates.data.validation`). Given an :class:`InputCache` (a folder), it keeps each
table's checked result there with the SHA-256 of the file it came from, and the next run hashes
each file before reading it:

- **same bytes**: the kept result is used; the file is neither parsed nor validated;
- **the same bytes followed by more** (a plain CSV file appended to): only the appended rows are
  read and validated, their keys checked against the kept rows' keys, their references checked,
  and they are joined to the kept result;
- **anything else**: the file is read and validated whole.

Either way the result is what validating the whole file gives: a kept result is used only while
every table its rows were checked against (customers; accounts and edges for graph handles) has
the bytes it had then, and an entry made by other validation code (the modules that read,
validate and declare the tables, and their lookups) is ignored. A row rejected on an earlier night stays rejected
while its file and those tables do not change, as it would be again.

The kept results are uncompressed Arrow files, about twice the input's size on disk, read by
mapping them into memory (0.07 s for 9.7 million edges, where LZ4-compressed ones took 2.7 s to
read); a file is never written in place: each entry is written beside the last and then named in
``<table>.json`` in one rename, so a run killed while writing leaves the previous entry whole,
and a frame mapped from a file replaced meanwhile keeps its bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.feather as feather

from advocates.data import contract, io, membership, validation
from advocates.data.contract import TABLE_ORDER, TABLES
from advocates.data.io import read_raw_table
from advocates.data.membership import positions
from advocates.data.validation import (
    RawTable,
    TableResult,
    check_references,
    duplicate_reasons,
    joined_rejects,
    key_text,
    validate_table,
)

__all__ = ["InputCache", "validated_inputs"]

#: The code whose results an entry holds: an entry made by other code is not used.
_CODE = hashlib.sha256(
    b"".join(
        Path(module.__file__).read_bytes()
        for module in (contract, io, membership, validation)
        if module.__file__ is not None
    )
    + Path(__file__).read_bytes()
).hexdigest()[:16]

Stage = Callable[[str], AbstractContextManager[object]]


def _depends_on(name: str) -> frozenset[str]:
    """The tables whose rows ``name``'s rows are checked against, transitively."""
    found: set[str] = set()
    for target in TABLES[name].references.values():
        table = target.split(".")[0]
        for each in ("accounts", "edges") if table == "graph" else (table,):
            found |= {each, *_depends_on(each)}
    return frozenset(found - {name})


@dataclass(frozen=True)
class Fingerprint:
    """A file's size and SHA-256, the SHA-256 of its first bytes (as many as asked for; None
    when the file is shorter), and whether it ends with a line break."""

    size: int
    digest: str
    prefix_digest: str | None
    ends_with_newline: bool


def fingerprint(path: Path, prefix_size: int = 0) -> Fingerprint:
    """Hash ``path`` in one pass, noting the hash of its first ``prefix_size`` bytes."""
    whole, prefix_digest, done, last = hashlib.sha256(), None, 0, b""
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            if done < prefix_size <= done + len(chunk):
                whole.update(chunk[: prefix_size - done])
                prefix_digest = whole.copy().hexdigest()
                whole.update(chunk[prefix_size - done :])
            else:
                whole.update(chunk)
            done, last = done + len(chunk), chunk[-1:]
    return Fingerprint(done, whole.hexdigest(), prefix_digest, last == b"\n")


@dataclass(frozen=True)
class Entry:
    """What is kept of one table: the file it was read from (size, hash, whether rows may be
    appended to it) and the hashes of the tables its rows were checked against."""

    table: str
    size: int
    digest: str
    appendable: bool
    rows_in: int
    depends: dict[str, str | None]
    code: str


class InputCache:
    """The folder where runs keep their checked input tables between nights."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def entry(self, name: str) -> Entry | None:
        """The kept entry of table ``name``, or None (none, unreadable, or other code's)."""
        try:
            entry = Entry(**json.loads((self.folder / f"{name}.json").read_text()))
        except (OSError, ValueError, TypeError):
            return None
        whole = all(self._file(entry, part).is_file() for part in ("frame", "rejects"))
        return entry if whole and entry.code == _CODE and entry.table == name else None

    def _file(self, entry: Entry, part: str) -> Path:
        return self._path(entry.table, entry.digest, part)

    def _path(self, name: str, digest: str, part: str) -> Path:
        return self.folder / f"{name}-{digest[:16]}.{part}.arrow"

    def load(self, entry: Entry, path: Path) -> TableResult:
        """The kept result of ``entry``, as read from ``path`` now."""
        frame = feather.read_feather(self._file(entry, "frame"), memory_map=True)
        rejects = joined_rejects(
            feather.read_feather(self._file(entry, "rejects")).assign(file=str(path))
        )
        return TableResult(entry.table, str(path), frame, rejects, entry.rows_in)

    def keys(self, entry: Entry) -> pd.DataFrame | None:
        """The keys kept with ``entry`` (see :meth:`save`); None for a table without a key."""
        kept = self._file(entry, "keys")
        return feather.read_feather(kept, memory_map=True) if kept.exists() else None

    def save(
        self,
        result: TableResult,
        keys: pd.DataFrame | None,
        found: Fingerprint,
        depends: dict[str, str | None],
        *,
        appendable: bool,
    ) -> None:
        """Keep ``result`` (read from a file of fingerprint ``found``; its rows checked against
        tables of hashes ``depends``), with ``keys``: the unique keys and file rows of the rows
        that passed the row checks, against which appended rows are checked."""
        entry = Entry(
            result.name, found.size, found.digest, appendable, result.rows_in, depends, _CODE
        )
        parts = {"frame": result.frame, "rejects": result.rejects, "keys": keys}
        self._replace(result.name, found.digest, parts, f"{result.name}.json", entry.__dict__)

    def keep(self, name: str, digest: str, frames: Mapping[str, pd.DataFrame]) -> None:
        """Keep ``frames`` (something derived from the input, such as the numbered graph) under
        ``name`` with the ``digest`` of what they were derived from, replacing what was kept."""
        meta = {"digest": digest, "parts": sorted(frames)}
        self._replace(name, digest, frames, f"{name}.kept.json", meta)

    def _replace(
        self,
        name: str,
        digest: str,
        frames: Mapping[str, pd.DataFrame | None],
        meta_name: str,
        meta: Mapping[str, object],
    ) -> None:
        """Write each frame (None: none) as ``<name>-<digest>.<part>.arrow``, then ``meta``, the
        file naming them, each written beside and renamed into place, so that a run killed
        meanwhile leaves the last entry whole; then delete the name's other Arrow files."""
        self.folder.mkdir(parents=True, exist_ok=True)
        written = set()
        for part, frame in frames.items():
            if frame is not None:
                path = self._path(name, digest, part)
                temporary = path.with_suffix(".partial")
                feather.write_feather(frame, temporary, compression="uncompressed")
                os.replace(temporary, path)
                written.add(path.name)
        path = self.folder / meta_name
        temporary = path.with_suffix(".partial")
        temporary.write_text(json.dumps(meta))
        os.replace(temporary, path)
        for old in self.folder.glob(f"{name}-*.arrow"):
            if old.name not in written:
                old.unlink(missing_ok=True)

    def kept(self, name: str) -> tuple[str, dict[str, pd.DataFrame]] | None:
        """The digest and frames last kept under ``name`` (:meth:`keep`), mapped from their
        files; None when there are none or they cannot be read."""
        try:
            meta = json.loads((self.folder / f"{name}.kept.json").read_text())
            digest = str(meta["digest"])
            return digest, {
                str(part): feather.read_feather(self._path(name, digest, part), memory_map=True)
                for part in meta["parts"]
            }
        except (OSError, ValueError, TypeError, KeyError):
            return None


def _keys(result: TableResult) -> pd.DataFrame | None:
    """The unique keys and file rows of ``result``'s rows (None: the table has no key)."""
    unique = list(TABLES[result.name].unique)
    return result.frame[[*unique, "_row"]] if unique else None


def _read_tail(name: str, path: Path, entry: Entry, folder: Path) -> RawTable:
    """The rows appended to ``path`` since ``entry`` was kept, numbered as in the whole file."""
    with path.open("rb") as handle:
        header = handle.readline()
        handle.seek(entry.size)
        tail = handle.read()
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f"{name}.tail.csv"
    part.write_bytes(header + tail)
    try:
        raw = read_raw_table(name, part)
    finally:
        part.unlink(missing_ok=True)
    # The kept rows were records 2 .. rows_in + 1 of the file.
    offset = entry.rows_in
    unreadable = raw.unreadable.assign(
        row=raw.unreadable["row"].to_numpy(dtype=np.int64) + offset, file=str(path)
    )
    return replace(raw, path=str(path), rows=raw.rows + offset, unreadable=unreadable)


def _reject_known_keys(result: TableResult, known: pd.DataFrame) -> TableResult:
    """Move the rows of ``result`` whose key is one of ``known``'s (the kept rows) to its rejects,
    as the whole file's validation rejects a key seen on an earlier row."""
    unique = list(TABLES[result.name].unique)
    text = key_text(result.frame[unique])
    first = positions(text, key_text(known[unique]))
    mask = pd.Series(first >= 0, index=result.frame.index)
    if not mask.any():
        return result
    rows = known["_row"].to_numpy()[first[mask.to_numpy()]]
    reasons = pd.Series("", index=result.frame.index, dtype=object)
    reasons[mask] = duplicate_reasons(unique, text[mask], rows)
    return validation.move_to_rejects(result, mask, "/".join(unique), reasons, values=text)


def validated_inputs(
    files: Mapping[str, Path],
    *,
    cache: InputCache | None = None,
    reuse: bool = True,
    stage: Stage | None = None,
) -> tuple[dict[str, TableResult], dict[str, str]]:
    """Every table of ``files`` read, validated and checked against the others (see the module's
    docstring for what ``cache`` saves; without ``reuse`` every file is read whole, and the
    cache is written afresh). Returns the results and how each table was read: ``read whole``,
    ``unchanged (kept)`` or ``appended: N rows``."""
    timed: Stage = stage or (lambda name: contextlib.nullcontext())
    found: dict[str, Fingerprint] = {}
    entries: dict[str, Entry | None] = {}
    with timed("read"):
        for name, path in files.items():
            entry = entries[name] = cache.entry(name) if cache is not None and reuse else None
            if cache is not None:
                found[name] = fingerprint(path, entry.size if entry else 0)
    depends = {
        name: {
            dep: found[dep].digest if dep in found else None for dep in sorted(_depends_on(name))
        }
        for name in found
    }
    modes: dict[str, str] = {}
    for name in files:
        entry = entries[name]
        if entry is None or entry.depends != depends.get(name):
            modes[name] = "whole"
        elif entry.digest == found[name].digest:
            modes[name] = "kept"
        elif entry.appendable and found[name].prefix_digest == entry.digest:
            modes[name] = "appended"
        else:
            modes[name] = "whole"

    results: dict[str, TableResult] = {}
    keys: dict[str, pd.DataFrame | None] = {}
    kept: dict[str, TableResult] = {}
    how: dict[str, str] = {}
    for name, path in files.items():
        entry = entries[name]
        if modes[name] in ("kept", "appended") and cache is not None and entry is not None:
            with timed("read"):
                kept[name] = cache.load(entry, path)
                keys[name] = cache.keys(entry) if modes[name] == "appended" else None
        if modes[name] == "kept":
            results[name], how[name] = kept[name], "unchanged (kept)"
            continue
        with timed("read"):
            raw = (
                _read_tail(name, path, entry, cache.folder)
                if modes[name] == "appended" and cache is not None and entry is not None
                else read_raw_table(name, path)
            )
            how[name] = (
                f"appended: {raw.rows_in:,} rows" if modes[name] == "appended" else "read whole"
            )
        with timed("validate"):
            result = validate_table(raw, TABLES[name])
            del raw
            if modes[name] == "appended" and keys[name] is not None:
                result = _reject_known_keys(result, keys[name])
            new_keys = _keys(result)
            if new_keys is not None and modes[name] == "appended":
                new_keys = pd.concat([keys[name], new_keys], ignore_index=True)
            keys[name] = new_keys
            results[name] = result
    with timed("validate"):
        # Table by table in contract order, each appended one joined to its kept rows once its
        # new rows are checked: the tables checked after it look up all of its rows.
        for name in [n for n in TABLE_ORDER if n in files and modes[n] != "kept"]:
            results = check_references(results, only=[name])
            if modes[name] == "appended":
                results[name] = _joined(kept.pop(name), results[name])
        if cache is not None:
            for name in [n for n in files if modes[n] != "kept"]:
                path = files[name]
                try:
                    cache.save(
                        results[name],
                        keys[name],
                        found[name],
                        depends[name],
                        appendable=path.suffix == ".csv" and found[name].ends_with_newline,
                    )
                except OSError as error:  # (a full disk costs the next night a whole read)
                    how[name] += f"; not kept for the next run: {error}"
    return results, how


def _joined(kept: TableResult, tail: TableResult) -> TableResult:
    """The kept result of a file followed by the result of the rows appended to it."""
    return TableResult(
        kept.name,
        tail.path,
        pd.concat([kept.frame, tail.frame], ignore_index=True),
        joined_rejects(kept.rejects, tail.rejects),
        kept.rows_in + tail.rows_in,
    )
