"""The page's parts, each a few widget functions that app.py lays out top to bottom.

This package and app.py are the only code that imports streamlit (a test
keeps it so): every decision -- what a setting allows, how a matrix is drawn,
how a run's status reads -- is made in the `aelab` library, which the CLI and
the tests share.
"""
