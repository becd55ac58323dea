"""Reading input tables and writing CSV files: the only module of the library that touches files.

CSV is written spreadsheet-safe: a text cell that Excel or LibreOffice would evaluate as a formula
(one starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with a single
quote, which both show as text. Plain numbers such as ``-0.25`` are left as numbers.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import warnings
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from advocates.data.contract import TABLE_ORDER
from advocates.data.membership import arrow_array
from advocates.data.validation import REJECT_COLUMNS, RawTable
from advocates.errors import InputError, TableReadError

__all__ = [
    "check_text",
    "csv_lines",
    "find_table_files",
    "read_raw_table",
    "spreadsheet_safe",
    "write_csv",
    "write_table",
]

_SUFFIXES = (".csv", ".csv.gz", ".parquet")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A plain number, which no spreadsheet evaluates as a formula (ASCII digits: the same for
#: Python's ``re`` and Arrow's RE2).
_PLAIN_NUMBER_PATTERN = r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?"
_PLAIN_NUMBER = re.compile(_PLAIN_NUMBER_PATTERN)
_SKIPPED_LINE = re.compile(r"Skipping line (\d+): (.*)")


def find_table_files(input_dir: str | Path) -> dict[str, Path]:
    """Return the file of each contract table found in ``input_dir``.

    A table is ``<name>.csv``, ``<name>.csv.gz`` or ``<name>.parquet``; two files for one table
    are refused rather than one silently chosen.
    """
    folder = Path(input_dir)
    if not folder.is_dir():
        raise InputError(
            f"input folder {folder} does not exist or is not a folder", path=str(folder)
        )
    found: dict[str, Path] = {}
    for name in TABLE_ORDER:
        candidates = [folder / f"{name}{suffix}" for suffix in _SUFFIXES]
        present = [path for path in candidates if path.is_file()]
        if len(present) > 1:
            raise InputError(
                f"{folder}: table '{name}' is given twice ({', '.join(p.name for p in present)}); "
                "keep one file per table",
                path=str(folder),
            )
        if present:
            found[name] = present[0]
    return found


def _unreadable_rejects(name: str, path: Path, messages: Iterable[str]) -> pd.DataFrame:
    records = []
    for message in messages:
        for line in message.strip().splitlines():
            match = _SKIPPED_LINE.match(line.strip())
            if match:
                records.append((name, str(path), int(match.group(1)), "", match.group(2), ""))
    return pd.DataFrame(records, columns=REJECT_COLUMNS)


def _open_bytes(path: Path) -> io.BufferedIOBase:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def check_text(path: Path) -> bool:
    """Whether the CSV file is valid UTF-8 throughout; a file that is not text as the contract
    asks (UTF-16 or UTF-32, a cut-short or broken gzip file, a header naming a column twice) is
    refused with what is wrong and what to do."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid, first = True, b""
    try:
        with _open_bytes(path) as handle:
            while chunk := handle.read(1 << 24):
                first = first or chunk
                if valid:
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError:
                        valid = False
        if valid:
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        valid = False
    except EOFError as error:
        raise TableReadError(
            f"{path}: the compressed file is cut short ({error}); copy or export it again",
            path=str(path),
        ) from error
    except (gzip.BadGzipFile, zlib.error) as error:
        raise TableReadError(
            f"{path}: not a readable gzip file ({error}); compress it again with gzip",
            path=str(path),
        ) from error
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in first[:4096]:
        encoding = (
            "UTF-32" if first.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) else "UTF-16"
        )
        raise TableReadError(
            f"{path}: the file is {encoding} text (or not text at all); input files must be "
            "UTF-8: save it as 'CSV UTF-8'",
            path=str(path),
        )
    _check_header(path, first)
    return valid


def _check_header(path: Path, first: bytes) -> None:
    """Refuse a header that names a column twice (pandas would rename the second copy)."""
    line = first.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    names = [name.strip() for name in next(csv.reader([line]), [])]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        where = "; ".join(
            f"{name!r} in columns {', '.join(str(i + 1) for i, n in enumerate(names) if n == name)}"
            for name in repeated
        )
        raise TableReadError(
            f"{path}: the header names a column more than once ({where}); keep one",
            path=str(path),
        )


