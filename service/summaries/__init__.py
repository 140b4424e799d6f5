"""The collated summary of a case's returns.

build        the summary from the returns, IMRs and consent
rows         the summary's plain tree of dataclasses, ready to show
chronology   the merged chronology, with probable duplicates flagged
documents    the summary as a PDF (``pdf_blocks``: its sections, laid out by ``service.pdf_flow``)
cache        the PDF kept per version of the case, large ones made by a worker job
exports      CSV and XLSX (``schema``: JSON)
to_officer   the summary to the DHR officer when a trawl is complete and when it falls due
delivery     the summary to the sub-group on request
limits       how much one send to the sub-group takes (read by the form too)
"""
