"""Voila's kernel manager with a cap on live kernels, a pool that never overshoots it, and refills.

Voila 0.5.13 builds its kernel manager class at start-up with
``voila.voila_kernel_manager.voila_kernel_manager_factory``. With a preheated pool it refills the
pool after every page (a class of 30 taking 30 pooled kernels would start 30 more) and never after
a kernel is shut down; and nothing limits how many kernels visitors start. :func:`capped_factory`
wraps that factory so the class it returns:

- knows :attr:`max_kernels` (live kernels plus kernels still starting, the pool included);
- refills the pool only up to that cap, and also after a kernel is shut down or culled, so a
  freed place becomes a preheated kernel for the next visitor;
- lets the page handler reserve a place before it starts a kernel outside the pool
  (:meth:`reserve` / :meth:`release`), so simultaneous visitors cannot overshoot the cap.
"""

from __future__ import annotations


def capped_factory(factory, max_kernels):
    """Wrap Voila's kernel manager factory so that its class honours ``max_kernels``.

    Parameters
    ----------
    factory : callable
        ``voila.voila_kernel_manager.voila_kernel_manager_factory``.
    max_kernels : int
        The most kernels alive (or starting) at once, the preheated pool included; at least 1.

    Returns
    -------
    callable
        A factory with the same signature.
    """
    if isinstance(max_kernels, bool) or not isinstance(max_kernels, int) or max_kernels < 1:
        raise ValueError(f"max_kernels must be a positive integer, got {max_kernels!r}")

    def make(base_class, preheat_kernel, default_pool_size, page_config_hook=None):
        if preheat_kernel and default_pool_size > max_kernels:
            raise ValueError(
                f"a preheated pool of {default_pool_size} kernels does not fit under max_kernels={max_kernels}"
            )
        voila_class = factory(base_class, preheat_kernel, default_pool_size, page_config_hook=page_config_hook)
        return type(
            "CappedKernelManager",
            (CappedKernelsMixin, voila_class),
            {"max_kernels": max_kernels, "preheated": preheat_kernel},
        )

    return make


class CappedKernelsMixin:
    """The cap; mixed in before the class Voila's factory returns (see :func:`capped_factory`)."""

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