def _read_plain_csv(path: Path) -> pd.DataFrame | None:
    """The CSV file read by pyarrow (several times faster than pandas' reader, and straight into
    the text columns pandas keeps), every value as text; None when a line does not have the
    header's number of fields, which the pandas reader then reports line by line."""
    with _open_bytes(path) as handle:
        header = handle.readline().decode("utf-8-sig")
    names = next(csv.reader([header]), [])
    try:
        table = pa_csv.read_csv(
            path,
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    return table.to_pandas()


def read_raw_table(name: str, path: str | Path) -> RawTable:
    """Read one table file without judging its values (see :func:`advocates.data.validation.validate_table`).

    CSV values are read as text; lines with more fields than the header become rejects, and
    bytes that are not UTF-8 are marked so that their rows are rejected.
    """
    path = Path(path)
    if path.stat().st_size == 0:
        raise TableReadError(f"{path}: file is empty (expected a header row)", path=str(path))
    if path.suffix == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as error:  # pyarrow raises several unrelated types
            raise TableReadError(
                f"{path}: not a readable Parquet file ({error})", path=str(path)
            ) from error
        rows = np.arange(1, len(frame) + 1, dtype=np.int64)
        return RawTable(name=name, path=str(path), frame=frame.reset_index(drop=True), rows=rows)

    valid_utf8 = check_text(path)
    fast = _read_plain_csv(path) if valid_utf8 else None
    if fast is not None:
        fast.columns = [str(c).strip() for c in fast.columns]
        rows = np.arange(2, len(fast) + 2, dtype=np.int64)
        return RawTable(name=name, path=str(path), frame=fast, rows=rows)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                encoding="utf-8",
                encoding_errors="strict" if valid_utf8 else "replace",
                on_bad_lines="warn",
            )
        except pd.errors.EmptyDataError as error:
            raise TableReadError(f"{path}: file has no header row", path=str(path)) from error
        except (pd.errors.ParserError, ValueError) as error:
            raise TableReadError(
                f"{path}: not a readable CSV file ({error})", path=str(path)
            ) from error
    frame.columns = [str(c).strip() for c in frame.columns]
    unreadable = _unreadable_rejects(name, path, [str(w.message) for w in caught])
    # Data rows start at file row 2; skipped lines take their row numbers out of the sequence.
    total = len(frame) + len(unreadable)
    all_rows = np.arange(2, total + 2, dtype=np.int64)
    rows = np.setdiff1d(all_rows, unreadable["row"].to_numpy(dtype=np.int64), assume_unique=True)
    if len(rows) != len(frame):  # multi-line quoted fields: fall back to record numbers
        rows = np.arange(2, len(frame) + 2, dtype=np.int64)
    return RawTable(
        name=name,
        path=str(path),
        frame=frame,
        rows=rows,
        unreadable=unreadable,
        invalid_utf8=not valid_utf8,
    )


