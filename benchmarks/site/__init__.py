"""Lighthouse benchmark of the built book (``python -m benchmarks.site``, ``make audit``)."""
