"""The server side of the Softmax Explorer: what runs in the Voila (or jupyter_server) process.

The Explorer's widgets run in a kernel and in the browser (:mod:`softmax_teach.explorer`); this
package is the process that serves them to a class, and it never imports them:

- :mod:`.voila_app`: Voila with the classroom fixes (``softmax-teach dashboard`` runs it);
- :mod:`.kernels`: the cap on live kernels and a preheated pool that stays under it;
- :mod:`.pages`: who may start a kernel, and the pages a visitor sees when none can start;
- :mod:`.websocket`: the kernel websocket, v1 only, with bounded parsers both ways;
- :mod:`.extension`: the same settings for Voila's Jupyter server extension (Binder, JupyterHub);
- :mod:`.resources`: where the dashboard notebook and the Voila template are, wherever pip put
  the package;
- ``jupyter/voila/templates/softmax-explorer``: the page template.

Importing any of these loads no widget library and no matplotlib (``tests/test_serve_imports.py``).
"""
