"""``python -m reports.pdf_chunk``: HTML on stdin, the PDF WeasyPrint makes of it on stdout.

One chunk of a large report (see reports.pdf); imports WeasyPrint only, never Django.
"""

import sys

from weasyprint import HTML

if __name__ == "__main__":
    sys.stdout.buffer.write(HTML(string=sys.stdin.buffer.read().decode()).write_pdf())
