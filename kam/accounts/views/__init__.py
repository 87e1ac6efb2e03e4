"""Account pages: the list (listing.py) and the 360° page with its edits (detail.py)."""

from .detail import account_detail
from .listing import account_export, account_list

__all__ = ["account_detail", "account_export", "account_list"]
