"""A report's CSV answer, read as it arrives and spooled to disk past a few MB.

getReportResultCsv returns up to 50,000 rows (~15 MB) in one SOAP element; expat parses the
streamed body, so the text is never held whole in memory (nor as zeep's document tree).
"""

from __future__ import annotations

import csv
import tempfile
import typing as t
from xml.parsers import expat

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    import requests

#: CSV text kept in memory per report; the rest of a big result goes to a temporary file.
SPOOL_BYTES = 4 * 1024 * 1024
_CHUNK_BYTES = 64 * 1024


class ReportCsv:
    """The CSV text of one report result, in memory up to SPOOL_BYTES, on disk past it."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(
            max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline=""
        )
        #: Newlines seen: one per row plus the header, more if quoted fields hold newlines.
        self.newlines = 0

    def write(self, text: str) -> None:
        self._file.write(text)
        self.newlines += text.count("\n")

    def count_rows(self) -> int:
        """Rows after the header, counted exactly (quoted fields may hold newlines)."""
        self._file.seek(0)
        return max(sum(1 for _ in csv.reader(self._file)) - 1, 0)

    def rows(self) -> Iterator[list[str]]:
        """The CSV rows (header first), read once; the text is dropped after the last."""
        try:
            self._file.seek(0)
            yield from csv.reader(self._file)
        finally:
            self.close()

    def close(self) -> None:
        self._file.close()


def read_csv_answer(response: requests.Response) -> ReportCsv | None:
    """Stream a getReportResultCsv answer's `return` text into a ReportCsv.

    None when the body holds no such element (e.g. a SOAP fault answered with 200), so
    the caller can hand the (small) body to zeep for the usual fault handling.
    """
    result = ReportCsv()
    names: list[str] = []
    found = False
    inside = False

    def start(name: str, _attributes: t.Any) -> None:
        nonlocal found, inside
        local = name.rsplit(" ", 1)[-1]
        if local == "return" and names and names[-1] == "getReportResultCsvResponse":
            found = inside = True
        names.append(local)

    def end(_name: str) -> None:
        nonlocal inside
        names.pop()
        inside = False

    def text(data: str) -> None:
        if inside:
            result.write(data)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.buffer_size = _CHUNK_BYTES
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    received: list[bytes] = []  # kept only until the CSV starts: a fault's whole body
    try:
        for chunk in response.iter_content(_CHUNK_BYTES):
            if not found:
                received.append(chunk)
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except BaseException:
        result.close()
        raise
    if not found:
        result.close()
        response._content = b"".join(received)
        return None
    return result