def spreadsheet_safe(value: object) -> object:
    """Return ``value`` so that no spreadsheet evaluates it as a formula.

    >>> spreadsheet_safe("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> spreadsheet_safe("-0.25"), spreadsheet_safe(-3), spreadsheet_safe("-2+3")
    ('-0.25', -3, "'-2+3")
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        if _PLAIN_NUMBER.fullmatch(value):
            return value
        return "'" + value
    return value


def csv_lines(
    frame: pd.DataFrame, *, chunk_rows: int = 50_000, header: bool = True
) -> Iterator[str]:
    """Yield ``frame`` as spreadsheet-safe CSV text: the header (unless not ``header``), then
    chunks of rows.

    The text is what the csv module writes (minimal quoting, ``\\r\\n`` line ends) for the
    plain values: missing ones empty, floats rounded to 6 places in positional notation
    (``0.000096``, never ``9.6e-05``), timestamps ISO text, text made :func:`spreadsheet_safe`.
    It is built a column at a time, with Arrow's kernels where they apply, and the cells joined:
    the csv module's per-cell work held an export to 90,000 rows/s.

    >>> frame = pd.DataFrame({"id": ["a,b", '"q"'], "n": [1 / 3, None], "k": [1, 2]})
    >>> print("".join(csv_lines(frame)).replace("\\r\\n", "|"))
    id,n,k|"a,b",0.333333,1|\"\"\"q\"\"\",,2|
    """
    names = _safe_text(pa.array([str(c) for c in frame.columns], pa.string())).to_pylist()
    for start in range(0, max(len(frame), 1), chunk_rows):
        chunk = frame.iloc[start : start + chunk_rows]
        first = ",".join(names) + "\r\n" if start == 0 and header else ""
        if chunk.empty:
            yield first
            continue
        columns = [_text_column(chunk.iloc[:, i]) for i in range(chunk.shape[1])]
        if len(columns) == 1:  # the csv module quotes a lone empty cell, or the row would vanish
            columns = [pc.if_else(pc.equal(columns[0], ""), '""', columns[0])]
        # 64-bit offsets: a chunk's text may pass 2 GiB.
        comma, line_end, nothing = (
            pa.scalar(text, pa.large_string()) for text in (",", "\r\n", "")
        )
        lines = pc.binary_join_element_wise(*(c.cast(pa.large_string()) for c in columns), comma)
        lines = pc.binary_join_element_wise(lines, line_end, nothing)
        whole = pc.binary_join(pa.LargeListArray.from_arrays([0, len(lines)], lines), nothing)
        yield first + whole[0].as_py()


def _text_column(values: pd.Series) -> pa.StringArray:
    """One column's cells as the CSV shows them (see :func:`csv_lines`), quoted where needed."""
    missing = pa.array(values.isna().to_numpy())
    if pd.api.types.is_float_dtype(values.dtype):
        cells = _decimals(values.to_numpy(dtype=float, na_value=0.0))
    elif pd.api.types.is_integer_dtype(values.dtype):
        cells = pc.cast(pa.array(values.to_numpy(dtype=np.int64, na_value=0)), pa.string())
    elif pd.api.types.is_bool_dtype(values.dtype):
        cells = pc.if_else(pa.array(values.to_numpy(dtype=bool, na_value=False)), "True", "False")
    else:
        if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            text = arrow_array(values.fillna("").astype(str)).cast(pa.string())
        else:
            text = pa.array([str(_plain(v)) for v in values.tolist()], pa.string())
        cells = _safe_text(text)
    return pc.if_else(missing, "", cells).cast(pa.string())


