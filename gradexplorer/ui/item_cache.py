"""Pixmap caches for plot items that rarely change while x moves (curves, axes, markers).

Moving x repaints most of a plot (the tangent spans it), so an item drawn from a
DeviceCoordinateCache pixmap costs a blit instead of its paths and symbols. Qt re-renders the
pixmap when the view's transform changes; after new data the item's owner drops it (below).
An export paints with every cache off (export._uncached), so SVGs keep vector shapes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGraphicsItem


def cache(item: QGraphicsItem) -> None:
    """Draw the item from a pixmap until its data changes."""
    item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def drop_cache(item: QGraphicsItem) -> None:
    """Throw away an item's pixmap after new data. Qt re-renders only the exposed part of a
    DeviceCoordinateCache pixmap, so a curve that changes under a moving parameter kept stale
    pieces of earlier frames; new data is rare next to x steps, which keep the cache."""
    mode = item.cacheMode()
    item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    item.setCacheMode(mode)


def set_cached(item: QGraphicsItem, on: bool) -> None:
    """Cache the item from now on, or draw it directly (which also drops its pixmap): an item
    whose data changes on every step would fill a pixmap for one paint only."""
    mode = QGraphicsItem.CacheMode.DeviceCoordinateCache if on else QGraphicsItem.CacheMode.NoCache
    if item.cacheMode() != mode:
        item.setCacheMode(mode)
