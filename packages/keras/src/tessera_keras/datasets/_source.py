"""Where the Keras datasets live. ``TESSERA_KERAS_DATASETS_ORIGIN`` points them at a mirror
(same file names and contents; the checksums are still verified)."""

from __future__ import annotations

import os

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# sha256 of the files Keras publishes (from Keras 3's dataset modules).
HASHES = {
    "mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    "boston_housing.npz": "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
    # md5 of the CIFAR binary archives, as published on https://www.cs.toronto.edu/~kriz/cifar.html
    "cifar-10-binary.tar.gz": "c32a1d4ab5d03f1284b67883e8d87530",
    "cifar-100-binary.tar.gz": "03b5dce01913d631647c71ecec9e9cb8",
}


def origin(name: str, default: str = KERAS_ORIGIN) -> str:
    base = os.environ.get("TESSERA_KERAS_DATASETS_ORIGIN") or default
    return base.rstrip("/") + "/" + name


def pickled(name: str):
    def load_data(*args, **kwargs):
        raise NotImplementedError(
            f"keras.datasets.{name}: Keras publishes this dataset as pickled Python objects, "
            f"which Tessera does not read (unpickling can run arbitrary code). Load it with "
            f"real Keras and save the arrays with numpy.savez, then numpy.load them.")

    load_data.__name__ = "load_data"
    return load_data
