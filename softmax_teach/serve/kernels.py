"""Voila's kernel manager with a cap on live kernels, a pool that never overshoots it, and refills.

Voila 0.5.13 builds its kernel manager class at start-up: ``voila_kernel_manager_factory``
subclasses the configured ``VoilaConfiguration.multi_kernel_manager_class`` and adds the
preheated pool. With a pool it refills after every page (a class of 30 taking 30 pooled kernels
would start 30 more) and never after a kernel is shut down; and nothing limits how many kernels
visitors start. :func:`capped_manager_base` returns the base class to configure instead, so that
whatever Voila derives from it becomes capped when it is instantiated:

- it knows :attr:`~CappedKernelsMixin.max_kernels` (live kernels plus kernels still starting,
  the pool included);
- it refills the pool only up to that cap, and also after a kernel is shut down or culled, so a
  freed place becomes a preheated kernel for the next visitor;
- it lets the page handler reserve a place before it starts a kernel outside the pool
  (:meth:`~CappedKernelsMixin.reserve` / :meth:`~CappedKernelsMixin.release`), so simultaneous
  visitors cannot overshoot the cap.

Nothing of Voila's is patched: the cap comes in through Voila's own configurable base class.
"""

from __future__ import annotations

from softmax_teach import _validation as check


def _check_max_kernels(max_kernels):
    check.positive_int(max_kernels, "max_kernels")


def check_pool_fits(pool_size, max_kernels):
    """ValueError unless a preheated pool of ``pool_size`` kernels fits under ``max_kernels``."""
    _check_max_kernels(max_kernels)
    if pool_size > max_kernels:
        raise ValueError(f"a preheated pool of {pool_size} kernels does not fit under max_kernels={max_kernels}")


def capped_manager_base(base_class, max_kernels):
    """A kernel manager base class whose subclasses (the one Voila builds) honour ``max_kernels``.

    Voila's factory subclasses the configured base and instantiates the result once. This base's
    ``__new__`` puts :class:`CappedKernelsMixin` in front of that subclass, so the mixin's
    ``fill_if_needed`` and ``shutdown_kernel`` wrap the pool's own (a mixin in the *base* would
    come after them and could not).

    Parameters
    ----------
    base_class : type
        The configured ``VoilaConfiguration.multi_kernel_manager_class``.
    max_kernels : int
        The most kernels alive (or starting) at once, the preheated pool included; at least 1.

    Returns
    -------
    type
        A subclass of ``base_class``: set it as ``multi_kernel_manager_class``.
    """
    _check_max_kernels(max_kernels)
    capped_classes = {}

    class CappedBase(base_class):
        def __new__(cls, *args, **kwargs):
            capped = cls
            if not issubclass(cls, CappedKernelsMixin):
                if cls not in capped_classes:
                    capped_classes[cls] = type(
                        f"Capped{cls.__name__}",
                        (CappedKernelsMixin, cls),
                        # Voila's preheating class is the one with a pool to fill.
                        {"max_kernels": max_kernels, "preheated": hasattr(cls, "fill_if_needed")},
                    )
                capped = capped_classes[cls]
            # Python then runs __init__ on the capped instance, since it is an instance of cls.
            return super().__new__(capped, *args, **kwargs)

    CappedBase.__name__ = CappedBase.__qualname__ = f"Capped{base_class.__name__}Base"
    return CappedBase


class CappedKernelsMixin:
    """The cap; mixed in before the class Voila's factory returns (see :func:`capped_manager_base`)."""

    max_kernels = 1
    preheated = False
    _reserved = 0
    _stopping = False

    # -- counting --------------------------------------------------------------------------
    def _pool_tasks(self):
        return [task for pool in getattr(self, "_pools", {}).values() for task in pool]

    def starting_kernels(self):
        """Pooled kernels not yet started, plus places reserved by pages starting their own."""
        return sum(1 for task in self._pool_tasks() if not task.done()) + self._reserved

    def kernel_count(self):
        """Kernels alive or on their way: what the cap limits (a kernel may be counted twice for an instant)."""
        return len(self.list_kernel_ids()) + self.starting_kernels()

    def ready_pool_size(self, notebook_name):
        """Pooled kernels for ``notebook_name`` that a page may take (started or starting)."""
        pool = getattr(self, "_pools", {}).get(notebook_name, [])
        return sum(1 for task in pool if not task.done() or task.exception() is None)

    # -- admission ---------------------------------------------------------------------------
    def reserve(self):
        """Claim a place for a kernel started outside the pool; False when the class is full."""
        if self.kernel_count() >= self.max_kernels:
            return False
        self._reserved += 1
        return True

    def release(self):
        """Give back a place claimed with :meth:`reserve` (the kernel now counts itself, or failed)."""
        self._reserved = max(self._reserved - 1, 0)

    # -- the pool ------------------------------------------------------------------------------
    def fill_if_needed(self, delay=None, notebook_name=None, **kwargs):
        if self._stopping:
            return None
        pool = self._pools.get(notebook_name, [])
        config = dict(self.kernel_pools_config)
        default = dict(config.get("default", {}))
        wanted = config.get(notebook_name, default).get("pool_size", default.get("pool_size", 1))
        room = self.max_kernels - self.kernel_count()
        target = min(wanted, len(pool) + max(room, 0))
        if target <= len(pool):
            return None
        # Voila fills up to the configured pool size: lend it the size that fits, just for this call
        # (it runs synchronously on the event loop, so nothing else sees the change).
        original = self.kernel_pools_config
        lent = {key: dict(value) for key, value in original.items()}
        lent.setdefault("default", {})["pool_size"] = target
        if notebook_name in lent:
            lent[notebook_name]["pool_size"] = target
        self.kernel_pools_config = lent
        try:
            return super().fill_if_needed(delay=delay, notebook_name=notebook_name, **kwargs)
        finally:
            self.kernel_pools_config = original

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        result = await super().shutdown_kernel(kernel_id, *args, **kwargs)
        if self.preheated and not self._stopping and getattr(self, "notebook_path", None):
            # A place was freed (a closed tab, a culled kernel): preheat a kernel for the next visitor.
            self.fill_if_needed(delay=None, notebook_name=self.notebook_path)
        return result

    async def shutdown_all(self, *args, **kwargs):
        self._stopping = True
        return await super().shutdown_all(*args, **kwargs)
