"""Reading the bundled data files safely, and what every loader shares.

The files under ``fairtutor/data/`` are the unmodified files that the UCI
Machine Learning Repository publishes, each compressed with gzip. A loader
decompresses its file and compares the SHA-256 checksum of the *decompressed*
bytes with the checksum of the published file: the number below is the one
anyone can compute from the UCI download, so a reader can check that the
package ships exactly the public data.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from pathlib import Path

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils import Bunch

__all__ = ["make_preprocessor"]

#: Folder of the bundled files. Tests point it at a temporary copy.
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: SHA-256 of each published (uncompressed) file; ``<name>.gz`` holds it.
BUNDLED_SHA256 = {
    "adult.data": "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d",
    "adult.test": "a2a9044bc167a35b2361efbabec64e89d69ce82d9790d2980119aac5fd7e9c05",
    "german.data": "b21f3d81db8071257d5ff1deaeba1fd4303b62712e6fcc9715c7a86202cb5871",
    "communities.data": "09e0b5c07eae24c1efab19b2edee05e160e7f5743b6f31e31eec3d73624da2ea",
    "communities.names": "f71e9049d2a8efe566e41be59cae27c84282a8d9d5c4bce4861490227f42c429",
    "drug_consumption.data": "90b8cf500b07ad455baf9fe1dc519998c75a1df6d87f6bd7069176f0826ea8c1",
    "student-mat.csv": "36f9658aaf1ab1a5017a7d7f13b755036ba0f3bda8e2791756d4167b0d12511d",
    "student-por.csv": "8d5824cbc8e40b61233c981999a9d2a2c3bd76d94ec59e14c50e63b34ff6a06e",
}

UCI_LICENSE = (
    "Creative Commons Attribution 4.0 International (CC BY 4.0), "
    "https://creativecommons.org/licenses/by/4.0/"
)

_REINSTALL = "reinstall fairtutor (pip install --force-reinstall fairtutor) to restore it"


def read_bundled(name):
    """Return the verified bytes of the bundled file ``name`` (without ``.gz``).

    Raises
    ------
    FileNotFoundError
        If ``DATA_DIR / (name + ".gz")`` does not exist.
    ValueError
        If the file cannot be decompressed or its checksum is wrong; the
        message names the file.
    """
    path = Path(DATA_DIR) / f"{name}.gz"
    if not path.is_file():
        raise FileNotFoundError(f"the bundled data file {path} is missing; {_REINSTALL}")
    try:
        content = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(
            f"the bundled data file {path} is corrupt (it is not a valid gzip file: {exc}); "
            f"{_REINSTALL}"
        ) from None
    digest = hashlib.sha256(content).hexdigest()
    if digest != BUNDLED_SHA256[name]:
        raise ValueError(
            f"the bundled data file {path} is corrupt: the SHA-256 checksum of its content is "
            f"{digest}, expected {BUNDLED_SHA256[name]} (the published UCI file); {_REINSTALL}"
        )
    return content


def read_bundled_csv(name, **kwargs):
    """``pandas.read_csv`` on the verified content of a bundled file."""
    return pd.read_csv(io.BytesIO(read_bundled(name)), **kwargs)


def check_option(value, options, name):
    """Return ``value`` if it is one of ``options``, else raise a clear ``ValueError``."""
    if value not in options:
        shown = ", ".join(repr(o) for o in options)
        raise ValueError(f"unknown {name}={value!r}; choose one of {shown}")
    return value


def make_bunch(
    *, features, target, sensitive, sensitive_sources, include_sensitive, descr, return_X_y, **extra
):
    """Assemble the ``Bunch`` (or the ``(X, y, s)`` triple) that every loader returns.

    ``features`` holds every candidate feature, including the raw column(s)
    that ``sensitive`` was derived from (``sensitive_sources``); these are
    dropped from ``data`` unless ``include_sensitive`` is true.
    """
    if not include_sensitive:
        features = features.drop(columns=list(sensitive_sources))
    data = features.reset_index(drop=True)
    sensitive = sensitive.reset_index(drop=True)
    target = target.reset_index(drop=True)
    if return_X_y:
        return data, target, sensitive
    parts = [data]
    if sensitive.name not in data.columns:
        parts.append(sensitive)
    parts.append(target)
    frame = pd.concat(parts, axis=1)
    target_name = list(target.columns) if isinstance(target, pd.DataFrame) else target.name
    return Bunch(
        data=data,
        target=target,
        sensitive=sensitive,
        feature_names=list(data.columns),
        target_name=target_name,
        sensitive_name=sensitive.name,
        frame=frame,
        DESCR=descr,
        **extra,
    )


def make_preprocessor(bunch, *, sparse_output=False):
    """A ``ColumnTransformer`` that one-hot encodes categoricals and standardizes numerics.

    The transformer is returned **unfitted**: fit it on the training split
    only and then apply it to the test split. Fitting the scaler on train and
    test together, as some published code does, lets the test set leak into
    the model (the means and variances are computed with it).

    Columns of dtype object, category or bool are one-hot encoded (categories
    unseen at fit time are encoded as all zeros); every other column is
    standardized to mean 0 and variance 1 on the data it is fitted on.

    Parameters
    ----------
    bunch : Bunch or pandas.DataFrame
        A data set returned by a ``load_*`` or ``fetch_*`` function, or its
        feature DataFrame ``bunch.data`` (or ``X`` from ``return_X_y=True``).
    sparse_output : bool, default=False
        Return a sparse matrix from ``transform``; by default a dense array,
        which numpy and torch code can use directly.

    Returns
    -------
    preprocessor : sklearn.compose.ColumnTransformer
        Unfitted; ``get_feature_names_out()`` names the output columns once
        it is fitted.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import train_test_split
    >>> from fairtutor.datasets import load_german, make_preprocessor
    >>> german = load_german()
    >>> X_train, X_test = train_test_split(german.data, test_size=0.3, random_state=0)
    >>> pre = make_preprocessor(german).fit(X_train)   # training split only
    >>> Z_train, Z_test = pre.transform(X_train), pre.transform(X_test)
    >>> Z_train.shape, Z_test.shape
    ((700, 57), (300, 57))
    >>> numeric = pre.output_indices_["numeric"]
    >>> bool(np.allclose(Z_train[:, numeric].mean(axis=0), 0.0))
    True
    """
    data = bunch if isinstance(bunch, pd.DataFrame) else getattr(bunch, "data", None)
    if not isinstance(data, pd.DataFrame):
        raise ValueError(
            "make_preprocessor needs a data set Bunch with a DataFrame in .data, or a "
            f"DataFrame, got {type(bunch).__name__}"
        )
    categorical = [
        c
        for c in data.columns
        if isinstance(data[c].dtype, pd.CategoricalDtype)
        or data[c].dtype == object
        or data[c].dtype == bool
        or pd.api.types.is_string_dtype(data[c].dtype)
    ]
    numeric = [c for c in data.columns if c not in categorical]
    transformers = []
    if categorical:
        transformers.append(
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore", sparse_output=sparse_output),
                categorical,
            )
        )
    if numeric:
        transformers.append(("numeric", StandardScaler(with_mean=not sparse_output), numeric))
    return ColumnTransformer(transformers, sparse_threshold=1.0 if sparse_output else 0.0)