def _decimals(values: np.ndarray) -> pa.StringArray:
    """Floats rounded to 6 places in positional notation, as :func:`_decimal` writes them.

    A value is rounded as its integer count of millionths; the few whose product with a million
    is too close to a half for the float product to decide, or too large for an int64, are
    written one by one.

    >>> _decimals(np.array([1 / 3, -2.0, 9.6e-05, 0.0078125, 2e12, -1e-9])).to_pylist()
    ['0.333333', '-2.0', '0.000096', '0.007812', '2000000000000.0', '0.0']
    """
    scaled = values * 1e6
    fraction = np.abs(scaled - np.trunc(scaled))
    tolerance = np.maximum(np.abs(scaled), 1.0) * 1e-15
    slow = (np.abs(values) >= 1e9) | (np.abs(fraction - 0.5) <= tolerance) | ~np.isfinite(scaled)
    millionths = np.where(slow, 0.0, np.rint(scaled)).astype(np.int64)
    size = np.abs(millionths)
    whole = pc.cast(pa.array(size // 1_000_000), pa.string())
    part = pc.cast(pa.array(size % 1_000_000), pa.string())
    part = pc.utf8_rtrim(pc.utf8_lpad(part, 6, "0"), "0")
    part = pc.if_else(pc.equal(part, ""), "0", part)
    sign = pc.if_else(pa.array(millionths < 0), "-", "")
    text = pc.binary_join_element_wise(sign, pc.binary_join_element_wise(whole, part, "."), "")
    if not slow.any():
        return text
    one_by_one = pa.array([_decimal(v) for v in values[slow].tolist()], pa.string())
    return pc.replace_with_mask(text, pa.array(slow), one_by_one)


def _decimal(value: float) -> str:
    """``value`` rounded to 6 places in positional notation, trailing zeros dropped.

    >>> _decimal(0.1 + 0.2), _decimal(1e17), _decimal(-0.0000001), _decimal(float("inf"))
    ('0.3', '100000000000000000.0', '0.0', 'inf')
    """
    if not np.isfinite(value):
        return repr(value)
    text = f"{round(value, 6):.6f}".rstrip("0")
    text = text + "0" if text.endswith(".") else text
    return "0.0" if text == "-0.0" else text


def _safe_text(text: pa.StringArray) -> pa.StringArray:
    """Text cells made :func:`spreadsheet_safe` and quoted as the csv module quotes them: a cell
    holding a comma, a quote or a line break is put in quotes, its quotes doubled. Arrow's
    kernels do it, but for the doubling of quotes (its kernel is slower than Python's)."""
    first = pc.utf8_slice_codeunits(text, 0, 1)
    formula = pc.is_in(first, value_set=pa.array(_FORMULA_START, pa.string()))
    if pc.any(formula).as_py():
        number = pc.match_substring_regex(text, f"^{_PLAIN_NUMBER_PATTERN}$")
        formula = pc.and_not(formula, number)
        text = pc.if_else(formula, pc.binary_join_element_wise("'", text, ""), text)
    quoted = pc.if_else(
        pc.match_substring_regex(text, r'[,"\r\n]'),
        pc.binary_join_element_wise('"', text, '"', ""),
        text,
    )
    doubled = pc.match_substring_regex(text, '"')
    if not pc.any(doubled).as_py():
        return quoted
    inner = pc.filter(text, doubled).to_pylist()
    return pc.replace_with_mask(
        quoted,
        doubled,
        pa.array(['"' + cell.replace('"', '""') + '"' for cell in inner], pa.string()),
    )


def _plain(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        return _decimal(float(value))
    if isinstance(value, np.generic):
        return value.item()
    return value


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` as spreadsheet-safe UTF-8 CSV (with a BOM, for Excel)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as handle:
        for text in csv_lines(frame):
            handle.write(text)
    tmp.replace(path)
    return path


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as CSV, gzip-compressed if ``path`` ends in ``.gz``.

    pyarrow's CSV writer is tens of times faster than pandas' (it quotes every text value, where
    pandas quotes only those that need it: both read back the same). A column pyarrow cannot
    type (Python objects of mixed types) is written by pandas.
    """
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        frame.to_csv(path, index=False)
        return
    gz = path.name.endswith(".gz")
    with pa.CompressedOutputStream(str(path), "gzip") if gz else pa.OSFile(str(path), "wb") as sink:
        pa_csv.write_csv(table, sink)


def write_table(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    bad_bytes_lines: Iterable[int] = (),
    extra_field_lines: Iterable[int] = (),
) -> Path:
    """Write an input table as CSV (``.csv``, ``.csv.gz``) or Parquet (``.parquet``).

    ``bad_bytes_lines`` and ``extra_field_lines`` (file rows, header = 1) are corrupted on purpose,
    the way broken exports are: a byte that is not UTF-8, a field too many. Only the demo
    generator asks for that.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
        return path
    bad_bytes, extra = set(bad_bytes_lines), set(extra_field_lines)
    if not bad_bytes and not extra:
        _write_csv(frame, path)
        return path
    lines = frame.to_csv(index=False).encode("utf-8").split(b"\n")
    for number in bad_bytes:
        lines[number - 1] = lines[number - 1].replace(b"e", b"\xe9", 1)  # Latin-1 'é'
    for number in extra:
        lines[number - 1] = lines[number - 1] + b",unexpected"
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wb") as handle:
        handle.write(b"\n".join(lines))
    return path


def read_records(path: str | Path) -> tuple[list[dict[str, object]], str]:
    """The records of a CSV (``.csv``, ``.csv.gz``) or JSON Lines (``.jsonl``, ``.ndjson``)
    file, as dicts, and how a record's place is named in messages: ``row`` for CSV (record 0
    is row 2, under the header) or ``line`` for JSON Lines (record 0 is line 1)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file", path=str(path))
    name = path.name.lower()
    try:
        if name.endswith((".jsonl", ".ndjson")):
            records: list[dict[str, object]] = []
            with open(path, encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    if line.strip():
                        try:
                            records.append(json.loads(line))
                        except json.JSONDecodeError as error:
                            raise InputError(
                                f"{path}: line {number} is not JSON: {error.msg}", path=str(path)
                            ) from None
            return records, "line"
        if name.endswith((".csv", ".csv.gz")):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            return frame.to_dict("records"), "row"
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InputError(f"{path}: cannot be read: {error}", path=str(path)) from error
    raise InputError(f"{path}: expected a .csv, .csv.gz or .jsonl file", path=str(path))
