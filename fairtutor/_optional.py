"""PyTorch, the one optional dependency of the library.

``pip install fairtutor`` installs what :mod:`fairtutor` and its numpy and
scikit-learn modules need. PyTorch is a large download that only the
chapters 5 and 6 modules (:mod:`fairtutor.divergences` and
:mod:`fairtutor.representation`) use, so it comes with the ``torch`` extra.
Those modules import it from here: without it, importing them raises an
``ImportError`` that says which command installs it, instead of a bare
``No module named 'torch'``.
"""

try:
    import torch
except ImportError as error:
    raise ImportError(
        "fairtutor.divergences and fairtutor.representation (chapters 5 and 6) need "
        "PyTorch, which the core install of fairtutor leaves out. Install it with "
        '`pip install "fairtutor[torch]"`, or `pip install "fairtutor[notebooks]"` '
        "for everything the chapters import.",
        name="torch",
    ) from error
from torch import nn

__all__ = ["nn", "torch"]
