"""The care app's pages, one module per subject; kam/care/urls.py gathers their routes."""
