"""The people app's pages, one module per subject; kam/people/urls.py gathers their routes."""
