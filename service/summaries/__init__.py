"""The collated summary of a case's returns: built in ``build``, shown by the console page and
the PDF (``documents``), exported as CSV, XLSX and JSON (``exports``, ``schema``)."""
